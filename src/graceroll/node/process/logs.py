"""Container logs: one file per run of a container, in the CRI format, read as ``kubectl logs`` asks.

Layout (the kubelet's ``/var/log/pods``)::

    <state_dir>/logs/<namespace>_<pod>_<uid>/<container>/<restartCount>.log

Names cannot contain ``_``, so the directory name splits unambiguously, and a pod that replaces
another of the same name never shares its files. Each run of a container (``restartCount``)
writes its own file through the log shim (``logshim``: one ``<RFC 3339 nanoseconds> stdout F
<line>`` record per line); the current run and the one before it are kept (the kubelet keeps
one dead container per container), older ones are removed when a new run starts. The pod's log
directory goes when the pod is deleted. ``<container>.log`` beside the directory (the layout of
older graceroll versions: raw output, no timestamps) still counts as the oldest run.

Reading (``kubelet_pods.go`` ``GetContainerLogs`` and ``kuberuntime/logs.ReadLogs``): the latest
run, or with ``previous`` the one before it; ``tailLines`` first, then ``sinceSeconds`` /
``sinceTime`` (lines stamped at or after it), ``timestamps`` puts each line's time in front
(``RFC3339Nano``, trailing zeros dropped, as Go prints it), and ``limitBytes`` cuts the output.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

FOLLOW_POLL = 0.25  # seconds between looks at a followed file
KEPT_RUNS = 2  # the current run and the previous one
_RECORD = re.compile(rb"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) ([PF]) (.*)$", re.DOTALL)


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


def container_log_dir(state_dir: Path, namespace: str, pod: str, uid: str, container: str) -> Path:
    return pod_log_dir(state_dir, namespace, pod, uid) / _component(container)


def run_log(directory: Path, restart_count: int) -> Path:
    """The file of one run; older runs than the previous one are removed."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{restart_count}.log"
    others = [p for p in runs(directory) if p != path]
    for old in others[: len(others) - (KEPT_RUNS - 1)]:
        old.unlink(missing_ok=True)
    return path


def runs(directory: Path) -> list[Path]:
    """The files of the container's runs, oldest first."""
    found = sorted((p for p in directory.glob("*.log") if p.stem.isdigit()), key=lambda p: int(p.stem)) if directory.is_dir() else []
    legacy = directory.parent / f"{directory.name}.log"
    return ([legacy] if legacy.is_file() else []) + found


@dataclass(frozen=True)
class Line:
    timestamp: bytes  # b"" for a line of a legacy file
    content: bytes  # with its newline

    def render(self, timestamps: bool) -> bytes:
        if not timestamps or not self.timestamp:
            return self.content
        return go_rfc3339_nano(self.timestamp) + b" " + self.content


def go_rfc3339_nano(stamp: bytes) -> bytes:
    """``…05.120000000Z`` as Go's RFC3339Nano prints it: ``…05.12Z`` (``…05Z`` when whole)."""
    head, _, frac = stamp[:-1].partition(b".")
    frac = frac.rstrip(b"0")
    return head + (b"." + frac if frac else b"") + b"Z"


def parse(data: bytes) -> tuple[list[Line], bytes]:
    """The complete lines of CRI records in ``data`` (partial pieces joined), and the rest."""
    out: list[Line] = []
    partial = b""
    *records, rest = data.split(b"\n")
    for record in records:
        m = _RECORD.match(record)
        if m is None:
            out.append(Line(b"", record + b"\n"))  # a legacy (raw) line
            continue
        if m.group(3) == b"P":
            partial += m.group(4)
            continue
        out.append(Line(m.group(1), partial + m.group(4) + b"\n"))
        partial = b""
    return out, rest


def output(data: bytes) -> tuple[bytes, bytes]:
    """What the container wrote, from the complete CRI records in ``data`` (a partial record's
    piece as it is, a full one's with its newline), and the rest: for streaming (attach)."""
    out: list[bytes] = []
    *records, rest = data.split(b"\n")
    for record in records:
        m = _RECORD.match(record)
        if m is None:
            out.append(record + b"\n")  # a legacy (raw) line
        else:
            out.append(m.group(4) + (b"" if m.group(3) == b"P" else b"\n"))
    return b"".join(out), rest


def read(path: Path) -> list[Line]:
    if not path.is_file():
        return []
    lines, rest = parse(path.read_bytes())
    return lines + ([Line(b"", rest)] if rest else [])


def stamp_of(t: float) -> bytes:
    """An instant in the records' fixed-width form, so records compare with it as bytes."""
    whole = int(t // 1)
    nanos = round((t - whole) * 1e9)
    return datetime.fromtimestamp(whole, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S").encode() + b".%09dZ" % min(nanos, 999_999_999)


@dataclass(frozen=True)
class LogOptions:
    tail: int | None = None
    since: float | None = None  # seconds since the epoch
    timestamps: bool = False
    limit_bytes: int | None = None


def select(lines: list[Line], opts: LogOptions) -> bytes:
    if opts.tail is not None:
        lines = lines[len(lines) - opts.tail :] if opts.tail > 0 else []
    if opts.since is not None:
        since = stamp_of(opts.since)
        lines = [ln for ln in lines if ln.timestamp and ln.timestamp >= since]
    data = b"".join(ln.render(opts.timestamps) for ln in lines)
    return data[: opts.limit_bytes] if opts.limit_bytes is not None else data


async def follow(
    path: Path,
    clock: Sleeper,
    offset: int,
    still: Callable[[], bool],
    poll: float = FOLLOW_POLL,
) -> AsyncIterator[list[Line]]:
    """Lines appended to ``path`` from ``offset``, until ``still()`` turns false (the run ended, the
    pod went) and the file holds nothing more."""
    pending = b""
    while True:
        alive = still()
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            size = 0
        if size > offset:
            with path.open("rb") as f:
                f.seek(offset)
                chunk = f.read(size - offset)
            offset += len(chunk)
            lines, pending = parse(pending + chunk)
            if lines:
                yield lines
            continue
        if not alive:
            return
        await clock.sleep(poll)
