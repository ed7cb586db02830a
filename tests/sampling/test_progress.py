import io

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


def test_live_progress_redraws_a_table_in_place():
    out = _Terminal()
    display = make_progress("auto", stream=out)
    assert isinstance(display, LiveProgress)
    display.interval = 0
    display.update(_snapshot(2000), workers=2)
    first = out.getvalue()
    assert "qec: 0/2 tasks done, 3,000 shots, 23 errors" in first
    lines = first.splitlines()
    assert lines[1].split()[:2] == ["d=3", "p=0.01"] and "rate 1.00e-02" in lines[1]
    assert "shots       1,000/10,000" in lines[2] and "errors          3/50" in lines[2]
    display.update(_snapshot(10_000), workers=2, final=True)
    second = out.getvalue()[len(first):]
    assert second.startswith("\x1b[3F\x1b[J")  # back over the three previous lines
    assert "1/2 tasks done" in second and "ETA 0:06" in second
    assert second.splitlines()[-1].endswith("done")  # the finished task, listed last


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
