import io

import pytest

from qec.sampling import LiveProgress, PlainProgress, TaskProgress, make_progress
from qec.sampling._progress import format_duration


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _snapshot(shots):
    return [
        TaskProgress("d=3 p=0.01", shots, shots // 100, 10_000, 50, shots >= 10_000, 0.0),
        TaskProgress("d=5 p=0.01", shots // 2, 3, 10_000, 50, False, 12.0),
    ]


@pytest.mark.parametrize("columns", [80, 200])
def test_live_progress_redraws_a_table_in_place(monkeypatch, columns):
    # The terminal's size is pinned: shutil.get_terminal_size reads COLUMNS and LINES first,
    # so the test does not depend on the terminal (or pipe) the suite runs in.
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("LINES", "24")
    out = _Terminal()
    display = make_progress("auto", stream=out)
    assert isinstance(display, LiveProgress)
    display.interval = 0
    display.update(_snapshot(2000), workers=2)
    first = out.getvalue()
    assert first.startswith("\x1b[J")  # clears below, nothing to go back over yet
    lines = first[len("\x1b[J"):].splitlines()
    assert lines[0].startswith("qec: 0/2 tasks done, ETA ")
    assert lines[1].split()[:3] == ["d=3", "p=0.01", "0:00"]
    assert lines[2].split()[:3] == ["d=5", "p=0.01", "0:12"]  # its time left, up front
    assert all(len(line) < columns for line in lines)
    if columns > 100:  # wide enough for every count
        assert "3,000 shots, 23 errors" in lines[0] and "rate 1.00e-02" in lines[1]
        assert "shots       1,000/10,000" in lines[2] and "errors      3/50" in lines[2]
    display.update(_snapshot(10_000), workers=2, final=True)
    second = out.getvalue()[len(first):]
    assert second.startswith("\x1b[3F\x1b[J")  # back over the three previous lines
    redrawn = second[len("\x1b[3F\x1b[J"):].splitlines()
    # The ETA and each task's state survive a cut to 80 columns.
    assert redrawn[0].startswith("qec: 1/2 tasks done, ETA 0:06, elapsed ")
    assert redrawn[1].split()[:3] == ["d=5", "p=0.01", "0:12"]
    assert redrawn[2].split()[:3] == ["d=3", "p=0.01", "done"]  # the finished task, last
    assert all(len(line) < columns for line in redrawn)


def test_plain_progress_is_periodic_and_quiet_is_silent():
    out = io.StringIO()
    display = make_progress("auto", stream=out)
    assert isinstance(display, PlainProgress)
    display.update(_snapshot(100), workers=1)  # within the first interval: nothing yet
    assert out.getvalue() == ""
    display.update(_snapshot(10_000), workers=1, final=True)
    assert out.getvalue().count("\n") == 1
    silent = io.StringIO()
    make_progress(None, stream=silent).update(_snapshot(5), workers=1, final=True)
    assert silent.getvalue() == ""


def test_format_duration():
    assert format_duration(59.4) == "0:59"
    assert format_duration(float("inf")) == "?"
