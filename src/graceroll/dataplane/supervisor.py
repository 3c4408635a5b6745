"""Runs a data plane process that outlives the engine: attach to it, or start it; restart it if it dies.

On ``start`` the engine looks at the record in the data dir. A live process of the chosen kind that
answers is *attached*: the engine forgets its draining marks (the new node agent drains again
whatever it stops) and re-programs it with the current table, so open connections carry on. Any
other live process on record (another kind, or one that does not answer) is stopped first.

While the engine runs, the process is checked every ``CHECK_PERIOD`` seconds; one that died is
started again, given the last table and the draining marks still in force, and the log says so.
At ``stop`` (after the pods have stopped) the process is told it is stopping (``stopping``:
HAProxy's traffic collector goes), gets its graceful stop signal, then SIGKILL after
``STOP_TIMEOUT``. A ``kill -9`` of the engine stops nothing: the process lives in its own session
and keeps serving its last table. ``traffic`` reads the per-revision counters the process keeps
(``dataplane.traffic`` caches them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
from pathlib import Path
from typing import Protocol

from graceroll.clock import SystemClock
from graceroll.dataplane import record
from graceroll.dataplane.record import Record
from graceroll.errors import GracerollError
from graceroll.metrics.traffic import TrafficSample
from graceroll.proxy.table import Table

log = logging.getLogger("graceroll.dataplane")

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
CHECK_PERIOD = 1.0
POLL = 0.05  # seconds between looks at a process of which no event tells (another engine's child)


class Managed(Protocol):
    """One kind of data plane process, as the supervisor drives it."""

    kind: str
    stop_signal: int

    def launch(self, log_file: Path) -> subprocess.Popen[bytes]:
        """Start a new process in its own session (not waiting for it to answer)."""
        ...

    async def answers(self) -> bool: ...

    async def takeover(self) -> None:
        """An engine attached to a running process: forget the earlier engine's draining marks."""
        ...

    async def apply(self, table: Table) -> None: ...

    async def drained(self, pod_ip: str, timeout: float) -> bool: ...

    async def traffic(self) -> list[TrafficSample]:
        """The counters the process keeps, per (namespace, Service, revision)."""
        ...

    async def stopping(self) -> None:
        """The process is about to get its stop signal."""
        ...

    def describe(self) -> str:
        """A few words for the log: version, sockets."""
        ...


class Supervisor:
    def __init__(self, managed: Managed, root: Path, clock: SystemClock) -> None:
        self.managed = managed
        self.root = root
        self.clock = clock
        self.record: Record | None = None
        self.attached = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._table = Table()
        self._marks: set[str] = set()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def log_file(self) -> Path:
        return record.directory(self.root) / f"{self.managed.kind}.log"

    async def start(self) -> None:
        found = record.load(self.root)
        if found is not None and found.alive():
            if found.kind == self.managed.kind and await self.managed.answers():
                self.record, self.attached = found, True
                await self.managed.takeover()
                log.info("data plane: attached to the running %s (pid %d) an earlier engine left; %s", found.kind, found.pid, self.managed.describe())
            else:
                why = "it does not answer" if found.kind == self.managed.kind else f"{self.managed.kind} was chosen"
                log.warning("data plane: stopping the %s left running (pid %d): %s", found.kind, found.pid, why)
                await self._terminate(found, signal.SIGTERM)
        if self.record is None:
            await self._launch()
            log.info("data plane: started %s (pid %d); %s", self.managed.kind, self.pid, self.managed.describe())
        self._task = asyncio.create_task(self._supervise(), name="data plane supervisor")

    @property
    def pid(self) -> int:
        return self.record.pid if self.record else 0

    async def apply(self, table: Table) -> None:
        self._table = table
        self._marks &= table.present
        async with self._lock:
            await self.managed.apply(table)

    async def drained(self, pod_ip: str, timeout: float) -> bool:
        self._marks.add(pod_ip)
        return await self.managed.drained(pod_ip, timeout)

    async def traffic(self) -> list[TrafficSample]:
        return await self.managed.traffic()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        async with self._lock:
            if self.record is not None:
                with contextlib.suppress(GracerollError):
                    await self.managed.stopping()
                await self._terminate(self.record, self.managed.stop_signal)
                log.info("data plane: %s (pid %d) stopped", self.managed.kind, self.record.pid)
                self.record = None

    async def _launch(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        proc = self.managed.launch(self.log_file)
        self._proc = proc
        self.record = Record.of(self.managed.kind, proc.pid)
        record.save(self.root, self.record)
        deadline = self.clock.monotonic() + START_TIMEOUT
        while not await self.managed.answers():
            if proc.poll() is not None or self.clock.monotonic() > deadline:
                tail = _tail(self.log_file)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                record.clear(self.root)
                self.record = None
                raise GracerollError(f"the {self.managed.kind} data plane did not start (see {self.log_file}):\n{tail}")
            await self.clock.sleep(POLL)

    async def _supervise(self) -> None:
        while True:
            await self.clock.sleep(CHECK_PERIOD)
            async with self._lock:
                if self.record is None or self._alive(self.record):
                    continue
                log.warning("data plane: %s (pid %d) is gone; starting a new one", self.managed.kind, self.record.pid)
                try:
                    await self._launch()
                    await self.managed.apply(self._table)
                    for ip in sorted(self._marks):
                        await self.managed.drained(ip, 0)
                except (GracerollError, OSError) as e:
                    log.error("data plane: restart failed (tried again in %.0f s): %s", CHECK_PERIOD, e)
                    continue
                log.warning("data plane: %s restarted (pid %d) with %d listeners", self.managed.kind, self.pid, len(self._table.routes))

    def _alive(self, rec: Record) -> bool:
        if self._proc is not None and self._proc.pid == rec.pid and self._proc.poll() is not None:
            return False  # our own child: reaped here, so it does not linger as a zombie
        return rec.alive()

    async def _terminate(self, rec: Record, sig: int) -> None:
        """``sig`` to the process, SIGKILL to its group after ``STOP_TIMEOUT``; then forget it."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(rec.pid, sig)
        deadline = self.clock.monotonic() + STOP_TIMEOUT
        while self._alive(rec) and self.clock.monotonic() < deadline:
            await self.clock.sleep(POLL)
        if self._alive(rec):
            log.warning("data plane: %s (pid %d) did not stop within %.0f s; killing it", rec.kind, rec.pid, STOP_TIMEOUT)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(rec.pid, signal.SIGKILL)
            while self._alive(rec) and self.clock.monotonic() < deadline + STOP_TIMEOUT:
                await self.clock.sleep(POLL)
        record.clear(self.root)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def supervised(kind: str, root: Path, clock: SystemClock, haproxy: str | None) -> Supervisor:
    """The supervised data plane of ``kind`` (``dataplane.choice.choose`` picked it)."""
    from graceroll.dataplane.builtin import BuiltinProcess
    from graceroll.dataplane.haproxy.process import HAProxyProcess

    managed: Managed = HAProxyProcess(root, haproxy, clock) if kind == "haproxy" and haproxy else BuiltinProcess(root)
    return Supervisor(managed, root, clock)
