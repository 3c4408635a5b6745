"""What every listener shares: an asyncio server, the connections it accepted, and closing both.

``close`` stops accepting, asks each connection to ``shutdown`` (an L4 pipe closes at once, an
HTTP connection once the answer in flight is written), and aborts whatever is left after
``CLOSE_GRACE`` seconds, so a listener is gone within a bounded time even with a request that is
never answered.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from graceroll.proxy.pool import Pool
from graceroll.proxy.routes import Address, Mode

CLOSE_GRACE = 0.5
BACKLOG = 1024


class Connection(Protocol):
    def shutdown(self) -> None:
        """Finish what is in flight, then close."""
        ...

    def abort(self) -> None:
        """Close now, both ends."""
        ...


class Server:
    mode: Mode

    def __init__(self, service: str, pool: Pool) -> None:
        self.service = service
        self.pool = pool
        self.connections: set[Connection] = set()
        self._server: asyncio.Server | None = None
        self._empty = asyncio.Event()
        self.closing = False

    def accept(self) -> asyncio.Protocol:
        """A protocol for a new client connection."""
        raise NotImplementedError

    async def start(self, address: Address) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self.accept, address[0], address[1], reuse_address=True, backlog=BACKLOG)

    def opened(self, conn: Connection) -> None:
        self.connections.add(conn)
        if self.closing:
            conn.shutdown()

    def closed(self, conn: Connection) -> None:
        self.connections.discard(conn)
        if not self.connections:
            self._empty.set()

    async def close(self) -> None:
        self.closing = True
        if self._server is not None:
            self._server.close()
            self._server = None
        if self.connections:
            self._empty.clear()
            for conn in list(self.connections):
                conn.shutdown()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._empty.wait(), CLOSE_GRACE)
        for conn in list(self.connections):
            conn.abort()
