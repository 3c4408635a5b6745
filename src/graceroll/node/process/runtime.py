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
"""

from __future__ import annotations

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
    """What to start; ``output`` is an fd for stdout and stderr, ``input`` one for stdin (None: /dev/null)."""

    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: Path
    output: int | None = None
    input: int | None = None


class Process:
    """A started process group; ``exited`` resolves with the leader's exit code once it is reaped."""

    def __init__(self, popen: subprocess.Popen[bytes], started_at: float) -> None:
        self._popen = popen
        self.pid = popen.pid
        self.pgid = popen.pid  # start_new_session: the leader's pid is the group id
        self.started_at = started_at
        self.exited: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.finished_at: float | None = None

    @property
    def running(self) -> bool:
        return not self.exited.done()

    def signal_group(self, sig: int) -> bool:
        """Send ``sig`` to the whole group while its leader is not reaped; True if sent."""
        if self.exited.done():
            return False
        try:
            os.killpg(self.pgid, sig)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    async def wait(self, timeout: float | None = None) -> int | None:
        """The exit code, or None after ``timeout``; never cancels ``exited``."""
        await wait_any([self.exited], timeout)
        return self.exited.result() if self.exited.done() else None

    def _finish(self, code: int, now: float) -> None:
        self._popen.returncode = code  # reaped here: keeps Popen from warning or waiting itself
        self.finished_at = now
        if not self.exited.done():
            self.exited.set_result(code)


class ProcessRuntime:
    """Starts process groups and reaps them; one per node, used from its event loop only."""

    def __init__(self, clock: SystemClock, sweep_interval: float = 1.0) -> None:
        self.clock = clock
        self.sweep_interval = sweep_interval
        self.subreaper = False
        self._live: dict[int, Process] = {}  # pgid -> process whose leader is not reaped
        self._lingering: dict[int, float] = {}  # pgid -> sweep until
        self._pidfds: dict[int, int] = {}  # pgid -> pidfd
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.subreaper = become_subreaper()
        if not self.subreaper:
            log.warning("cannot become a child subreaper; orphaned container processes go to init")
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="process-reaper")

    async def close(self) -> None:
        """Kill whatever is still running (nothing, after a clean node stop), then stop sweeping."""
        for proc in list(self._live.values()):
            log.warning("process group %d still running at close: killing it", proc.pgid)
            proc.signal_group(signal.SIGKILL)
        for proc in list(self._live.values()):
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
        """Process groups whose leader has not been reaped yet."""
        return list(self._live)

    def spawn(self, spec: Spawn) -> Process:
        """Start ``spec.argv`` in a new process group; raises OSError if it cannot be executed."""
        out = spec.output if spec.output is not None else subprocess.DEVNULL
        popen = subprocess.Popen(
            list(spec.argv),
            env=dict(spec.env),
            cwd=spec.cwd,
            stdin=spec.input if spec.input is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=out,
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
