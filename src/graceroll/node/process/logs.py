"""Container logs: one append-only file per container of a pod, read by ``graceroll logs``.

Layout: ``<state_dir>/logs/<namespace>_<pod>_<uid>/<container>.log`` (the kubelet's
``/var/log/pods`` naming; names cannot contain ``_``, so it splits unambiguously, and a pod that
replaces another of the same name never shares its files). stdout and stderr of every instance of
the container append to the same file (a restart continues it); the pod's log directory goes
when the pod is deleted, as on a kubelet. The process writes straight into the file,
not through a pipe to the engine, so a chatty container never waits for the engine and lines
written just before an engine crash are kept.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

TAIL_BLOCK = 64 * 1024
FOLLOW_POLL = 0.25  # seconds between looks at a followed file


class Sleeper(Protocol):
    async def sleep(self, seconds: float) -> None: ...


def _component(name: str) -> str:
    """A path component from an object name; names are DNS labels, anything else is refused."""
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"not usable as a log path component: {name!r}")
    return name


def pod_log_dir(state_dir: Path, namespace: str, pod: str, uid: str) -> Path:
    return state_dir / "logs" / f"{_component(namespace)}_{_component(pod)}_{_component(uid)}"


def uid_of(log_dir: Path) -> str:
    """The pod uid a log directory belongs to."""
    return log_dir.name.rpartition("_")[2]


def log_path(state_dir: Path, namespace: str, pod: str, uid: str, container: str) -> Path:
    return pod_log_dir(state_dir, namespace, pod, uid) / f"{_component(container)}.log"


def open_for_append(path: Path) -> int:
    """An fd for a child's stdout/stderr: O_APPEND, so two instances never overwrite each other."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)


def tail(path: Path, lines: int) -> bytes:
    """The last ``lines`` lines of ``path`` (b"" when it does not exist), reading from the end only."""
    if lines <= 0 or not path.exists():
        return b""
    with path.open("rb") as f:
        end = f.seek(0, os.SEEK_END)
        data = b""
        pos = end
        while pos > 0 and data.count(b"\n") <= lines:
            step = min(TAIL_BLOCK, pos)
            pos -= step
            f.seek(pos)
            data = f.read(step) + data
    kept = data.splitlines(keepends=True)[-lines:]
    return b"".join(kept)


async def follow(
    path: Path,
    clock: Sleeper,
    offset: int = 0,
    poll: float = FOLLOW_POLL,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[bytes]:
    """Yield what is appended to ``path`` from ``offset`` on, until ``stop`` is set or the file is removed.

    A file that does not exist yet is waited for; a file that shrank (truncated) is read from its start.
    """
    seen = False
    while stop is None or not stop.is_set():
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            if seen:
                return  # removed with its pod
            await clock.sleep(poll)
            continue
        seen = True
        if size < offset:
            offset = 0
        if size > offset:
            with path.open("rb") as f:
                f.seek(offset)
                chunk = f.read(size - offset)
            offset += len(chunk)
            yield chunk
            continue
        await clock.sleep(poll)
