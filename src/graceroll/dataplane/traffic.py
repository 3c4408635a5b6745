"""The engine's ``TrafficSource``: the data plane's per-revision counters, fetched over its control
socket at most once per ``MAX_AGE`` and only while someone reads them.

The counters live in the data plane process (``proxy.counters``: the built-in proxy counts in
its listeners, HAProxy's collector from its request log), so they survive an engine restart as
long as that process does; the engine only reads them, never per request:

- ``samples()`` (the ``TrafficSource`` protocol, synchronous, on the engine's event loop) answers
  from memory; when the copy is older than ``MAX_AGE`` it starts a fetch in the background.
- ``refresh()`` awaits a fetch unless the copy is fresh: ``/metrics`` awaits it before rendering,
  so a scrape sees counters at most ``MAX_AGE`` old.
- While anyone has read ``samples()`` within ``LINGER`` seconds (the dashboard, a judge measuring
  every interval), a background loop keeps the copy within ``MAX_AGE``, so a reader that comes
  back finds current numbers, not the ones its previous read fetched. Idle, nothing is fetched.

A fetch that fails (the data plane is being restarted) keeps the last copy and is logged once.
``on_change`` callbacks run after a fetch that changed the numbers (the dashboard's page refresh).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from graceroll.errors import GracerollError
from graceroll.metrics.traffic import TrafficSample

log = logging.getLogger("graceroll.dataplane")

MAX_AGE = 1.0
LINGER = 30.0


class Reader(Protocol):
    async def traffic(self) -> list[TrafficSample]: ...


class Clock(Protocol):
    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class PlaneTraffic:
    def __init__(self, plane: Reader, clock: Clock) -> None:
        self.plane = plane
        self.clock = clock
        self.on_change: list[Callable[[], None]] = []
        self._samples: list[TrafficSample] = []
        self._fetched = float("-inf")
        self._read = float("-inf")
        self._fetching: asyncio.Task[None] | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._failing = False

    def samples(self) -> list[TrafficSample]:
        self._read = self.clock.monotonic()
        if self._stale() and self._fetching is None:
            with contextlib.suppress(RuntimeError):  # no running loop: nothing can fetch
                self._fetching = asyncio.get_running_loop().create_task(self._fetch(), name="traffic fetch")
        return self._samples

    async def refresh(self) -> None:
        """Fetch now unless the copy is at most ``MAX_AGE`` old (joins a fetch in progress)."""
        if self._fetching is None and self._stale():
            self._fetching = asyncio.create_task(self._fetch(), name="traffic fetch")
        if self._fetching is not None:
            await asyncio.shield(self._fetching)

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._keep_fresh(), name="traffic keep-fresh")

    async def stop(self) -> None:
        for task in (self._loop_task, self._fetching):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._loop_task = self._fetching = None

    def _stale(self) -> bool:
        return self.clock.monotonic() - self._fetched > MAX_AGE

    async def _keep_fresh(self) -> None:
        while True:
            await self.clock.sleep(MAX_AGE)
            if self.clock.monotonic() - self._read < LINGER:
                await self.refresh()

    async def _fetch(self) -> None:
        try:
            samples = await self.plane.traffic()
        except (GracerollError, OSError, ValueError) as e:
            if not self._failing:
                log.warning("data plane traffic counters: %s (the last ones are kept; tried again on the next read)", e)
            self._failing = True
            self._fetched = self.clock.monotonic()  # not again before MAX_AGE
            return
        finally:
            self._fetching = None
        self._failing = False
        self._fetched = self.clock.monotonic()
        changed, self._samples = samples != self._samples, samples
        if changed:
            for callback in self.on_change:
                callback()
