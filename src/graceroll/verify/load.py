"""HTTP load through a Service: clients on keep-alive connections and clients that open a new
connection per request, each classifying every failure (refused, reset, timeout, 5xx)."""

from __future__ import annotations

import asyncio
import errno
from dataclasses import dataclass

import aiohttp

from graceroll.clock import SystemClock
from graceroll.verify.report import Sample

VERSION_HEADER = "X-Graceroll-Version"


@dataclass(frozen=True)
class LoadSpec:
    url: str
    keepalive_clients: int = 4
    new_conn_clients: int = 4
    timeout: float = 5.0
    max_requests: int = 1_000_000  # a hard bound per run


class Load:
    def __init__(self, spec: LoadSpec, clock: SystemClock) -> None:
        self.spec = spec
        self.clock = clock
        self.samples: list[Sample] = []
        self._stop = asyncio.Event()
        self._t0 = clock.monotonic()
        self._tasks: list[asyncio.Task[None]] = []

    def elapsed(self) -> float:
        return self.clock.monotonic() - self._t0

    def start(self) -> None:
        for i in range(self.spec.keepalive_clients):
            self._tasks.append(asyncio.create_task(self._client("keepalive", False), name=f"keepalive-{i}"))
        for i in range(self.spec.new_conn_clients):
            self._tasks.append(asyncio.create_task(self._client("new-conn", True), name=f"new-conn-{i}"))

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _client(self, name: str, force_close: bool) -> None:
        timeout = aiohttp.ClientTimeout(total=self.spec.timeout)
        connector = aiohttp.TCPConnector(limit=1, force_close=force_close)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            while not self._stop.is_set() and len(self.samples) < self.spec.max_requests:
                self.samples.append(await self._one(session, name))

    async def _one(self, session: aiohttp.ClientSession, name: str) -> Sample:
        start = self.clock.monotonic()
        t = start - self._t0
        try:
            async with session.get(self.spec.url) as resp:
                body = await resp.text()
                latency = self.clock.monotonic() - start
                version = resp.headers.get(VERSION_HEADER) or body.strip()[:80] or None
                if resp.status >= 500:
                    return Sample(t, name, latency, "5xx", version, f"HTTP {resp.status}")
                if resp.status >= 400:
                    return Sample(t, name, latency, "other", version, f"HTTP {resp.status}")
                return Sample(t, name, latency, None, version)
        except (TimeoutError, aiohttp.ServerTimeoutError) as e:
            return Sample(t, name, self.clock.monotonic() - start, "timeout", None, type(e).__name__)
        except aiohttp.ClientConnectorError as e:
            kind = "refused" if e.os_error is not None and e.os_error.errno == errno.ECONNREFUSED else "other"
            return Sample(t, name, self.clock.monotonic() - start, kind, None, str(e))
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, ConnectionResetError) as e:
            return Sample(t, name, self.clock.monotonic() - start, "reset", None, type(e).__name__)
        except aiohttp.ClientOSError as e:
            kind = "reset" if e.errno in (errno.ECONNRESET, errno.EPIPE) else "other"
            return Sample(t, name, self.clock.monotonic() - start, kind, None, str(e))
        except aiohttp.ClientError as e:
            return Sample(t, name, self.clock.monotonic() - start, "other", None, f"{type(e).__name__}: {e}")
