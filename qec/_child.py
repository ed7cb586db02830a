"""What every helper process that qec starts does first: end with its parent, let go of the
caller's terminal streams.

The sampling workers (:mod:`qec.sampling`) and the figure process (:mod:`qec.plotting`) call
both first thing, so that no process of a command outlives it, whatever signal ends it, and a
pipe the caller reads closes when the command's own process ends.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["exit_with_parent", "release_standard_streams"]

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def exit_with_parent(parent_pid: int) -> None:
    """Makes this process end when the process that started it ends, however it ends.

    On Linux the kernel sends SIGKILL when the parent dies (``PR_SET_PDEATHSIG``); everywhere,
    a watchdog thread also checks once a second that the parent is still the same process
    (an orphan is re-parented, so its parent pid changes) and exits otherwise.

    Args:
        parent_pid: the pid of the process that started this one (``os.getpid()`` there).
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="qec-parent-watchdog", daemon=True).start()


def release_standard_streams() -> None:
    """Points this process's stdin, stdout and stderr at /dev/null, so that a pipe the caller
    reads (``subprocess.run(capture_output=True)``, ``qec ... | head``) closes when the
    command's own process ends. A helper's errors travel back through its pipe instead."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            os.dup2(devnull, fd)
    os.close(devnull)
