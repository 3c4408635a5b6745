"""The running data plane on record: ``<data dir>/dataplane/state.json``::

    {"kind": "haproxy", "pid": 4242, "started": 873311, "boot": "1b2c…"}

Written when the engine starts a data plane, kept when the engine dies, removed when the data
plane is stopped. A record names a live process only on the same boot, with the same pid and the
same start time (clock ticks since boot, ``/proc/<pid>/stat``), so a reused pid is not mistaken for it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from graceroll.node.process.procfs import boot_id, read_stat

SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes; keep room for the socket's own name


@dataclass(frozen=True)
class Record:
    kind: str
    pid: int
    started: int
    boot: str

    @staticmethod
    def of(kind: str, pid: int) -> Record:
        st = read_stat(pid)
        return Record(kind, pid, st.started if st else -1, boot_id())

    def alive(self) -> bool:
        """The recorded process still runs (not a zombie, not a reused pid)."""
        st = read_stat(self.pid)
        return st is not None and st.state not in ("Z", "X") and st.started == self.started and self.boot == boot_id()


def directory(root: Path) -> Path:
    return root / "dataplane"


def run_dir(root: Path) -> Path:
    """Where the data plane's sockets live: in the data dir, or in /tmp when that path is too long."""
    d = directory(root)
    if len(str(d / "control.sock")) <= SOCKET_PATH_MAX - 10:
        return d
    return Path("/tmp") / f"graceroll-dp-{hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]}"


def load(root: Path) -> Record | None:
    try:
        data = json.loads((directory(root) / "state.json").read_text())
        return Record(str(data["kind"]), int(data["pid"]), int(data["started"]), str(data["boot"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(root: Path, record: Record) -> None:
    path = directory(root) / "state.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(record)) + "\n")
    os.replace(tmp, path)


def clear(root: Path) -> None:
    (directory(root) / "state.json").unlink(missing_ok=True)
