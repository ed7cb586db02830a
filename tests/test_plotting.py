import dataclasses

import matplotlib.image
import numpy as np
import pytest

from qec.analysis import Point
from qec.plotting import new_axes, plot_threshold, save_figure


def _points():
    data = [(3, 0.004, 30), (3, 0.008, 150), (3, 0.012, 330),
            (5, 0.004, 0), (5, 0.008, 120), (5, 0.012, 400)]
    return [Point(distance=d, rounds=d, physical_error_rate=p, shots=2000, errors=e)
            for d, p, e in data]


def test_plot_threshold_writes_a_png_of_the_expected_size(tmp_path):
    ax = plot_threshold(_points(), threshold=0.009, title="test")
    path = save_figure(ax, tmp_path / "sub" / "threshold.png", dpi=100)
    assert path.stat().st_size > 10_000
    image = matplotlib.image.imread(path)
    assert image.shape == (480, 640, 4)
    assert image[..., :3].std() > 0.05  # not blank
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[:2] == ["d=3", "d=5"]
    assert labels[2].startswith("threshold 0.900%")
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_ylabel() == "logical error per shot"  # the library's default quantity


def test_plot_threshold_per_round_on_given_axes():
    ax = new_axes()
    assert plot_threshold(_points(), ax=ax, quantity="per_round") is ax
    assert ax.get_ylabel() == "logical error per round"


def _sweep():
    from tests.analysis.synthetic import synthetic_sweep

    return synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=20_000, seed=3,
                           ps=np.linspace(0.09, 0.11, 7), rounds=5)


def test_plot_threshold_refuses_a_fit_of_the_other_quantity():
    from qec.analysis import fit_threshold

    fit = fit_threshold(_sweep(), quantity="per_shot", bootstrap=10)
    with pytest.raises(ValueError, match="threshold is a fit of the error per shot but "
                                         "quantity='per_round'"):
        plot_threshold(_sweep(), quantity="per_round", threshold=fit)
    # Without a quantity, the figure takes the fit's.
    assert plot_threshold(_sweep(), threshold=fit).get_ylabel() == "logical error per shot"


def test_plot_threshold_marks_a_bound_as_a_bound_and_the_extrapolation():
    from qec.analysis import extrapolate_threshold, fit_threshold

    fit = fit_threshold(_sweep(), bootstrap=10)
    bound = dataclasses.replace(fit, threshold=0.11, threshold_low=0.11, threshold_high=0.11,
                                bound="lower")
    ax = plot_threshold(_sweep(), threshold=bound)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert any(label.startswith("p_th > ") and "bound" in label for label in labels), labels
    sweep = _sweep()
    ax = plot_threshold(sweep, threshold=fit_threshold(sweep, bootstrap=10),
                        extrapolated=extrapolate_threshold(sweep, bootstrap=60))
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert any(label.startswith("extrapolated ") for label in labels), labels


def test_save_figure_dpi_sets_pixels(tmp_path):
    path = save_figure(new_axes(figsize=(4, 3)), tmp_path / "f.png", dpi=50)
    assert matplotlib.image.imread(path).shape[:2] == (150, 200)


def test_plot_rejects_empty_points():
    with pytest.raises(ValueError, match="points is empty"):
        plot_threshold([])


def test_save_figure_rejects_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"path='.*f\.xyz' must end in one of"):
        save_figure(new_axes(), tmp_path / "f.xyz")


def test_collapse_lambda_rounds_figures(tmp_path):
    from qec.analysis import fit_lambda, fit_threshold, shot_error
    from qec.plotting import plot_collapse, plot_lambda, plot_rounds

    sweep = [Point(distance=d, rounds=1, physical_error_rate=p, shots=10**6,
                   errors=round(10**6 * (0.2 + 2 * (p - 0.1) * d ** (1 / 1.5))))
             for d in (3, 5, 7) for p in (0.09, 0.095, 0.1, 0.105, 0.11)]
    collapse = plot_collapse(fit_threshold(sweep, quantity="per_shot", bootstrap=10))
    assert collapse.get_ylabel() == "logical error per shot"
    suppressed = [Point(distance=d, rounds=r, physical_error_rate=0.001, shots=10**5,
                        errors=round(10**5 * shot_error(0.01 / 2 ** ((d - 3) / 2), rounds=r)))
                  for d in (3, 5, 7) for r in (d, 2 * d)]
    lam = plot_lambda(fit_lambda(suppressed))
    assert lam.get_xlabel() == "code distance d"
    labels = [text.get_text() for text in lam.get_legend().get_texts()]
    assert any(label.startswith("fit: Lambda=2.0") for label in labels)
    rounds = plot_rounds(suppressed)
    assert len(rounds.get_legend().get_texts()) == 3
    for name, ax in [("collapse", collapse), ("lambda", lam), ("rounds", rounds)]:
        path = save_figure(ax, tmp_path / f"{name}.png")
        assert path.stat().st_size > 10_000
        assert matplotlib.image.imread(path).shape == (480, 640, 4)


def test_log_axes_are_labelled_with_round_numbers():
    ax = plot_threshold(_points(), title="a long title " * 8)
    ax.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "0.004", "0.005", "0.006", "0.007", "0.008", "0.01", "0.012"]
    # The error rates span less than 2.5 decades: plain round numbers on y too.
    assert all(t.get_text() and "^" not in t.get_text() for t in ax.get_yticklabels())
    assert len(ax.get_title().splitlines()) == 2  # a long title wraps instead of being cut
