import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from qec.analysis import Point, shot_error
from qec.cli import main
from tests.analysis.synthetic import synthetic_sweep, write_points


@pytest.fixture
def threshold_db(tmp_path):
    path = tmp_path / "threshold.db"
    write_points(path, synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=20_000,
                                       seed=7, ps=np.linspace(0.09, 0.11, 7)))
    return path


@pytest.fixture
def lambda_db(tmp_path):
    path = tmp_path / "lambda.db"
    points = [Point(distance=d, rounds=r, physical_error_rate=0.001, shots=100_000,
                    errors=round(100_000 * shot_error(0.01 / 2 ** ((d - 3) / 2), rounds=r)))
              for d in (3, 5, 7) for r in (d, 3 * d)]
    write_points(path, points, noise="si1000")
    return path


@pytest.mark.parametrize("kind", ["threshold", "collapse"])
def test_plot_threshold_kinds(threshold_db, tmp_path, capsys, kind):
    out = tmp_path / f"{kind}.png"
    assert main(["plot", "--db", str(threshold_db), "--kind", kind, "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert out.stat().st_size > 10_000
    assert matplotlib.image.imread(out).shape == (480, 640, 4)


@pytest.mark.parametrize("kind", ["lambda", "rounds"])
def test_plot_lambda_kinds(lambda_db, tmp_path, kind):
    out = tmp_path / f"{kind}.png"
    assert main(["plot", "--db", str(lambda_db), "--kind", kind, "--out", str(out),
                 "--dpi", "50"]) == 0
    assert matplotlib.image.imread(out).shape == (240, 320, 4)


def test_plot_default_out_is_next_to_the_database(threshold_db):
    assert main(["plot", "--db", str(threshold_db)]) == 0
    assert (threshold_db.parent / "threshold.png").stat().st_size > 0


def test_plot_missing_database(tmp_path, capsys):
    assert main(["plot", "--db", str(tmp_path / "none.db"), "--out", str(tmp_path / "f.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "none.db': no such database file" in err
    assert not (tmp_path / "none.db").exists()


def test_plot_no_matching_tasks(threshold_db, tmp_path, capsys):
    assert main(["plot", "--db", str(threshold_db), "--noise", "sd6",
                 "--out", str(tmp_path / "f.png")]) == 2
    assert "no tasks in" in capsys.readouterr().err
    assert not (tmp_path / "f.png").exists()


def test_plot_draws_several_series_separately_and_says_which_is_which(threshold_db, tmp_path,
                                                                     capsys):
    write_points(threshold_db, [Point(distance=3, rounds=1, physical_error_rate=0.1, shots=10,
                                      errors=1)], noise="phenomenological")
    assert main(["plot", "--db", str(threshold_db), "--out", str(tmp_path / "f.png")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and not (tmp_path / "f.png").exists()
    assert out[0].startswith(f"wrote {tmp_path / 'f-1.png'}") and "noise=code-capacity" in out[0]
    assert out[1].startswith(f"wrote {tmp_path / 'f-2.png'}") and "noise=phenomenological" in out[1]
    for name in ("f-1.png", "f-2.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    assert main(["plot", "--db", str(threshold_db), "--noise", "code-capacity",
                 "--out", str(tmp_path / "f.png")]) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / 'f.png'}\n"
    assert main(["plot", "--db", str(threshold_db), "--where", "noise=phenomenological",
                 "--out", str(tmp_path / "g.png")]) == 0
    assert (tmp_path / "g.png").exists()


def test_plot_collapse_without_crossing_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "r.db"
    write_points(path, [Point(distance=d, rounds=1, physical_error_rate=p, shots=1000, errors=e)
                        for d, p, e in [(3, 0.01, 100), (3, 0.02, 300), (5, 0.01, 10),
                                        (5, 0.02, 60)]])
    assert main(["plot", "--db", str(path), "--kind", "collapse",
                 "--out", str(tmp_path / "c.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qec plot: error: the curves of distances [3, 5] do not cross")
    assert err.count("\n") == 1


def test_plot_rounds_with_boundary_offset(lambda_db, tmp_path):
    out = tmp_path / "rounds.png"
    assert main(["plot", "--db", str(lambda_db), "--kind", "rounds", "--boundary-offset",
                 "--out", str(out)]) == 0
    assert matplotlib.image.imread(out).shape == (480, 640, 4)


def test_plot_uses_one_quantity_and_prints_the_warnings(threshold_db, tmp_path, capsys):
    out = tmp_path / "q.png"
    assert main(["plot", "--db", str(threshold_db), "--out", str(out), "--quantity",
                 "per-round"]) == 0
    assert out.stat().st_size > 0
    capsys.readouterr()
    # One distance: no threshold, and the reason is printed as a warning on stderr.
    assert main(["plot", "--db", str(threshold_db), "--out", str(out), "--where",
                 "distance=3"]) == 0
    err = capsys.readouterr().err
    assert "no threshold marked" in err and "warning" in err


@pytest.mark.parametrize("dpi", ["0", "5", "200000"])
def test_a_resolution_out_of_range_is_one_line_before_any_drawing(tmp_path, threshold_db,
                                                                  capsys, dpi):
    from tests.cli.one_line import assert_one_line_error

    assert_one_line_error(capsys, ["plot", "--db", str(threshold_db), "--dpi", dpi,
                                   "--out", str(tmp_path / "t.png")],
                          f"--dpi {dpi} must be from 10 to 1000")


def test_running_out_of_memory_is_one_line(tmp_path, threshold_db, capsys, monkeypatch):
    import qec.plotting
    from tests.cli.one_line import assert_one_line_error

    def exhausted(*args, **kwargs):
        raise MemoryError("std::bad_alloc")

    monkeypatch.setattr(qec.plotting, "save_figure", exhausted)
    assert_one_line_error(capsys, ["plot", "--db", str(threshold_db), "--out",
                                   str(tmp_path / "t.png")], "out of memory")
