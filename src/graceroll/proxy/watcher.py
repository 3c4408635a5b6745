"""The engine's half of the service proxy: watch Services, EndpointSlices, their pods and the pods'
workloads, hand the routing table to a data plane.

Store events schedule one apply on the event loop (a burst of events coalesces into one). An
apply reads the store, computes the table (``proxy.table.compute``, with ``proxy.owners`` for each
backend's revision and each route's traffic split) and awaits the data plane's ``apply``; a
failure is logged and the next change tries again.

Services and EndpointSlices always schedule an apply. Other kinds only when they change what the
last table was computed from, so the many pod status writes of a 1,000-pod store cost a dict
lookup each: a Pod the table names whose revision label changed, and a workload the table's pods
belong to whose ``status.trafficRouting`` changed. A ``trafficRouting`` that does not parse is
logged once (naming the field) and ignored: plain balancing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from graceroll.proxy.owners import Owners, PodKey, WorkloadKey, revision_of, routing_field
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
        self._pods: dict[PodKey, str | None] = {}  # what the last table saw: revision per pod
        self._workloads: dict[WorkloadKey, Any] = {}  # and raw trafficRouting per workload
        self._errors: dict[WorkloadKey, str] = {}
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
        if self._sync_pending or self._stopped or self._loop is None or not self._matters(event):
            return
        self._sync_pending = True
        task = self._loop.create_task(self.sync(), name="proxy sync")
        self._syncs.add(task)
        task.add_done_callback(self._synced)

    def _matters(self, event: WatchEvent) -> bool:
        obj = event.object
        kind = obj.get("kind")
        if kind in WATCHED:
            return True
        md = obj.get("metadata") or {}
        namespace, name = md.get("namespace") or "default", md.get("name")
        if kind == "Pod":
            key = (namespace, name)
            return key in self._pods and (event.type == "DELETED" or self._pods[key] != revision_of(obj))
        key3 = (str(kind), namespace, name)
        return key3 in self._workloads and (event.type == "DELETED" or self._workloads[key3] != routing_field(obj))

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
            owners = Owners(self.store.try_get)
            table = compute(self.store.list("Service"), self.store.list("EndpointSlice"), owners)
            self._pods, self._workloads = owners.seen_pods, owners.seen_workloads
            for workload, error in owners.errors.items():
                if self._errors.get(workload) != error:
                    log.warning("%s %s/%s: %s (ignored: plain balancing)", *workload, error)
            self._errors = owners.errors
            await self.plane.apply(table)
