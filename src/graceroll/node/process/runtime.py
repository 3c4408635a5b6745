"""Container processes: each in its own process group, signalled as a group, every child reaped.

- Every process starts with ``start_new_session=True``: it leads a new session and process group
  (pgid = pid), so SIGTERM and SIGKILL reach the children it forked, and a Ctrl-C in the engine's
  terminal reaches none of them.
- When a group's leader exits, the rest of its group is killed with SIGKILL, as a container
  runtime does when a container's PID 1 exits. The group is signalled while the exited leader is
  still an unreaped zombie, which keeps the group id reserved, so the signal cannot hit a
  newcomer that reused the id.
- The engine makes itself a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``, Linux): descendants
  orphaned by a dying parent are re-parented to the engine rather than to init, and are reaped here.
  Only the groups this module started are waited on (``waitid(P_PGID)``), so other code in the
  process (``subprocess.run``, asyncio subprocesses) keeps its own children's exit statuses.
  A descendant that leaves its group (``setsid``) is not tracked.
- A leader's exit is noticed at once through a pidfd (Linux 5.3+), else by the sweep, which
  also reaps re-parented orphans every ``sweep_interval`` seconds.

Adopted groups (:class:`AdoptedProcess`): containers an earlier engine started, found alive by the
next one (``adopt``). They are not this engine's children — when their engine died they were
re-parented to init or to a subreaper above it — so the rules above change in three places, behind
the same :class:`ProcessGroup` interface the pod worker uses:

- Watching: a pidfd (``pidfd_open`` works for any pid) is opened only after the leader proved to
  be the recorded process (same boot, start time, still its group's leader: ``procfs``), and checked
  again once open; from then on it names that process and no other, whatever happens to the pid.
- Signalling: the leader through its pidfd (``pidfd_send_signal``); the rest of the group one by
  one, each a process of that group (``/proc`` pgrp) that carries the pod's uid in its environment,
  each through a pidfd of its own opened and re-checked first. So a group id that a stranger
  reused is never signalled, even after the leader is gone and the id is no longer reserved.
- Exit status: a process can only be waited for by its parent. The exit code is read when this
  engine happens to be the parent (it is the subreaper above the dead engine); otherwise it cannot
  be known, and the exit is reported as unknown (``exit_observed`` False, code 137 as
  Kubernetes reports a container it could not observe: ``container``).

Without pidfds (Linux before 5.3) nothing is adopted: the earlier engine's groups are killed and
the pods started again.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from graceroll.clock import SystemClock
from graceroll.node.process import procfs
from graceroll.node.process.waiting import wait_any

log = logging.getLogger("graceroll.node")

PR_SET_CHILD_SUBREAPER = 36
LINGER = 5.0  # seconds a dead container's group is still swept for re-parented orphans
KILL_WAIT = 10.0  # seconds to wait for a SIGKILLed process to be reaped before giving up on it


def become_subreaper() -> bool:
    """Ask Linux to re-parent orphaned descendants to this process; False where that is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def exit_code(status: int) -> int:
    """A wait status as Kubernetes reports it: the exit code, or 128 + signal number (137 = SIGKILL)."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


class GroupRecord(Protocol):
    """Where started groups are written down (the pod's ``ledger``), so a crash leaves none untracked."""

    def add(self, pgid: int) -> None: ...

    def discard(self, pgid: int) -> None: ...


@dataclass(frozen=True)
class Spawn:
    """What to start; ``output`` is an fd for stdout and stderr (None: /dev/null); ``stdin`` an fd
    to read (None: /dev/null); ``errors`` a separate fd for stderr (None: ``output``)."""

    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: Path
    output: int | None = None
    stdin: int | None = None
    errors: int | None = None


UNKNOWN_EXIT = 137  # the exit code Kubernetes reports for a container whose exit it could not observe


class ProcessGroup(abc.ABC):
    """A process group the node watches; ``exited`` resolves with the leader's exit code once it is gone."""

    pid: int
    pgid: int

    def __init__(self, pid: int, started_at: float) -> None:
        self.pid = pid
        self.pgid = pid  # every group is led by the process it was started for
        self.started_at = started_at
        self.exited: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.finished_at: float | None = None
        self.exit_observed = True  # False: the code in ``exited`` stands for an exit nobody could read

    @property
    def running(self) -> bool:
        return not self.exited.done()

    @abc.abstractmethod
    def signal_group(self, sig: int) -> bool:
        """Send ``sig`` to the whole group while its leader runs; True if the leader got it."""

    async def wait(self, timeout: float | None = None) -> int | None:
        """The exit code, or None after ``timeout``; never cancels ``exited``."""
        await wait_any([self.exited], timeout)
        return self.exited.result() if self.exited.done() else None

    def _finish(self, code: int, now: float) -> None:
        self.finished_at = now
        if not self.exited.done():
            self.exited.set_result(code)


class Process(ProcessGroup):
    """A group this engine started (its child)."""

    def __init__(self, popen: subprocess.Popen[bytes], started_at: float) -> None:
        super().__init__(popen.pid, started_at)  # start_new_session: the leader's pid is the group id
        self._popen = popen

    def signal_group(self, sig: int) -> bool:
        """The group id is safe to signal while the leader is not reaped: a zombie still holds it."""
        if self.exited.done():
            return False
        try:
            os.killpg(self.pgid, sig)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    def _finish(self, code: int, now: float) -> None:
        self._popen.returncode = code  # reaped here: keeps Popen from warning or waiting itself
        super()._finish(code, now)


class AdoptedProcess(ProcessGroup):
    """A group an earlier engine started, watched and signalled through pidfds (see the module docstring)."""

    def __init__(self, pid: int, pidfd: int, uid: str, started_at: float) -> None:
        super().__init__(pid, started_at)
        self.pidfd = pidfd
        self.uid = uid

    def signal_group(self, sig: int) -> bool:
        if self.exited.done():
            return False
        try:
            signal.pidfd_send_signal(self.pidfd, sig)
        except OSError:  # exited, not yet noticed
            return False
        signal_members(self.pgid, self.uid, sig, skip=self.pid)
        return True


def open_verified(pid: int, started: int) -> int | None:
    """A pidfd for ``pid`` if it is the live group leader that started at ``started`` (clock ticks).

    Checked before and after opening: a pid reused in between fails the second check, and once
    open the pidfd names the process it was opened for, whatever happens to the pid afterwards.
    """
    if not procfs.is_process(pid, started):
        return None
    try:
        fd = os.pidfd_open(pid)
    except (OSError, AttributeError):
        return None
    if not procfs.is_process(pid, started):
        os.close(fd)
        return None
    return fd


def signal_members(pgid: int, uid: str, sig: int, skip: int | None = None) -> int:
    """Send ``sig`` to each live process of group ``pgid`` that carries pod ``uid``; how many got it.

    Each one through a pidfd opened after it was found and checked again once open, so a process
    that died meanwhile and a stranger that took its pid are left alone.
    """
    sent = 0
    for member in procfs.group_members(pgid):
        fd = None if member.pid == skip else _open_member(member, uid)
        if fd is None:
            continue
        try:
            signal.pidfd_send_signal(fd, sig)
            sent += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return sent


def _open_member(member: procfs.ProcStat, uid: str) -> int | None:
    """A pidfd for a group member found in /proc, if it carries ``uid`` and is still that process once open."""
    try:
        fd = os.pidfd_open(member.pid)
    except (OSError, AttributeError):
        return None
    again = procfs.read_stat(member.pid)
    if again is None or not again.alive or again.started != member.started or again.pgrp != member.pgrp or not procfs.carries_uid(member.pid, uid):
        os.close(fd)
        return None
    return fd


def kill_leftover(pgid: int, started: int, uid: str) -> bool:
    """SIGKILL what is left of a recorded group of pod ``uid``: its leader if it is still the recorded
    process, and every member carrying the pod's uid. True if anything was signalled."""
    sent = False
    fd = open_verified(pgid, started)
    if fd is not None:
        try:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
            sent = True
        except OSError:
            pass
        finally:
            os.close(fd)
    return signal_members(pgid, uid, signal.SIGKILL) > 0 or sent


def _wait_status(info: os.waitid_result) -> int:
    """A ``waitid`` result as Kubernetes reports an exit: the code, or 128 + signal number."""
    if info.si_code == os.CLD_EXITED:
        return int(info.si_status)
    return 128 + int(info.si_status)


class ProcessRuntime:
    """Starts process groups and reaps them; one per node, used from its event loop only."""

    def __init__(self, clock: SystemClock, sweep_interval: float = 1.0) -> None:
        self.clock = clock
        self.sweep_interval = sweep_interval
        self.subreaper = False
        self._live: dict[int, Process] = {}  # pgid -> process whose leader is not reaped
        self._lingering: dict[int, float] = {}  # pgid -> sweep until
        self._pidfds: dict[int, int] = {}  # pgid -> pidfd
        self._adopted: dict[int, AdoptedProcess] = {}  # pgid -> adopted group whose leader runs
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.subreaper = become_subreaper()
        if not self.subreaper:
            log.warning("cannot become a child subreaper; orphaned container processes go to init")
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="process-reaper")

    async def close(self) -> None:
        """Kill whatever is still running (nothing, after a clean node stop), then stop sweeping."""
        running: list[ProcessGroup] = [*self._live.values(), *self._adopted.values()]
        for proc in running:
            log.warning("process group %d still running at close: killing it", proc.pgid)
            proc.signal_group(signal.SIGKILL)
        for proc in running:
            await proc.wait(KILL_WAIT)
        self._sweep()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        for pgid in list(self._pidfds):
            self._drop_pidfd(pgid)

    def live_groups(self) -> list[int]:
        """Process groups whose leader has not been reaped (or, adopted, has not exited) yet."""
        return [*self._live, *self._adopted]

    def adopt(self, pgid: int, started: int, uid: str, started_at: float) -> AdoptedProcess | None:
        """Take over the group an earlier engine started for pod ``uid``, if its leader is still the
        recorded process (``started``: its start in clock ticks; the caller checked the boot id)."""
        fd = open_verified(pgid, started)
        if fd is None:
            return None
        proc = AdoptedProcess(pgid, fd, uid, started_at)
        self._adopted[pgid] = proc
        asyncio.get_running_loop().add_reader(fd, self._collect_adopted, pgid)
        return proc

    def spawn(self, spec: Spawn) -> Process:
        """Start ``spec.argv`` in a new process group; raises OSError if it cannot be executed."""
        out = spec.output if spec.output is not None else subprocess.DEVNULL
        popen = subprocess.Popen(
            list(spec.argv),
            env=dict(spec.env),
            cwd=spec.cwd,
            stdin=spec.stdin if spec.stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=spec.errors if spec.errors is not None else out,
            start_new_session=True,
            close_fds=True,
        )
        proc = Process(popen, self.clock.now())
        self._live[proc.pgid] = proc
        self._watch(proc)
        return proc

    async def run(self, spec: Spawn, timeout: float | None, record: GroupRecord | None = None) -> int | None:
        """Run to completion: the exit code, or None when it ran out of time (the group is killed)."""
        proc = self.spawn(spec)
        if record is not None:
            record.add(proc.pgid)
        try:
            return await proc.wait(timeout)
        finally:
            if proc.running:
                proc.signal_group(signal.SIGKILL)
                await proc.wait(KILL_WAIT)
            if record is not None:
                record.discard(proc.pgid)

    # ---- reaping -----------------------------------------------------------------------------
    def _watch(self, proc: Process) -> None:
        try:
            fd = os.pidfd_open(proc.pid)
        except (OSError, AttributeError):
            return  # the sweep notices the exit
        self._pidfds[proc.pgid] = fd
        asyncio.get_running_loop().add_reader(fd, self._collect, proc.pgid)

    def _drop_pidfd(self, pgid: int) -> None:
        fd = self._pidfds.pop(pgid, None)
        if fd is not None:
            asyncio.get_running_loop().remove_reader(fd)
            os.close(fd)

    def _collect(self, pgid: int) -> None:
        """Reap every exited member of ``pgid``; when it is the leader, kill the rest of the group first."""
        proc = self._live.get(pgid)
        while True:
            try:
                info = os.waitid(os.P_PGID, pgid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                info = None
            if info is None:
                break
            if proc is not None and info.si_pid == proc.pid:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pgid, signal.SIGKILL)  # the zombie leader still holds the group id
                _, status = os.waitpid(proc.pid, 0)
                del self._live[pgid]
                self._drop_pidfd(pgid)
                self._lingering[pgid] = self.clock.now() + LINGER
                proc._finish(exit_code(status), self.clock.now())
                proc = None
                continue
            with contextlib.suppress(ChildProcessError):
                os.waitpid(info.si_pid, 0)

    def _collect_adopted(self, pgid: int) -> None:
        """An adopted leader exited: read its code if it is our child, kill the rest of its group."""
        proc = self._adopted.pop(pgid, None)
        if proc is None:
            return
        loop = asyncio.get_running_loop()
        loop.remove_reader(proc.pidfd)
        code = UNKNOWN_EXIT
        try:
            info = os.waitid(os.P_PIDFD, proc.pidfd, os.WEXITED | os.WNOHANG)
        except (ChildProcessError, OSError):
            info = None  # not our child: its parent (init, or a subreaper above the dead engine) reaps it
        if info is not None:
            code = _wait_status(info)
        proc.exit_observed = info is not None
        signal_members(pgid, proc.uid, signal.SIGKILL)
        os.close(proc.pidfd)
        self._lingering[pgid] = self.clock.now() + LINGER  # members re-parented to us get reaped
        proc._finish(code, self.clock.now())

    def _sweep(self) -> None:
        now = self.clock.now()
        for pgid in list(self._live):
            self._collect(pgid)
        for pgid, until in list(self._lingering.items()):
            self._collect(pgid)
            if now > until:
                del self._lingering[pgid]

    async def _sweep_forever(self) -> None:
        while True:
            interval = self.sweep_interval if len(self._pidfds) == len(self._live) else 0.1
            await self.clock.sleep(interval)
            self._sweep()
