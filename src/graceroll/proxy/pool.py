"""One listener's backends, and the draining marks every listener shares.

``Pool.pick`` hands out ready backends round-robin, never one that is draining, and counts the
connection attempt until ``done``: ``Draining.wait_idle`` waits for those counts to reach zero,
which is what ``ServiceProxy.drained`` promises the node agent (no new work reaches the pod).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from graceroll.proxy.routes import Address


class Draining:
    """Pod addresses being drained, and connection attempts in progress per address."""

    def __init__(self) -> None:
        self.ips: set[str] = set()
        self._attempts: dict[str, int] = {}
        self._idle: dict[str, asyncio.Event] = {}

    @contextmanager
    def attempt(self, ip: str) -> Iterator[None]:
        self._attempts[ip] = self._attempts.get(ip, 0) + 1
        try:
            yield
        finally:
            self._attempts[ip] -= 1
            if not self._attempts[ip]:
                del self._attempts[ip]
                if ip in self._idle:
                    self._idle.pop(ip).set()

    async def wait_idle(self, ip: str) -> None:
        while self._attempts.get(ip):
            await self._idle.setdefault(ip, asyncio.Event()).wait()

    def forget_except(self, present: set[str]) -> None:
        """Drop marks of addresses no slice lists any more (a pod's address may come back later)."""
        self.ips &= present


class Pool:
    """The backends of one listener; replaced in place when the routes change."""

    def __init__(self, draining: Draining, backends: tuple[Address, ...] = ()) -> None:
        self.draining = draining
        self.backends = backends
        self._next = 0
        self._changed = asyncio.Event()

    def update(self, backends: tuple[Address, ...]) -> None:
        if backends != self.backends:
            self.backends = backends
            self._changed.set()
            self._changed = asyncio.Event()

    def candidates(self) -> list[Address]:
        """Every usable backend once, starting at the round-robin cursor (then advances it)."""
        usable = [b for b in self.backends if b[0] not in self.draining.ips]
        if not usable:
            return []
        start = self._next % len(usable)
        self._next += 1
        return usable[start:] + usable[:start]

    async def wait_for_backends(self, timeout: float) -> list[Address]:
        """Usable backends now, or as soon as a route change brings some, within ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = self.candidates()
            remaining = deadline - loop.time()
            if found or remaining <= 0:
                return found
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return []
