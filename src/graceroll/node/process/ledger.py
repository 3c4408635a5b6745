"""Process groups on record, so that a restarted engine kills what a crashed one left running.

Each pod directory holds ``processes.json``::

    {"namespace": "default", "name": "web-7c9-x2x4z", "uid": "…",
     "groups": [{"pgid": 4242, "started": 873311, "boot": "1b2c…"}]}

A group is added when a process (container, hook, exec probe) starts and dropped when it ends. Pods
are **restarted, not adopted**: when the node starts, it SIGKILLs every recorded group that is
still alive and still this pod's, then starts the pod afresh. A group counts as the pod's when, on
the same boot, its leader is alive with the recorded start time (``/proc/<pid>/stat``, in clock
ticks since boot) or one of its members carries the pod's ``GRACEROLL_POD_UID`` in its
environment. A group id that an unrelated process reused is left alone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("graceroll.node")

FILE = "processes.json"
POD_UID_ENV = "GRACEROLL_POD_UID"
PROC = Path("/proc")


@dataclass(frozen=True)
class ProcStat:
    pid: int
    state: str
    pgrp: int
    started: int  # clock ticks after boot


def read_stat(pid: int, proc: Path = PROC) -> ProcStat | None:
    """Fields of ``/proc/<pid>/stat``; the command name may hold spaces and parentheses, so split after the last ')'."""
    try:
        text = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    try:
        return ProcStat(pid, fields[0], int(fields[2]), int(fields[19]))
    except (IndexError, ValueError):
        return None


def boot_id(proc: Path = PROC) -> str:
    try:
        return (proc / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def group_members(pgid: int, proc: Path = PROC) -> list[ProcStat]:
    """Processes of group ``pgid`` that are not yet dead (zombies count as dead)."""
    found = []
    with contextlib.suppress(OSError):
        for entry in proc.iterdir():
            if entry.name.isdigit():
                st = read_stat(int(entry.name), proc)
                if st is not None and st.pgrp == pgid and st.state not in ("Z", "X"):
                    found.append(st)
    return found


def carries_uid(pid: int, uid: str, proc: Path = PROC) -> bool:
    try:
        environ = (proc / str(pid) / "environ").read_bytes()
    except OSError:
        return False
    return f"{POD_UID_ENV}={uid}".encode() in environ.split(b"\0")


class Ledger:
    """The record of one pod's process groups (``<pod dir>/processes.json``), rewritten atomically."""

    def __init__(self, path: Path, namespace: str, name: str, uid: str) -> None:
        self.path = path
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self._groups: dict[int, dict[str, Any]] = {}
        self._boot = boot_id()

    @staticmethod
    def load(path: Path) -> Ledger | None:
        try:
            data = json.loads(path.read_text())
            ledger = Ledger(path, str(data["namespace"]), str(data["name"]), str(data["uid"]))
            for g in data.get("groups") or ():
                ledger._groups[int(g["pgid"])] = {"pgid": int(g["pgid"]), "started": int(g["started"]), "boot": str(g["boot"])}
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return ledger

    @property
    def groups(self) -> list[dict[str, Any]]:
        return list(self._groups.values())

    def add(self, pgid: int) -> None:
        st = read_stat(pgid)
        self._groups[pgid] = {"pgid": pgid, "started": st.started if st else -1, "boot": self._boot}
        self.save()

    def discard(self, pgid: int) -> None:
        if self._groups.pop(pgid, None) is not None:
            self.save()

    def save(self) -> None:
        if not self.path.parent.is_dir():
            return  # the pod directory is gone: nothing left to record
        data = {"namespace": self.namespace, "name": self.name, "uid": self.uid, "groups": self.groups}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)

    def kill_stale(self) -> list[int]:
        """SIGKILL every recorded group that is still alive and still ours; returns their pgids."""
        killed = []
        for g in self.groups:
            pgid = g["pgid"]
            if g["boot"] == boot_id() and self._still_ours(pgid, g["started"]):
                log.warning("pod %s/%s: killing process group %d left by an earlier engine", self.namespace, self.name, pgid)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pgid, signal.SIGKILL)
                    killed.append(pgid)
            self._groups.pop(pgid, None)
        self.save()
        return killed

    def _still_ours(self, pgid: int, started: int) -> bool:
        members = group_members(pgid)
        leader = next((m for m in members if m.pid == pgid), None)
        if leader is not None and leader.started == started:
            return True
        return any(carries_uid(m.pid, self.uid) for m in members)
