"""Keep-alive connections to backends in HTTP mode, which the proxy can close one pod at a time.

Each connection is a *lane*: a client session limited to one connection, used by one request at
a time. A pod address has a stack of idle lanes and a set of busy ones, which is what draining
needs: ``retire`` closes the idle lanes at once and each busy one as soon as its response is
done (a shared connection pool could only close all of them, in-flight requests included).

A lane idle for ``KEEPALIVE`` seconds drops its connection (and connects again when next used),
below the common server keep-alive timeouts (Node.js 5 s, nginx and aiohttp 75 s), so the proxy
rarely reuses a connection the backend is closing at that very moment. Lanes keep no cookies
(they serve every client) and never retry on their own: a retry must go to another backend and
respect the draining marks.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import aiohttp

from graceroll.proxy.draining import Attempt
from graceroll.proxy.routes import Address

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 60.0  # silence from a backend (before or within a response) that ends the request
KEEPALIVE = 4.0
MAX_IDLE_LANES = 128  # per pod address; a burst beyond this closes its extra connections afterwards


class Lane:
    def __init__(self) -> None:
        self.served = 0  # requests answered in full: from the second on, the connection is a kept-alive one
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1, keepalive_timeout=KEEPALIVE),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
            trace_configs=[_attempt_trace()],
        )
        # aiohttp retries an idempotent request once on the same session after a dropped connection
        self.session._retry_connection = False

    async def close(self) -> None:
        await self.session.close()


class Upstream:
    """One pod address: its idle and busy lanes."""

    def __init__(self, address: Address) -> None:
        self.address = address
        self.idle: list[Lane] = []
        self.busy: set[Lane] = set()
        self.retiring = False

    def take(self, fresh: bool = False) -> Lane:
        """The most recently used idle lane (least likely to have timed out), or a new one."""
        lane = self.idle.pop() if self.idle and not fresh else Lane()
        self.busy.add(lane)
        return lane

    async def give_back(self, lane: Lane, reusable: bool) -> None:
        self.busy.discard(lane)
        lane.served += reusable
        if reusable and not self.retiring and len(self.idle) < MAX_IDLE_LANES:
            self.idle.append(lane)
        else:
            await lane.close()

    async def retire(self) -> None:
        """Close the idle lanes now; busy ones close when their request is done."""
        self.retiring = True
        idle, self.idle = self.idle, []
        await asyncio.gather(*(lane.close() for lane in idle), return_exceptions=True)

    async def close(self) -> None:
        lanes = [*self.idle, *self.busy]
        self.idle, self.busy = [], set()
        self.retiring = True
        await asyncio.gather(*(lane.close() for lane in lanes), return_exceptions=True)


class Upstreams:
    """The lanes of every HTTP listener, by pod address."""

    def __init__(self) -> None:
        self._by_address: dict[Address, Upstream] = {}

    def get(self, address: Address) -> Upstream:
        up = self._by_address.get(address)
        if up is None:
            up = self._by_address[address] = Upstream(address)
        return up

    async def retire(self, ip: str) -> None:
        """Stop reusing connections to ``ip``; a later request to it starts afresh."""
        await self._retire([a for a in self._by_address if a[0] == ip])

    async def retire_except(self, keep: set[Address]) -> None:
        """Retire the lanes of addresses no HTTP route lists any more."""
        await self._retire([a for a in self._by_address if a not in keep])

    async def close(self) -> None:
        ups = list(self._by_address.values())
        self._by_address.clear()
        await asyncio.gather(*(up.close() for up in ups), return_exceptions=True)

    async def _retire(self, addresses: list[Address]) -> None:
        for address in addresses:
            await self._by_address.pop(address).retire()


def _attempt_trace() -> aiohttp.TraceConfig:
    """End the request's draining ``Attempt`` once its headers are handed to the connection."""

    async def headers_sent(
        session: aiohttp.ClientSession, ctx: SimpleNamespace, params: aiohttp.TraceRequestHeadersSentParams
    ) -> None:
        attempt = ctx.trace_request_ctx
        if isinstance(attempt, Attempt):
            # the headers are buffered when this runs and written in this same loop turn, before
            # a drain waiting for this attempt can resume
            asyncio.get_running_loop().call_soon(attempt.end)

    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(headers_sent)
    return trace
