"""Keep-alive connections to backends for HTTP handling, which the proxy can close one pod at a time.

A ``Connection`` carries one request at a time and parses the answer (httptools, llhttp's
binding) into events for the request's ``Sink``. An ``Upstream`` (one pod address) has a stack
of idle connections and a set of busy ones, which is what draining needs: ``retire`` closes the
idle ones at once and each busy one as soon as its answer is done.

An idle connection older than ``KEEPALIVE`` seconds is closed instead of reused, below the common
server keep-alive timeouts (Node.js 5 s, nginx and aiohttp 75 s), so the proxy rarely reuses a
connection the backend is closing at that very moment; when it does, the request is retried
(``http``). A connection never retries on its own: a retry must go to another backend and respect
the draining marks.

Protocol errors from a backend (an answer that does not parse, bytes after the end of an answer,
an answer nobody asked for) close the connection; the request in flight sees a lost connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol, cast

import httptools

from graceroll.proxy.routes import Address

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 60.0  # silence from a backend (before or within an answer) that ends the request
KEEPALIVE = 4.0
MAX_IDLE = 128  # per pod address; a burst beyond this closes its extra connections afterwards


class Sink(Protocol):
    """Where a connection delivers the answer to the request it carries."""

    def response_head(self, status: int, head: bytes) -> None:
        """An answer's head as it came (status line to the empty line), interim ones too."""
        ...

    def response_body(self, data: bytes) -> None: ...

    def response_end(self, keep_alive: bool) -> None: ...

    def upgraded(self, rest: bytes) -> None:
        """After a ``101``: the connection is a byte pipe now; ``rest`` came after its head."""
        ...

    def lost(self, reason: str, timed_out: bool) -> None:
        """The connection closed, broke or timed out before ``response_end``."""
        ...

    def cork(self) -> None:
        """Hold writes to the client until ``uncork``: one system call per chunk read."""
        ...

    def uncork(self) -> None: ...

    def pause(self) -> None:
        """The backend's buffer is full: stop reading the client's body."""
        ...

    def resume(self) -> None: ...


class _HeadDone(Exception):
    """Stops the parser after the head of an answer to HEAD (llhttp would wait for a body)."""


