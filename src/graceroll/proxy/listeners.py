"""The one place that maps a route's mode to the listener that serves it.

Whatever runs the listeners (the engine's in-process proxy, or a data-plane process of its own)
asks here, so a new mode needs one new line, not a change in every caller.
"""

from __future__ import annotations

from typing import Protocol

from graceroll.proxy.auto import AutoListener
from graceroll.proxy.http import HttpListener
from graceroll.proxy.l4 import L4Listener
from graceroll.proxy.pool import Pool
from graceroll.proxy.routes import Address, Mode, Route
from graceroll.proxy.upstream import Upstreams


class Listener(Protocol):
    pool: Pool
    mode: Mode

    async def start(self, address: Address) -> None: ...

    async def close(self) -> None: ...


def make_listener(route: Route, pool: Pool, upstreams: Upstreams) -> Listener:
    """A listener for ``route`` (not started yet)."""
    if route.mode == "http":
        return HttpListener(route.service, pool, upstreams)
    if route.mode == "auto":
        return AutoListener(route.service, pool, upstreams)
    return L4Listener(route.service, pool)
