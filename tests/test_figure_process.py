"""The figure process draws what drawing here draws, says what went wrong, and does not stay."""

import os
import signal

import matplotlib.image
import numpy as np
import pytest

from qec.analysis import Point
from qec.plotting import FigureProcess, plot_threshold, save_figure


def _points():
    data = [(3, 0.004, 31), (3, 0.008, 149), (3, 0.012, 331),
            (5, 0.004, 3), (5, 0.008, 121), (5, 0.012, 397)]
    return [Point(distance=d, rounds=d, physical_error_rate=p, shots=2001, errors=e)
            for d, p, e in data]


def test_the_file_is_the_one_drawn_in_this_process(tmp_path):
    here = save_figure(plot_threshold(_points(), threshold=0.009, title="t"), tmp_path / "a.png")
    with FigureProcess() as figures:
        assert figures._process is not None and figures._process.is_alive()
        figures.draw(plot_threshold, tmp_path / "b.png", points=_points(), threshold=0.009,
                     title="t")
        there = figures.wait()
        # A second figure from the same process.
        figures.draw(plot_threshold, tmp_path / "c.png", dpi=50, points=_points())
        assert matplotlib.image.imread(figures.wait()).shape == (240, 320, 4)
    assert there == tmp_path / "b.png"
    np.testing.assert_array_equal(matplotlib.image.imread(here), matplotlib.image.imread(there))


def test_an_error_in_the_figure_is_raised_here_with_its_message(tmp_path):
    with FigureProcess() as figures:
        figures.draw(plot_threshold, tmp_path / "x.png", points=[])
        with pytest.raises(ValueError, match="points"):
            figures.wait()
        figures.draw(plot_threshold, tmp_path / "x.unknown", points=_points())
        with pytest.raises(ValueError, match="must end in one of"):
            figures.wait()


def test_a_figure_process_that_died_is_replaced_by_drawing_here(tmp_path):
    with FigureProcess() as figures:
        os.kill(figures._process.pid, signal.SIGKILL)
        figures._process.join()
        figures.draw(plot_threshold, tmp_path / "late.png", points=_points())
        assert figures.wait().stat().st_size > 10_000
        assert figures._process is None


def test_closing_ends_the_process_and_calls_out_of_order_are_refused(tmp_path):
    figures = FigureProcess()
    process = figures._process
    with pytest.raises(ValueError, match="wait\\(\\) without draw\\(\\)"):
        figures.wait()
    figures.draw(plot_threshold, tmp_path / "a.png", points=_points())
    with pytest.raises(ValueError, match="draw\\(\\) was called twice"):
        figures.draw(plot_threshold, tmp_path / "b.png", points=_points())
    figures.close()
    assert not process.is_alive() and process.exitcode == 0
    assert not (tmp_path / "b.png").exists()


def test_a_function_that_does_not_pickle_is_drawn_here(tmp_path):
    with FigureProcess() as figures:
        figures.draw(lambda: plot_threshold(_points()), tmp_path / "local.png")
        assert figures.wait().stat().st_size > 10_000
        assert figures._process.is_alive()  # still there for the next figure
