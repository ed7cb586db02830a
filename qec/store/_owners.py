"""Which process owns a claim or a lease: this process's owner id (``host:pid:start time``),
and whether the owner of a stored claim has ended, so that its claim may be taken over."""

from __future__ import annotations

import os
import socket

__all__ = ["owner_id", "owner_is_dead"]


def _start_time(pid: int) -> str | None:
    """The start time of a process in clock ticks since boot (Linux), to tell a process from
    a later one that reuses its pid; None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


_OWNER: str | None = None


def owner_id() -> str:
    """This process as a claim owner: ``host:pid:start time``.

    Examples:
        >>> owner_id().count(":") >= 2
        True
    """
    global _OWNER
    pid = os.getpid()
    if _OWNER is None or _OWNER.split(":")[1] != str(pid):  # recomputed after a fork
        _OWNER = f"{socket.gethostname()}:{pid}:{_start_time(pid) or ''}"
    return _OWNER


def owner_is_dead(owner: str | None) -> bool:
    """Whether the process that made a claim has ended (so its claim may be taken over).

    A claim without an owner (written by qec 0.1) counts as abandoned. A process on another
    host is taken to be alive: a claim is never stolen on a guess.

    Examples:
        >>> owner_is_dead(owner_id()), owner_is_dead(None)
        (False, True)
    """
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # exists, owned by another user
    now = _start_time(pid)
    if started and now is not None and now != started:
        return True  # the pid was reused by a later process
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has ended
    except OSError:
        return False
