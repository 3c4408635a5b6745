"""The service proxy: listeners for every Service address, kept in step with the store.

Store events for Services and EndpointSlices schedule one rebuild on the event loop (bursts
coalesce). A rebuild recomputes the routes (``routes.build``), swaps backend lists in place,
and opens or closes listeners; a listener that cannot bind is logged and tried again on the next
change. ``drained(ip)`` is the node agent's half of a lossless stop (``node.drain.DrainGate``):
the address is marked draining at once — no new connection or request goes to it from then on,
even before its EndpointSlice changes — and the call returns when no attempt to reach it is still
in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from aiohttp import web

from graceroll.clock import Clock
from graceroll.proxy import http, routes
from graceroll.proxy.l4 import L4Handler
from graceroll.proxy.pool import Draining, Pool
from graceroll.proxy.routes import Address, Route
from graceroll.store.base import Store, WatchEvent

log = logging.getLogger("graceroll.proxy")

WATCHED = ("Service", "EndpointSlice")
STOP_TIMEOUT = 5.0


@dataclass
class Listener:
    route: Route
    pool: Pool
    server: asyncio.Server | None = None
    runner: web.AppRunner | None = None
    l4: L4Handler | None = None
    failed: str | None = field(default=None)


class ServiceProxy:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.draining = Draining()
        self.listeners: dict[Address, Listener] = {}
        self._http_backends: dict[Address, http.Backend] = {}
        self._lock = asyncio.Lock()
        self._pending = False
        self._stopped = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        store.subscribe(self._on_event)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.sync()

    async def stop(self) -> None:
        self._stopped = True
        async with self._lock:
            for address in list(self.listeners):
                await self._close(address)
        await http.close_all(self._http_backends)
        for t in list(self._tasks):
            t.cancel()

    async def drained(self, pod_ip: str, timeout: float) -> bool:
        self.draining.ips.add(pod_ip)
        await http.retire(self._http_backends, pod_ip)
        try:
            await asyncio.wait_for(self.draining.wait_idle(pod_ip), timeout)
        except TimeoutError:
            return False
        return True

    def _on_event(self, event: WatchEvent) -> None:
        if event.object.get("kind") not in WATCHED or self._pending or self._stopped or self._loop is None:
            return
        self._pending = True
        self._loop.call_soon_threadsafe(self._schedule_sync)

    def _schedule_sync(self) -> None:
        task = asyncio.ensure_future(self.sync())
        self._tasks.add(task)
        task.add_done_callback(self._synced)

    def _synced(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("proxy sync failed (retried on the next change)", exc_info=task.exception())

    async def sync(self) -> None:
        """Bring listeners and backends in line with the store."""
        async with self._lock:
            self._pending = False
            if self._stopped:
                return
            slices = self.store.list("EndpointSlice")
            wanted = routes.build(self.store.list("Service"), slices)
            self.draining.forget_except(routes.addresses_in(slices))
            for address in [a for a, ls in self.listeners.items() if a not in wanted or ls.route.mode != wanted[a].mode]:
                await self._close(address)
            for address, route in wanted.items():
                current = self.listeners.get(address)
                if current is None:
                    current = self.listeners[address] = Listener(route, Pool(self.draining, route.backends))
                current.route = route
                current.pool.update(route.backends)
                log.debug("route %s: %s", route.service, route.backends)
                if current.server is None and current.runner is None:
                    await self._open(address, current)

    async def _open(self, address: Address, ls: Listener) -> None:
        host, port = address
        try:
            if ls.route.mode == "http":
                runner = web.AppRunner(http.application(http.HttpHandler(ls.pool, self._http_backends)), access_log=None, shutdown_timeout=1.0)
                await runner.setup()
                try:
                    await web.TCPSite(runner, host, port, reuse_address=True).start()
                except BaseException:
                    await runner.cleanup()
                    raise
                ls.runner = runner
            else:
                ls.l4 = L4Handler(ls.pool)
                ls.server = await asyncio.start_server(ls.l4, host, port, reuse_address=True)
        except OSError as e:
            if ls.failed != str(e):
                log.warning("service %s: cannot listen on %s:%d: %s (retried on the next change)", ls.route.service, host, port, e)
            ls.failed = str(e)
            return
        ls.failed = None
        log.info("service %s: listening on %s:%d (%s)", ls.route.service, host, port, ls.route.mode)

    async def _close(self, address: Address) -> None:
        ls = self.listeners.pop(address)
        if ls.server is not None:
            ls.server.close()
            if ls.l4 is not None:
                ls.l4.close_all()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ls.server.wait_closed(), STOP_TIMEOUT)
        if ls.runner is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ls.runner.cleanup(), STOP_TIMEOUT)
