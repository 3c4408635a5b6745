"""Pod addresses being drained, and the attempts to reach each address still in progress.

Every listener consults the same marks, so ``drained(ip)`` takes effect for all Services at once,
before the pod's EndpointSlice change has arrived. An *attempt* spans from choosing a backend to
the moment the pod no longer needs the proxy's care, which differs per mode:

- L4: until the TCP connection is established (what flows over it afterwards is the app's);
- HTTP handling (``http``, and sniffed HTTP in ``auto``): until the answer has been read in full,
  or the request failed there. So once ``wait_idle`` returns no request is in flight to the pod
  and none will be sent: an app may exit at once on SIGTERM without losing one;
- an HTTP Upgrade (WebSocket): until its ``101``; the connection then is a pipe, as in L4.

``wait_idle`` returns when no attempt is left.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class Attempt:
    """One attempt to reach ``ip``; ``end`` may be called early and more than once."""

    __slots__ = ("_draining", "_ended", "ip")

    def __init__(self, draining: Draining, ip: str) -> None:
        self._draining = draining
        self.ip = ip
        self._ended = False

    def end(self) -> None:
        if not self._ended:
            self._ended = True
            self._draining._ended(self.ip)


class Draining:
    def __init__(self) -> None:
        self.marked: set[str] = set()
        self._attempts: dict[str, int] = {}
        self._idle: dict[str, asyncio.Event] = {}

    def mark(self, ip: str) -> None:
        self.marked.add(ip)

    def is_draining(self, ip: str) -> bool:
        return ip in self.marked

    def forget_except(self, present: set[str]) -> None:
        """Drop the marks of addresses no slice lists any more: a restarted pod may get its address back."""
        self.marked &= present

    def begin(self, ip: str) -> Attempt:
        attempts = self._attempts
        attempts[ip] = attempts.get(ip, 0) + 1
        return Attempt(self, ip)

    @contextmanager
    def attempt(self, ip: str) -> Iterator[Attempt]:
        a = self.begin(ip)
        try:
            yield a
        finally:
            a.end()

    def is_idle(self, ip: str) -> bool:
        return not self._attempts.get(ip)

    async def wait_idle(self, ip: str) -> None:
        while not self.is_idle(ip):
            await self._idle.setdefault(ip, asyncio.Event()).wait()

    def _ended(self, ip: str) -> None:
        left = self._attempts[ip] - 1
        if left:
            self._attempts[ip] = left
            return
        del self._attempts[ip]
        event = self._idle.pop(ip, None)
        if event is not None:
            event.set()
