"""The service proxy: listeners for every Service address, kept in step with the store.

Store events for Services and EndpointSlices schedule one sync on the event loop (a burst of
events coalesces into one). A sync recomputes the routing table (``routes.build``), closes the
listeners it no longer has, opens new ones and swaps backend lists in place. A listener that
cannot bind (address in use, privileged port) is logged and tried again on the next change.

``drained(ip)`` is the node agent's half of a lossless stop (``node.drain.DrainGate``): the
address is marked draining at once, for every listener, before its EndpointSlice changes; pooled
HTTP connections to it are retired; and the call returns when no attempt to reach it is still in
progress, so from then on no new connection or request reaches the pod.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from graceroll.clock import Clock
from graceroll.proxy import routes
from graceroll.proxy.draining import Draining
from graceroll.proxy.listeners import Listener, make_listener
from graceroll.proxy.pool import Pool
from graceroll.proxy.routes import Address, Mode, Route
from graceroll.proxy.upstream import Upstreams
from graceroll.store.base import Store, WatchEvent

log = logging.getLogger("graceroll.proxy")

WATCHED = frozenset({"Service", "EndpointSlice"})
STOP_TIMEOUT = 3.0


class ServiceProxy:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.draining = Draining()
        self.upstreams = Upstreams()
        self.listeners: dict[Address, Listener] = {}
        self._modes: dict[Address, Mode] = {}
        self._bind_errors: dict[Address, str] = {}
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
        """Close every listener and connection; returns within about ``STOP_TIMEOUT`` seconds."""
        self._stopped = True
        syncs = list(self._syncs)
        for t in syncs:
            t.cancel()
        if syncs:
            await asyncio.wait(syncs, timeout=STOP_TIMEOUT)
        closing = [ls.close() for ls in self.listeners.values()]
        self.listeners.clear()
        self._modes.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), STOP_TIMEOUT)
        await self.upstreams.close()

    async def drained(self, pod_ip: str, timeout: float) -> bool:
        self.draining.mark(pod_ip)
        await self.upstreams.retire(pod_ip)
        if self.draining.is_idle(pod_ip):
            return True
        try:
            await asyncio.wait_for(self.draining.wait_idle(pod_ip), timeout)
        except TimeoutError:
            log.warning("pod %s: still being connected to after %.1f s of draining", pod_ip, timeout)
            return False
        return True

    async def wait_synced(self) -> None:
        """Wait until the syncs scheduled by store events so far have run."""
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
        """Bring listeners and backends in line with the store: read → plan → act."""
        async with self._lock:
            self._sync_pending = False
            if self._stopped:
                return
            slices = self.store.list("EndpointSlice")
            wanted = routes.build(self.store.list("Service"), slices)
            plan = routes.plan_listeners(self._modes, wanted)
            self.draining.forget_except(routes.addresses_in(slices))
            self._bind_errors = {a: e for a, e in self._bind_errors.items() if a in wanted}
            for address in plan.close:
                await self._close(address)
            for address in plan.update:
                self.listeners[address].pool.update(wanted[address].backends)
            for address in plan.open:
                await self._open(address, wanted[address])
            await self.upstreams.retire_except(routes.http_backends(wanted))

    async def _open(self, address: Address, route: Route) -> None:
        pool = Pool(self.draining, route.backends)
        listener = make_listener(route, pool, self.upstreams)
        try:
            await listener.start(address)
        except OSError as e:
            reason = e.strerror or str(e)
            level = logging.DEBUG if self._bind_errors.get(address) == reason else logging.WARNING
            log.log(level, "service %s: cannot listen on %s:%d: %s (retried on the next change)", route.service, *address, reason)
            self._bind_errors[address] = reason
            return
        self._bind_errors.pop(address, None)
        self.listeners[address] = listener
        self._modes[address] = route.mode
        log.info("service %s: listening on %s:%d (%s, %d endpoints)", route.service, *address, route.mode, len(route.backends))

    async def _close(self, address: Address) -> None:
        listener = self.listeners.pop(address)
        del self._modes[address]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(listener.close(), STOP_TIMEOUT)
        log.info("stopped listening on %s:%d", *address)
