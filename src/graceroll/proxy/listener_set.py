"""The built-in data plane's working half: listeners, backend pools and draining for a table.

``apply(table)`` closes the listeners the table no longer has, opens new ones and swaps backend
lists in place, so open connections survive a change of endpoints. A listener that cannot bind
(address in use, privileged port) is logged and tried again on the next apply.

``drained(ip)`` is the node agent's half of a lossless stop (``node.drain.DrainGate``): the
address is marked draining at once, for every listener, before its EndpointSlice changes; pooled
HTTP connections to it are retired; and the call returns when no attempt to reach it is still in
progress, so from then on no new connection or request reaches the pod.

Traffic counters (``proxy.counters``) are kept per (namespace, Service, revision) for as long as
the process lives; each apply hands every pool the counter of each of its backends.

It runs in the engine's process (tests of the proxy alone) or in a process of its own
(``graceroll.proxy.daemon``); either way one apply runs at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from graceroll.metrics.traffic import TrafficSample
from graceroll.proxy import counters, routes
from graceroll.proxy.counters import Counter, Counters
from graceroll.proxy.draining import Draining
from graceroll.proxy.listeners import Listener, make_listener
from graceroll.proxy.pool import Pool
from graceroll.proxy.routes import Address, Mode, Route
from graceroll.proxy.table import Table
from graceroll.proxy.upstream import Upstreams

log = logging.getLogger("graceroll.proxy")

STOP_TIMEOUT = 3.0


class ListenerSet:
    def __init__(self) -> None:
        self.draining = Draining()
        self.upstreams = Upstreams()
        self.counters = Counters()
        self.listeners: dict[Address, Listener] = {}
        self.table = Table()
        self._modes: dict[Address, Mode] = {}
        self._bind_errors: dict[Address, str] = {}
        self._lock = asyncio.Lock()
        self._stopped = False

    async def apply(self, table: Table) -> None:
        """Bring listeners and backends in line with ``table``: plan → act."""
        async with self._lock:
            if self._stopped:
                return
            self.table = table
            wanted = table.routes
            plan = routes.plan_listeners(self._modes, wanted)
            self.draining.forget_except(set(table.present))
            self._bind_errors = {a: e for a, e in self._bind_errors.items() if a in wanted}
            for address in plan.close:
                await self._close(address)
            for address in plan.update:
                route = wanted[address]
                self.listeners[address].pool.update(route.backends, route.split, self._counters_of(route))
            for address in plan.open:
                await self._open(address, wanted[address])
            await self.upstreams.retire_except(routes.http_backends(wanted))

    async def start(self) -> None:
        """Nothing to start: listeners open on the first ``apply``."""

    def _counters_of(self, route: Route) -> dict[Address, Counter]:
        namespace, name = route.namespace_name
        return {b: self.counters.get((namespace, name, route.revision(b))) for b in route.backends}

    async def traffic(self) -> list[TrafficSample]:
        """The counters as samples (what the daemon's ``GET /traffic`` serves, decoded)."""
        return counters.samples(Counters.from_json(self.counters.to_json()))

    def forget_draining(self) -> None:
        """A new engine took over: it drains again whatever it stops (see ``dataplane.supervisor``)."""
        self.draining.forget_except(set())

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

    async def stop(self) -> None:
        """Close every listener and connection; returns within about ``STOP_TIMEOUT`` seconds."""
        self._stopped = True
        closing = [ls.close() for ls in self.listeners.values()]
        self.listeners.clear()
        self._modes.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), STOP_TIMEOUT)
        await self.upstreams.close()

    async def _open(self, address: Address, route: Route) -> None:
        pool = Pool(self.draining, route.backends, route.split, self._counters_of(route))
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
