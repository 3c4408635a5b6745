"""HTTP mode: every request goes to the next ready backend, over keep-alive connections.

Backends get one client session each (its own connection pool). A request that could not connect
is retried on the next backend (nothing was sent, so any method is safe); a request whose reused
connection the backend closed before answering is retried when its method is idempotent. When a
backend is drained its session closes as soon as its in-flight requests are done, so no pooled
connection to a stopping pod is used again. Bodies are buffered (the proxy serves rollouts of
ordinary request/response services, not streams).
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from aiohttp import web

from graceroll.proxy.pool import Pool
from graceroll.proxy.routes import Address

log = logging.getLogger("graceroll.proxy")

CONNECT_TIMEOUT = 2.0
REQUEST_TIMEOUT = 60.0
NO_BACKEND_WAIT = 1.0
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
HOP_BY_HOP = frozenset(
    h.lower()
    for h in ("Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length")
)


class Backend:
    """One pod address: its session and the requests in flight on it."""

    def __init__(self, address: Address) -> None:
        self.address = address
        self.in_flight = 0
        self.retiring = False
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=15),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT, sock_connect=CONNECT_TIMEOUT),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding"),
        )

    async def close_when_idle(self) -> None:
        self.retiring = True
        if not self.in_flight:
            await self.session.close()


class HttpHandler:
    def __init__(self, pool: Pool, backends: dict[Address, Backend]) -> None:
        self.pool = pool
        self.backends = backends  # shared by every HTTP listener of the proxy

    def backend(self, address: Address) -> Backend:
        b = self.backends.get(address)
        if b is None or b.retiring:
            b = self.backends[address] = Backend(address)
        return b

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        peer = request.remote or ""
        headers["X-Forwarded-For"] = f"{headers['X-Forwarded-For']}, {peer}" if "X-Forwarded-For" in headers else peer
        last_error = "no ready endpoint"
        for address in await self.pool.wait_for_backends(NO_BACKEND_WAIT):
            if address[0] in self.pool.draining.ips:
                continue
            b = self.backend(address)
            b.in_flight += 1
            try:
                with self.pool.draining.attempt(address[0]):
                    resp = await self._send(b, request, headers, body)
                return resp
            except aiohttp.ClientConnectorError as e:
                last_error = f"connect to {address[0]}:{address[1]}: {e.os_error or e}"
                continue
            except aiohttp.ServerDisconnectedError as e:
                last_error = f"{address[0]}:{address[1]} closed the connection: {e}"
                if request.method in IDEMPOTENT:
                    continue
                return web.Response(status=502, text=f"bad gateway: {last_error}\n")
            except (aiohttp.ClientError, TimeoutError) as e:
                return web.Response(status=502, text=f"bad gateway: {address[0]}:{address[1]}: {e}\n")
            finally:
                b.in_flight -= 1
                if b.retiring and not b.in_flight:
                    await b.session.close()
        return web.Response(status=503, text=f"service unavailable: {last_error}\n")

    async def _send(self, b: Backend, request: web.Request, headers: dict[str, str], body: bytes) -> web.Response:
        host, port = b.address
        url = f"http://{host}:{port}{request.rel_url}"
        async with b.session.request(request.method, url, headers=headers, data=body or None, allow_redirects=False) as upstream:
            payload = await upstream.read()
            out = web.Response(status=upstream.status, reason=upstream.reason, body=payload)
            for k, v in upstream.headers.items():
                if k.lower() not in HOP_BY_HOP:
                    out.headers.add(k, v)
            return out


async def retire(backends: dict[Address, Backend], ip: str) -> None:
    """Stop using pooled connections to ``ip``: each session closes once its requests are done."""
    for address in [a for a in backends if a[0] == ip]:
        await backends.pop(address).close_when_idle()


def application(handler: HttpHandler) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", handler.handle)
    return app


async def close_all(backends: dict[Address, Backend]) -> None:
    sessions = [b.session for b in backends.values()]
    backends.clear()
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
