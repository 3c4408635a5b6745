"""A rollout seen from the clients: backends added, drained and stopped one by one, no request lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from .conftest import URL, World, backend_ip, session

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]


class Load:
    """Clients that send requests until told to stop, counting answers by backend and failures."""

    def __init__(self) -> None:
        self.answers: Counter[str] = Counter()
        self.failures: list[str] = []
        self._stop = asyncio.Event()
        self._progress = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._sequential(keepalive=True, method="GET")),
            asyncio.create_task(self._sequential(keepalive=True, method="GET")),
            asyncio.create_task(self._sequential(keepalive=False, method="GET")),
            asyncio.create_task(self._sequential(keepalive=False, method="GET")),
            asyncio.create_task(self._sequential(keepalive=True, method="POST")),
            asyncio.create_task(self._bursts(size=10)),
        ]

    async def more(self, n: int, timeout: float = 5.0) -> None:
        """Wait until the clients have completed ``n`` more requests."""
        target = self.total + n
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.total < target:
            await asyncio.wait_for(self._progress.wait(), max(0.0, deadline - loop.time()))
            self._progress.clear()

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.wait_for(asyncio.gather(*self._tasks), 10)

    @property
    def total(self) -> int:
        return sum(self.answers.values()) + len(self.failures)

    async def _sequential(self, keepalive: bool, method: str) -> None:
        async with session(keepalive) as s:
            while not self._stop.is_set():
                await self._one(s, method)

    async def _bursts(self, size: int) -> None:
        async with session(keepalive=True) as s:
            while not self._stop.is_set():
                await asyncio.gather(*(self._one(s, "GET") for _ in range(size)))

    async def _one(self, s: aiohttp.ClientSession, method: str) -> None:
        try:
            async with s.request(method, URL, data=b"order" if method == "POST" else None) as r:
                text = await r.text()
                if r.status == 200:
                    self.answers[text] += 1
                else:
                    self.failures.append(f"{method} {r.status}: {text.strip()}")
        except (aiohttp.ClientError, TimeoutError) as e:
            self.failures.append(f"{method} {e!r}")
        self._progress.set()


async def test_no_request_fails_while_backends_are_replaced_one_by_one(world: World) -> None:
    ips = [backend_ip(i) for i in range(1, 8)]
    live = ips[:3]
    for ip in live:
        await world.add_backend(ip)
    await world.set_endpoints(live)
    load = Load()
    load.start()
    try:
        await load.more(50)
        for step, new in enumerate(ips[3:]):
            await world.add_backend(new)  # surge: the new pod becomes ready
            live = [*live, new]
            await world.set_endpoints(live)
            old, live = live[0], live[1:]
            drain: Callable[[], Awaitable[bool]] = lambda old=old: world.proxy.drained(old, timeout=5)  # type: ignore[misc]
            if step % 2:  # the node agent may drain before the EndpointSlice says "terminating" ...
                assert await drain()
                await world.set_endpoints(live, terminating=[old])
            else:  # ... or after
                await world.set_endpoints(live, terminating=[old])
                assert await drain()
            gone = world.backends[old]
            seen = gone.hits if world.mode != "l4" else gone.accepted
            await load.more(50)  # the drained pod still runs: no new request (HTTP) or connection (L4) for it
            assert (gone.hits if world.mode != "l4" else gone.accepted) == seen
            await gone.stop(grace=0.5)  # SIGTERM: it closes its kept-alive connections
            await world.set_endpoints(live)  # the pod is gone
            await load.more(50)
    finally:
        await load.stop()
    assert load.failures == []
    assert set(load.answers) == set(ips)  # every backend served, the old ones before they went
    assert load.total > 500
