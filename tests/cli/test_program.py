import gc
import subprocess
import sys

import pytest

from qec.cli import _main


def test_program_exits_with_the_commands_status_and_freezes_the_heap_first(monkeypatch):
    calls = []
    monkeypatch.setattr(_main, "main", lambda: calls.append("main") or 3)
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    with pytest.raises(SystemExit) as exited:
        _main.program()
    assert exited.value.code == 3
    assert calls == ["main", "freeze"]


def test_python_m_qec_is_the_program():
    done = subprocess.run([sys.executable, "-m", "qec", "circuit", "--code", "bogus"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--code" in done.stderr
