"""HTTP mode: every request goes to the next ready backend, over pooled keep-alive connections.

Balancing per request (not per client connection) is what lets a rollout move a keep-alive
client off a stopping pod without the client noticing. Failures before the backend has the
request are retried on the next backend:

- connect refused or timed out: nothing was sent, so any method is retried;
- the connection closed before any response byte (typically a kept-alive connection the backend
  closed while idle): retried for idempotent methods only (RFC 9110 section 9.2.2), on the other
  backends and then once more on a new connection to the same one; anything else gets 502.

The request body is read in full first so that a retry can send it again; the response is
streamed. A backend that breaks off mid-response breaks off the client connection too, so the
client sees a truncated message rather than a complete-looking one.
"""

from __future__ import annotations

import logging
from collections import deque

import aiohttp
from aiohttp import web
from yarl import URL

from graceroll.proxy import headers
from graceroll.proxy.pool import Pool
from graceroll.proxy.routes import Address
from graceroll.proxy.upstream import READ_TIMEOUT, Upstreams

log = logging.getLogger("graceroll.proxy")

NO_BACKEND_WAIT = 1.0
SHUTDOWN_GRACE = 0.5  # in-flight requests may finish this long (twice, in aiohttp) when the listener closes
MAX_BODY = 64 * 1024 * 1024
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
CONNECT_FAILED = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
DROPPED = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)  # after CONNECT_FAILED: a subclass


class HttpListener:
    def __init__(self, service: str, pool: Pool, upstreams: Upstreams) -> None:
        self.service = service
        self.pool = pool
        self.upstreams = upstreams
        self._runner: web.AppRunner | None = None

    async def start(self, address: Address) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE)
        await runner.setup()
        try:
            await web.TCPSite(runner, address[0], address[1], reuse_address=True, backlog=1024).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    async def close(self) -> None:
        """Stop accepting, close idle client connections, give in-flight requests ``SHUTDOWN_GRACE``."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        out_headers = headers.request_headers(request.headers, request.remote)
        failures: list[str] = []
        tries = deque((a, False) for a in await self.pool.wait_for_candidates(NO_BACKEND_WAIT))
        while tries:
            address, fresh = tries.popleft()
            if self.pool.draining.is_draining(address[0]):  # drained since the candidates were listed
                continue
            up = self.upstreams.get(address)
            lane = up.take(fresh)
            reusable = False
            try:
                with self.pool.draining.attempt(address[0]) as attempt:
                    try:
                        upstream = await lane.session.request(
                            request.method,
                            URL(f"http://{address[0]}:{address[1]}{request.raw_path}", encoded=True),
                            headers=out_headers,
                            data=body or None,
                            allow_redirects=False,
                            trace_request_ctx=attempt,
                        )
                    except CONNECT_FAILED as e:
                        failures.append(f"{_at(address)}: {e}")
                        continue
                    except DROPPED as e:
                        failures.append(f"{_at(address)} closed the connection: {e}")
                        if request.method not in IDEMPOTENT:
                            return _error(502, failures[-1])
                        if lane.served:  # a kept-alive connection it had just closed: a new one may do, last
                            tries.append((address, True))
                        continue
                    except TimeoutError:
                        return _error(504, f"{_at(address)}: no response within {READ_TIMEOUT} s")
                    except aiohttp.ClientError as e:
                        return _error(502, f"{_at(address)}: {e}")
                response, reusable = await _relay(request, upstream, address)
                return response
            finally:
                await up.give_back(lane, reusable)
        if failures:
            log.debug("service %s: %s %s failed on every backend: %s", self.service, request.method, request.path, "; ".join(failures))
            return _error(502, failures[-1])
        return _error(503, f"no ready endpoint for {self.service}")


async def _relay(
    request: web.Request, upstream: aiohttp.ClientResponse, address: Address
) -> tuple[web.StreamResponse, bool]:
    """Stream the backend's answer to the client; a break on either side ends both connections.
    Also says whether the backend connection may be reused (the answer was read to its end)."""
    out = web.StreamResponse(
        status=upstream.status, reason=upstream.reason, headers=headers.response_headers(upstream.headers)
    )
    if upstream.content_length is not None and "chunked" not in upstream.headers.get("Transfer-Encoding", "").lower():
        out.content_length = upstream.content_length
    try:
        await out.prepare(request)
        async for chunk in upstream.content.iter_any():
            await out.write(chunk)
        await out.write_eof()
    except (aiohttp.ClientError, TimeoutError, ConnectionError) as e:
        log.debug("%s %s via %s broke off: %r", request.method, request.path, _at(address), e)
        upstream.close()
        if request.transport is not None:
            request.transport.close()
        return out, False
    upstream.release()
    return out, True


def _error(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text + "\n")


def _at(address: Address) -> str:
    return f"{address[0]}:{address[1]}"
