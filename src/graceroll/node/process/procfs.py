"""What ``/proc`` says about a process: its state, group, start time, environment; and this boot's id.

A pid alone names no process for long: the kernel hands it out again once its process is gone. A
pid, its start time (``/proc/<pid>/stat`` field 22, clock ticks since boot) and the boot id together
name one process for good: that is how a recorded group leader is recognised. The other members
of a group were never recorded; the pod's uid in their environment (``GRACEROLL_POD_UID``, set for
every process the node starts, see ``launch``) says whose they are. The node checks one or the
other before it adopts or signals a process it did not start itself (``runtime``, ``agent``).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

POD_UID_ENV = "GRACEROLL_POD_UID"
PROC = Path("/proc")
DEAD = ("Z", "X")  # a zombie has exited; only its exit status is left


@dataclass(frozen=True)
class ProcStat:
    pid: int
    state: str
    pgrp: int
    started: int  # clock ticks after boot

    @property
    def alive(self) -> bool:
        return self.state not in DEAD


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
                if st is not None and st.pgrp == pgid and st.alive:
                    found.append(st)
    return found


def read_environ(pid: int, proc: Path = PROC) -> dict[str, str] | None:
    """The environment ``pid`` was started with (None when it is gone or not ours to read)."""
    try:
        raw = (proc / str(pid) / "environ").read_bytes()
    except OSError:
        return None
    env: dict[str, str] = {}
    for entry in raw.split(b"\0"):
        name, sep, value = entry.partition(b"=")
        if sep and name:
            env[os.fsdecode(name)] = os.fsdecode(value)
    return env


def carries_uid(pid: int, uid: str, proc: Path = PROC) -> bool:
    """``pid`` was started by the node for the pod ``uid``."""
    try:
        environ = (proc / str(pid) / "environ").read_bytes()
    except OSError:
        return False
    return f"{POD_UID_ENV}={uid}".encode() in environ.split(b"\0")


def is_process(pid: int, started: int, proc: Path = PROC) -> bool:
    """``pid`` is, still, the live group leader that started at ``started`` ticks (on this boot).

    The start time alone identifies it; its environment is not asked, since a container may
    ``exec`` a program with an environment of its own.
    """
    st = read_stat(pid, proc)
    return st is not None and st.alive and st.started == started and st.pgrp == pid
