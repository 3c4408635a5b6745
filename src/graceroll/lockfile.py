"""Exclusive, non-blocking ``flock`` locks that name their holder.

The kernel drops such a lock when its holder dies, even by SIGKILL, so a restart after a crash
just works; the file records the holder's pid only so a refused opener can say who holds it.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path


class Held(Exception):
    """The lock is held by another process (``holder``: its pid, or "")."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def acquire(path: Path, mode: int = 0o644) -> int:
    """The locked file's descriptor (close it to release); ``Held`` or ``OSError`` otherwise."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, mode)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        holder = _read_pid(fd)
        os.close(fd)
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise Held(holder) from e
        raise
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # the pid only serves the message of a refused opener
    return fd


def _read_pid(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode(errors="replace").strip()
    except OSError:
        return ""
