"""Waiting on several things at once without spawning tasks or cancelling what is waited on.

``asyncio.wait_for(fut)`` cancels ``fut`` when it times out and ``await fut`` cancels it when the
waiter is cancelled; a process-exit future shared by a container and its probes must survive
both, so every wait in this package goes through :func:`wait_any`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any


async def wait_any(futures: Iterable[asyncio.Future[Any]], timeout: float | None = None) -> None:
    """Return once one of ``futures`` is done or ``timeout`` seconds passed (None: no limit)."""
    pending = list(futures)
    if any(f.done() for f in pending) or (timeout is not None and timeout <= 0):
        return
    try:
        async with asyncio.timeout(timeout):
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    except TimeoutError:
        pass


class Pulse:
    """A wake-up call: everyone waiting on ``future()`` wakes at the next ``fire()``.

    Waiters re-check their own conditions after waking, so a fire with nobody waiting is simply lost.
    """

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    def future(self) -> asyncio.Future[None]:
        if self._future is None or self._future.done():
            self._future = asyncio.get_running_loop().create_future()
        return self._future

    def fire(self) -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(None)
        self._future = None
