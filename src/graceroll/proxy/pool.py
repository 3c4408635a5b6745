"""One listener's backends: handed out round-robin, never one that is draining.

The backend list is swapped in place when the routes change, so open connections and the
round-robin cursor survive an EndpointSlice update. A client that arrives while no backend is
usable waits for the next change (a new pod becoming ready) for a short while instead of failing
at once: during a rollout with one replica there is a moment with nobody to send traffic to.
"""

from __future__ import annotations

import asyncio

from graceroll.proxy.draining import Draining
from graceroll.proxy.routes import Address


class Pool:
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
        """Every usable backend once, starting at the round-robin cursor, which moves on by one."""
        marked = self.draining.marked
        usable = [b for b in self.backends if b[0] not in marked] if marked else self.backends
        if not usable:
            return []
        start = self._next % len(usable)
        self._next += 1
        return [*usable[start:], *usable[:start]]

    async def wait_for_candidates(self, timeout: float) -> list[Address]:
        """Usable backends now, or as soon as a route change brings some, within ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (found := self.candidates()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return []
        return found
