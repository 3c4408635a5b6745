"""L4 mode: each new client connection goes to the next ready backend; bytes are piped both ways.

A backend that refuses or does not accept within ``CONNECT_TIMEOUT`` is skipped and the next one
tried (each once), so a pod that just went away costs the client nothing. The pipe itself is
``relay``: half-close passed on, an error on either side closes both. A connection stays with its
pod until one end closes it, so a keep-alive client moves only when the app closes its connection
(the demo app answers with ``Connection: close`` once it got SIGTERM); an app that simply exits
breaks such connections, which is why HTTP ports are better served in ``http`` or ``auto`` mode.

With a traffic split the pool's weighted choice picks the group per connection (no headers here:
header routes do not apply). Each connection counts as one request on its pod's counter once
connected; one that reached no pod counts as a failure (refused or timeout) of the last one tried.

Draining: a pod is reached from the moment it is chosen until its connection is established;
``drained(ip)`` waits for those, and established connections are left to the app.
"""

from __future__ import annotations

import asyncio
import logging

from graceroll.proxy import relay
from graceroll.proxy.pool import Pool
from graceroll.proxy.routes import Address, Mode
from graceroll.proxy.server import Server

log = logging.getLogger("graceroll.proxy")

CONNECT_TIMEOUT = 2.0
NO_BACKEND_WAIT = 1.0


class L4Listener(Server):
    mode: Mode = "l4"

    def accept(self) -> asyncio.Protocol:
        return ClientEnd(self)


class ClientEnd(relay.End):
    """The client's end of a pipe: connects to a backend when the client connects."""

    def __init__(self, listener: Server) -> None:
        super().__init__(on_close=listener.closed)
        self.listener = listener
        self.pool: Pool = listener.pool
        self._connecting: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.listener.opened(self)
        if not self.lost and self._connecting is None:
            self._connecting = asyncio.get_running_loop().create_task(self._connect(), name=f"l4 connect {self.listener.service}")

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self._connecting is not None:
            self._connecting.cancel()

    def abort(self) -> None:
        super().abort()
        if self._connecting is not None:
            self._connecting.cancel()

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        failures: list[str] = []
        failed: tuple[Address, str] | None = None
        for host, port in await self.pool.wait_for_candidates(NO_BACKEND_WAIT):
            if self.lost:
                return
            if self.pool.draining.is_draining(host):  # drained since the candidates were listed
                continue
            with self.pool.draining.attempt(host):
                try:
                    _, backend = await asyncio.wait_for(loop.create_connection(relay.End, host, port), CONNECT_TIMEOUT)
                except (OSError, TimeoutError) as e:
                    failures.append(f"{host}:{port}: {e or type(e).__name__}")
                    failed = ((host, port), "timeout" if isinstance(e, TimeoutError) else "refused")
                    continue
            self._count((host, port), None)
            relay.link(self, backend)
            return
        if failed is not None:
            self._count(*failed)
        log.debug("service %s: connection closed, %s", self.listener.service, "; ".join(failures) or "no ready endpoint")
        self.close()

    def _count(self, backend: Address, failure: str | None) -> None:
        counter = self.pool.counters.get(backend)
        if counter is None:
            return
        if failure is None:
            counter.requests += 1
        else:
            counter.failed(failure)
