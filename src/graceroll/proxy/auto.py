"""Auto mode: each connection's first bytes decide between HTTP handling and an L4 pipe.

A connection starts with a ``Sniffer`` that only reads: an HTTP/1.x request line (``sniff``)
hands it to HTTP handling (``http.ClientConnection``), anything else to an L4 pipe
(``l4.ClientEnd``), with the bytes read so far. A client that sends nothing for
``SNIFF_WAIT`` seconds (a server-speaks-first protocol: SMTP, MySQL, ...) or half-closes first
goes to L4, which then connects to the backend; one that sent part of a line and stalls goes to
L4 after ``PARTIAL_WAIT``. A Service port that carries such a protocol saves the wait with
``appProtocol: tcp``.
"""

from __future__ import annotations

import asyncio
from typing import cast

from graceroll.proxy import relay, sniff
from graceroll.proxy.http import ClientConnection, HttpListener
from graceroll.proxy.l4 import ClientEnd
from graceroll.proxy.routes import Mode

SNIFF_WAIT = 1.0
PARTIAL_WAIT = 10.0


class AutoListener(HttpListener):
    mode: Mode = "auto"

    def accept(self) -> asyncio.Protocol:
        return Sniffer(self)


class Sniffer(asyncio.Protocol):
    def __init__(self, listener: AutoListener) -> None:
        self.listener = listener
        self.transport: asyncio.Transport | None = None
        self.head = b""
        self._timer: asyncio.TimerHandle | None = None
        self._done = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses
        self.listener.opened(self)
        if not self._done:
            self._timer = asyncio.get_running_loop().call_later(SNIFF_WAIT, self._hand_over, "l4")

    def data_received(self, data: bytes) -> None:
        first = not self.head
        self.head += data
        verdict = sniff.classify(self.head)
        if verdict != "more":
            self._hand_over(verdict)
        elif first and self._timer is not None:
            self._timer.cancel()
            self._timer = asyncio.get_running_loop().call_later(PARTIAL_WAIT, self._hand_over, "l4")

    def eof_received(self) -> bool:
        self._hand_over("l4", eof=True)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop()

    def shutdown(self) -> None:
        self.abort()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _hand_over(self, verdict: sniff.Verdict, eof: bool = False) -> None:
        if self._done or self.transport is None or self.transport.is_closing():
            return
        self._stop()
        transport, head = self.transport, self.head
        if verdict == "http":
            conn = ClientConnection(self.listener)
            transport.set_protocol(conn)
            conn.connection_made(transport)
            conn.data_received(head)
            if eof:
                conn.eof_received()
        else:
            relay.adopt(transport, ClientEnd(self.listener), head, eof)

    def _stop(self) -> None:
        if not self._done:
            self._done = True
            self.listener.closed(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
