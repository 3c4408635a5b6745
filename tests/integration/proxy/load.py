"""Clients that keep sending requests through the Service while backends come and go."""

from __future__ import annotations

import asyncio
from collections import Counter

import aiohttp

from .conftest import URL, session


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
