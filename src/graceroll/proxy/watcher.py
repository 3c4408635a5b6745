"""The engine's half of the service proxy: watch Services and EndpointSlices, hand the routing
table to a data plane.

Store events schedule one apply on the event loop (a burst of events coalesces into one). An
apply reads the store, computes the table (``proxy.table.compute``) and awaits the data plane's
``apply``; a failure is logged and the next change tries again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from graceroll.proxy.table import compute
from graceroll.store.base import Store, WatchEvent

if TYPE_CHECKING:
    from graceroll.dataplane.base import DataPlane

log = logging.getLogger("graceroll.proxy")

WATCHED = frozenset({"Service", "EndpointSlice"})
STOP_TIMEOUT = 3.0


class RouteWatcher:
    def __init__(self, store: Store, plane: DataPlane) -> None:
        self.store = store
        self.plane = plane
        self._lock = asyncio.Lock()
        self._sync_pending = False
        self._stopped = False
        self._syncs: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        store.subscribe(self._on_event)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.sync()

    async def stop(self) -> None:
        """No more applies; one in progress is cancelled (bounded by ``STOP_TIMEOUT``)."""
        self._stopped = True
        syncs = list(self._syncs)
        for t in syncs:
            t.cancel()
        if syncs:
            await asyncio.wait(syncs, timeout=STOP_TIMEOUT)

    async def wait_synced(self) -> None:
        """Wait until the applies scheduled by store events so far have run."""
        while self._syncs:
            await asyncio.wait(list(self._syncs))

    def _on_event(self, event: WatchEvent) -> None:
        if event.object.get("kind") not in WATCHED or self._sync_pending or self._stopped or self._loop is None:
            return
        self._sync_pending = True
        task = self._loop.create_task(self.sync(), name="proxy sync")
        self._syncs.add(task)
        task.add_done_callback(self._synced)

    def _synced(self, task: asyncio.Task[None]) -> None:
        self._syncs.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("proxy sync failed (retried on the next change)", exc_info=task.exception())

    async def sync(self) -> None:
        """Hand the data plane the table for the store as it is now."""
        async with self._lock:
            self._sync_pending = False
            if self._stopped:
                return
            await self.plane.apply(compute(self.store.list("Service"), self.store.list("EndpointSlice")))
