"""A byte pipe between two connections, on asyncio Protocols: what one end reads, the other writes.

Used by L4 mode, by sniffed connections that are not HTTP, and by HTTP connections after a
``101 Switching Protocols``. Protocols rather than streams: a chunk read is written to the other
side in the same callback, with no task switch or copy in between, which is most of what the
proxy costs per request.

- Back-pressure: when one side's write buffer is full (``pause_writing``) the other side stops
  reading until it drains, so a fast sender never fills the proxy's memory.
- Half-close is passed on: EOF from one side becomes ``write_eof`` on the other, and the pair is
  closed when both directions are done.
- A side that closes or breaks closes the other (after what is already buffered for it).
- Bytes that arrive before the other side exists (the backend is still being connected) are kept
  and written first; reading pauses meanwhile once ``PENDING_LIMIT`` bytes are waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import cast

PENDING_LIMIT = 256 * 1024


class End(asyncio.Protocol):
    """One end of a pipe; ``link`` joins two."""

    def __init__(self, on_close: Callable[[End], None] | None = None) -> None:
        self.transport: asyncio.Transport | None = None
        self.peer: End | None = None
        self.pending: list[bytes] = []
        self._pending_size = 0
        self.eof = False  # this end's remote sent EOF
        self.lost = False
        self._on_close = on_close

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses

    def data_received(self, data: bytes) -> None:
        peer = self.peer
        if peer is not None and peer.transport is not None:
            peer.transport.write(data)
            return
        self.pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= PENDING_LIMIT and self.transport is not None:
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        self.eof = True
        peer = self.peer
        if peer is not None:
            _pass_eof(peer)
            if peer.eof:
                self.close()
        return True  # keep the other direction open

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.peer is not None:
            self.peer.close()
        if self._on_close is not None:
            self._on_close(self)

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None and not self.peer.transport.is_closing():
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None and not self.peer.transport.is_closing():
            self.peer.transport.resume_reading()

    def close(self) -> None:
        """Close this end's connection (and so, through ``connection_lost``, the other)."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.abort()

    def shutdown(self) -> None:
        """A byte pipe has no request boundary to wait for: closing it is all there is."""
        self.close()
        if self.peer is not None:
            self.peer.close()


def adopt(transport: asyncio.Transport, end: End, received: bytes = b"", eof: bool = False) -> End:
    """Make ``end`` the protocol of a connection another protocol was reading (sniffing, HTTP
    before an upgrade), with the bytes that protocol had received and not yet passed on."""
    transport.set_protocol(end)
    end.connection_made(transport)
    if received:
        end.data_received(received)
    if eof:
        end.eof_received()
    return end


def link(a: End, b: End) -> None:
    """Join two ends: flush what each received while alone, then pipe both ways."""
    a.peer, b.peer = b, a
    for src, dst in ((a, b), (b, a)):
        if dst.transport is None or dst.lost:
            src.close()
            continue
        if src.pending:
            dst.transport.write(b"".join(src.pending))
            src.pending.clear()
            src._pending_size = 0
            if src.transport is not None and not src.transport.is_closing():
                src.transport.resume_reading()
        if src.eof:
            _pass_eof(dst)
    if a.eof and b.eof:
        a.close()
    if a.lost or b.lost:
        a.close()
        b.close()


def _pass_eof(end: End) -> None:
    t = end.transport
    if t is not None and not t.is_closing() and t.can_write_eof():
        t.write_eof()