class Connection(asyncio.Protocol):
    """One connection to a backend."""

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.sink: Sink | None = None
        self.served = 0  # answers read in full: from the second request on, the connection was kept alive
        self.received = False  # a byte of the current answer has arrived
        self.closed = False
        self.idle_since = 0.0
        self._head_only = False
        self._raw = b""  # the bytes of the answer so far, while its head is incomplete
        self._head_at = 0  # where the next head starts in _raw (after an interim answer)
        self._in_head = False
        self._status = 0
        self._finished = False
        self._keep_alive = False
        self._last_read = 0.0
        self._watchdog: asyncio.TimerHandle | None = None

    # -- used by the request side

    def send(self, sink: Sink, method: bytes) -> None:
        """Carry a request for ``sink`` (its bytes follow with ``write``)."""
        self.sink = sink
        self.received = False
        self._head_only = method == b"HEAD"
        self._raw, self._head_at, self._in_head = b"", 0, True
        self._finished = False
        self._keep_alive = False
        loop = self.upstream.loop
        self._last_read = loop.time()
        if self._watchdog is None:
            self._watchdog = loop.call_later(READ_TIMEOUT, self._check_silence)

    def write(self, data: bytes) -> None:
        if data and self.transport is not None and not self.closed:
            self.transport.write(data)

    def detach(self) -> asyncio.Transport | None:
        """Hand the transport over (after an upgrade): this object no longer handles it."""
        self._stop_watchdog()
        self.sink = None
        self.closed = True
        self.upstream.forget(self)
        return self.transport

    def close(self) -> None:
        self.closed = True
        self._stop_watchdog()
        if self.transport is not None:
            self.transport.close()

    # -- asyncio

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses

    def data_received(self, data: bytes) -> None:
        sink = self.sink
        if sink is None:  # nobody asked: a protocol error, or the close of an idle connection's peer
            self._abort()
            return
        self.received = True
        self._last_read = self.upstream.loop.time()
        if self._in_head:
            self._raw = self._raw + data if self._raw else data
        sink.cork()
        try:
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserUpgrade as e:
                if self._status == 101:
                    self.sink = None
                    sink.upgraded(data[int(e.args[0]) :])
                else:
                    self._abort()
            except httptools.HttpParserError:
                if not (self._finished and self._head_only):
                    self._abort()
            if self._finished and self.sink is sink:
                self._finish(sink)
        finally:
            sink.uncork()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._stop_watchdog()
        self.upstream.forget(self)
        sink, self.sink = self.sink, None
        if sink is not None:
            sink.lost(f"connection {'broke: ' + str(exc) if exc else 'closed'}", False)

    def pause_writing(self) -> None:
        if self.sink is not None:
            self.sink.pause()

    def resume_writing(self) -> None:
        if self.sink is not None:
            self.sink.resume()

    # -- httptools

    def on_message_begin(self) -> None:
        if self._finished:  # more after the end of the answer
            raise httptools.HttpParserError("data after the end of the answer")

    def on_headers_complete(self) -> None:
        self._status = self.parser.get_status_code()
        end = self._raw.find(b"\r\n\r\n", self._head_at) + 4  # llhttp accepted it: CRLF line ends only
        head, self._head_at = self._raw[self._head_at : end], end
        if self._status >= 200:
            self._raw, self._in_head = b"", False
        assert self.sink is not None
        self.sink.response_head(self._status, head)
        if self._head_only and self._status >= 200:
            self._finished = True
            raise _HeadDone

    def on_body(self, body: bytes) -> None:
        assert self.sink is not None
        self.sink.response_body(body)

    def on_message_complete(self) -> None:
        if self._status >= 200:  # an interim answer (1xx, and 101 before its upgrade) is not the end
            self._finished = True
            self._keep_alive = self.parser.should_keep_alive()  # llhttp resets it after this callback

    # -- internals

    def _finish(self, sink: Sink) -> None:
        self.sink = None
        self.served += 1
        # after a HEAD the parser is reset and the connection not reused: llhttp cannot be told
        # there is no body, so a stray byte after that head could not be told apart from one
        keep = self._keep_alive and not self._head_only
        if self._head_only:
            self.parser = httptools.HttpResponseParser(self)
        sink.response_end(keep)

    def _check_silence(self) -> None:
        self._watchdog = None
        if self.sink is None or self.closed:
            return
        loop = self.upstream.loop
        quiet = loop.time() - self._last_read
        if quiet < READ_TIMEOUT:
            self._watchdog = loop.call_later(READ_TIMEOUT - quiet, self._check_silence)
            return
        sink, self.sink = self.sink, None
        self._abort()
        sink.lost(f"no answer within {READ_TIMEOUT:g} s", True)

    def _stop_watchdog(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def _abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


class Upstream:
    """One pod address: its idle and busy connections."""

    def __init__(self, address: Address) -> None:
        self.address = address
        self.loop = asyncio.get_running_loop()
        self.idle: list[Connection] = []
        self.busy: set[Connection] = set()
        self.retiring = False

    def take(self, fresh: bool = False) -> Connection | None:
        """The most recently used idle connection that is not too old, or None (connect one)."""
        if fresh or not self.idle:
            return None
        now = self.loop.time()
        while self.idle:
            conn = self.idle.pop()
            if conn.closed:
                continue
            if now - conn.idle_since > KEEPALIVE:
                conn.close()
                continue
            self.busy.add(conn)
            return conn
        return None

    async def connect(self) -> Connection:
        """A new connection, busy until given back."""
        _, conn = await asyncio.wait_for(self.loop.create_connection(lambda: Connection(self), *self.address), CONNECT_TIMEOUT)
        self.busy.add(conn)
        return conn

    def give_back(self, conn: Connection, reusable: bool) -> None:
        self.busy.discard(conn)
        if reusable and not conn.closed and not self.retiring and len(self.idle) < MAX_IDLE:
            conn.idle_since = self.loop.time()
            self.idle.append(conn)
        else:
            conn.close()

    def forget(self, conn: Connection) -> None:
        """``conn`` is closed or handed over: it is no longer this address's."""
        self.busy.discard(conn)
        with contextlib.suppress(ValueError):
            self.idle.remove(conn)

    def retire(self) -> None:
        """Close the idle connections now; busy ones close when their answer is done."""
        self.retiring = True
        idle, self.idle = self.idle, []
        for conn in idle:
            conn.close()

    def close(self) -> None:
        conns = [*self.idle, *self.busy]
        self.idle, self.busy = [], set()
        self.retiring = True
        for conn in conns:
            conn.close()


class Upstreams:
    """The backend connections of every HTTP listener, by pod address."""

    def __init__(self) -> None:
        self._by_address: dict[Address, Upstream] = {}

    def get(self, address: Address) -> Upstream:
        up = self._by_address.get(address)
        if up is None:
            up = self._by_address[address] = Upstream(address)
        return up

    async def retire(self, ip: str) -> None:
        """Stop reusing connections to ``ip``; a later request to it starts afresh."""
        self._retire([a for a in self._by_address if a[0] == ip])

    async def retire_except(self, keep: set[Address]) -> None:
        """Retire the connections of addresses no HTTP route lists any more."""
        self._retire([a for a in self._by_address if a not in keep])

    async def close(self) -> None:
        ups = list(self._by_address.values())
        self._by_address.clear()
        for up in ups:
            up.close()

    def _retire(self, addresses: list[Address]) -> None:
        for address in addresses:
            self._by_address.pop(address).retire()
