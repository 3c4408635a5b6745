"""One listener's backends: handed out round-robin, never one that is draining.

The backend list is swapped in place when the routes change, so open connections and the
round-robin cursor survive an EndpointSlice update. A client that arrives while no backend is
usable waits for the next change (a new pod becoming ready) for a short while instead of failing
at once: during a rollout with one replica there is a moment with nobody to send traffic to.

With a traffic split (``proxy.split``) the backends form two groups, the canary revision's and
the others: each choice first picks a group (by the weight, ``split.Smooth``; the canary group
for a request ``pinned`` by a header route), then the next backend of that group round-robin;
the other group's backends follow as the fallback. A group with no usable backend gives way to
the other. Each backend also has its traffic ``Counter`` (``proxy.counters``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from graceroll.proxy.counters import Counter
from graceroll.proxy.draining import Draining
from graceroll.proxy.routes import Address
from graceroll.proxy.split import Headers, Smooth, Split, matcher


class Pool:
    def __init__(self, draining: Draining, backends: tuple[Address, ...] = (), split: Split | None = None, counters: Mapping[Address, Counter] | None = None) -> None:
        self.draining = draining
        self.backends = backends
        self.counters: Mapping[Address, Counter] = counters or {}
        self.split: Split | None = None
        self.pins: Callable[[Headers], bool] | None = None  # does a request go to the canary only?
        self._groups: tuple[tuple[Address, ...], tuple[Address, ...]] = ((), ())  # canary, the others
        self._smooth: Smooth | None = None
        self._next = 0
        self._next_in = [0, 0]
        self._changed = asyncio.Event()
        self._set_split(split)

    def update(self, backends: tuple[Address, ...], split: Split | None = None, counters: Mapping[Address, Counter] | None = None) -> None:
        if counters is not None:
            self.counters = counters
        changed = backends != self.backends or split != self.split
        self.backends = backends
        self._set_split(split)
        if changed:
            self._changed.set()
            self._changed = asyncio.Event()

    def candidates(self, pinned: bool = False) -> list[Address]:
        """Every usable backend once, the one to try first first (the module docstring has the order)."""
        if self.split is not None and (pinned or self._smooth is not None):
            return self._split_candidates(pinned)
        marked = self.draining.marked
        usable = [b for b in self.backends if b[0] not in marked] if marked else self.backends
        if not usable:
            return []
        start = self._next % len(usable)
        self._next += 1
        return [*usable[start:], *usable[:start]]

    async def wait_for_candidates(self, timeout: float, pinned: bool = False) -> list[Address]:
        """Usable backends now, or as soon as a route change brings some, within ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (found := self.candidates(pinned)):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return []
        return found

    def _set_split(self, split: Split | None) -> None:
        """Groups follow the backends; the matcher and the weighted round-robin's state change
        only with the routing, so a new pod does not restart the rotation."""
        if split is not None:
            canary = set(split.canary)
            self._groups = (tuple(b for b in self.backends if b in canary), tuple(b for b in self.backends if b not in canary))
        if split == self.split:
            return
        old, self.split = self.split, split
        if split is None or old is None or split.header_routes != old.header_routes:
            self.pins = matcher(split.header_routes) if split is not None else None
        if split is None or split.weight is None:
            self._smooth = None
        elif self._smooth is None or self._smooth.weight != split.weight:
            self._smooth = Smooth(split.weight)

    def _split_candidates(self, pinned: bool) -> list[Address]:
        marked = self.draining.marked
        canary, other = self._groups
        if marked:
            canary, other = tuple(b for b in canary if b[0] not in marked), tuple(b for b in other if b[0] not in marked)
        first = 0 if pinned or (self._smooth is not None and self._smooth.next_is_canary()) else 1
        chosen, rest = (canary, other) if first == 0 else (other, canary)
        if not chosen:
            first, chosen, rest = 1 - first, rest, ()
            if not chosen:
                return []
        start = self._next_in[first] % len(chosen)
        self._next_in[first] += 1
        return [*chosen[start:], *chosen[:start], *rest]
