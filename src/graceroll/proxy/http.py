"""HTTP handling: every request goes to the next ready backend, over pooled keep-alive connections.

Balancing per request (not per client connection) is what lets a rollout move a keep-alive
client off a stopping pod without the client noticing: a client connection is never pinned to a
pod, and pooled connections to a draining pod are closed between requests (``upstream``).

Requests are parsed with httptools (llhttp, strict: conflicting or duplicate ``Content-Length`` /
``Transfer-Encoding`` and other smuggling vectors are refused with 400 and the connection closed)
on an asyncio Protocol; bodies are relayed as the bytes that came, framed again by ``framing``;
headers follow ``headers`` (hop-by-hop dropped, ``X-Forwarded-For`` appended). Pipelined
requests are answered in order, one at a time.

Failures before the backend has the request are retried on the next backend:

- connect refused or timed out: nothing was sent, so any method is retried;
- the connection closed before any answer byte (typically a kept-alive connection the app closed
  while idle, or an app that exited): retried for idempotent methods only (RFC 9110 section
  9.2.2) whose body the proxy still holds (up to ``REPLAY_LIMIT`` bytes), on the other backends
  and then once more on a new connection to the same one; anything else gets 502.

A backend silent for ``READ_TIMEOUT`` gets 504; one that breaks off mid-answer breaks off the
client connection too, so the client sees a truncated message rather than a complete-looking one.

Upgrade (WebSocket, h2c): the request goes to a new connection; after ``101`` both connections
become a byte pipe (``relay``), pinned to that pod. A backend that declines answers normally and
the client connection closes after it. ``CONNECT`` is refused (405): this is a reverse proxy.

Traffic split (``proxy.split``): a request whose headers match a header route of the Service's
split is *pinned* to the canary group (the match runs only for Services with header routes);
otherwise the pool's weighted choice decides. Each request is counted once when it ends, on the
counter of the pod it went to last (``proxy.counters``).

Draining: a request counts as an attempt on its pod from the moment the pod is chosen until its
answer has been read in full (or the request failed there); ``drained(ip)`` waits for all of
them, so an app that exits at once on SIGTERM loses nothing. An upgraded connection stops
counting at its ``101``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from typing import cast

import httptools

from graceroll.proxy import framing, headers, relay
from graceroll.proxy.counters import Counter
from graceroll.proxy.draining import Attempt
from graceroll.proxy.framing import Framing
from graceroll.proxy.headers import Pairs
from graceroll.proxy.pool import Pool
from graceroll.proxy.routes import Address, Mode
from graceroll.proxy.server import Server
from graceroll.proxy.upstream import Connection, Upstream, Upstreams

log = logging.getLogger("graceroll.proxy")

NO_BACKEND_WAIT = 1.0
REPLAY_LIMIT = 1024 * 1024  # request body bytes kept so that a retry can send them again
CLIENT_IDLE = 75.0  # a kept-alive client connection with nothing to do is closed after this
_NOT_FRESH = itertools.repeat(False)
IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"TRACE", b"PUT", b"DELETE"})
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class HttpListener(Server):
    mode: Mode = "http"

    def __init__(self, service: str, pool: Pool, upstreams: Upstreams) -> None:
        super().__init__(service, pool)
        self.upstreams = upstreams
        self.loop = asyncio.get_running_loop()

    def accept(self) -> asyncio.Protocol:
        return ClientConnection(self)


class Writer:
    """Writes to a transport; while corked, gathers them into one write."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.parts: list[bytes] = []
        self.corked = 0

    def write(self, data: bytes) -> None:
        if self.corked:
            self.parts.append(data)
        elif not self.transport.is_closing():
            self.transport.write(data)

    def cork(self) -> None:
        self.corked += 1

    def uncork(self) -> None:
        self.corked -= 1
        if not self.corked:
            self.flush()

    def flush(self) -> None:
        """Write what is gathered now (before a close or a hand-over), corked or not."""
        if self.parts:
            data = b"".join(self.parts)
            self.parts.clear()
            if not self.transport.is_closing():
                self.transport.write(data)


class ClientConnection(asyncio.Protocol):
    """One client connection: requests parsed, each sent on; answers written back in order."""

    def __init__(self, listener: HttpListener) -> None:
        self.listener = listener
        self.transport: asyncio.Transport | None = None
        self.out: Writer | None = None
        self.peer: str | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.incoming: Exchange | None = None  # the request being parsed
        self.queue: deque[Exchange] = deque()  # parsed (or being parsed), not answered yet
        self.closing = False  # close once the queue is answered
        self.feeding = False  # in data_received: writes to the backend wait for its end, to go as one
        self.lost = False
        self._url = b""
        self._headers: Pairs = []
        self._upgrade_rest: bytes | None = None
        self._idle_timer: asyncio.TimerHandle | None = None
        self._last_read = 0.0

    # -- asyncio

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses
        self.out = Writer(self.transport)
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if isinstance(peer, tuple) else None
        self.listener.opened(self)
        self._last_read = self.listener.loop.time()
        self._arm_idle()

    def data_received(self, data: bytes) -> None:
        if self._upgrade_rest is not None:  # bytes for the new protocol, held until the 101
            self._upgrade_rest += data
            return
        assert self.out is not None
        self._last_read = self.listener.loop.time()
        self.out.cork()
        self.feeding = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as e:
            self._upgrade_rest = data[int(e.args[0]) :]
        except httptools.HttpParserError as e:
            self._refuse(f"bad request: {e}")
        finally:
            self.feeding = False
            self.out.uncork()
            if self.queue:
                self.queue[0].flush()

    def eof_received(self) -> bool:
        self.closing = True  # a client may half-close after its request: it still gets the answer
        if not self.queue:
            self._close()
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self._disarm_idle()
        for ex in self.queue:
            ex.cancel()
        self.queue.clear()
        self.listener.closed(self)

    def pause_writing(self) -> None:
        if self.queue:
            self.queue[0].pause_backend(True)

    def resume_writing(self) -> None:
        if self.queue:
            self.queue[0].pause_backend(False)

    # -- server.Connection

    def shutdown(self) -> None:
        self.closing = True
        if not self.queue:
            self._close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # -- httptools

    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        p = self.parser
        ex = Exchange(self, p.get_method(), self._url, self._headers, p.get_http_version() == "1.1", p.should_keep_alive(), p.should_upgrade())
        self.incoming = ex
        self.queue.append(ex)
        if len(self.queue) == 1:
            ex.start()

    def on_body(self, body: bytes) -> None:
        if self.incoming is not None:
            self.incoming.body(body)

    def on_message_complete(self) -> None:
        if self.incoming is not None:
            self.incoming.body_end()
            self.incoming = None

    # -- exchanges

    def done(self, ex: Exchange, keep_alive: bool) -> None:
        """``ex`` is answered; the next one may go, or the connection closes."""
        if self.queue and self.queue[0] is ex:
            self.queue.popleft()
        if not keep_alive:
            self.closing = True
        if self.closing:
            self.queue.clear()
            self._close()
            return
        if self.queue:
            self.queue[0].start()

    def upgrade(self, ex: Exchange, conn: Connection, rest: bytes) -> None:
        """After a 101: the two connections become one byte pipe."""
        backend = conn.detach()
        assert self.transport is not None and self.out is not None and backend is not None
        self.queue.clear()
        self._disarm_idle()
        self.listener.closed(self)
        self.out.flush()  # the 101 head goes before anything piped after it
        client_end = relay.adopt(self.transport, relay.End(on_close=self.listener.closed), self._upgrade_rest or b"")
        backend_end = relay.adopt(backend, relay.End())
        self.listener.opened(client_end)
        relay.link(client_end, backend_end)
        if rest:
            backend_end.data_received(rest)

    def _refuse(self, text: str) -> None:
        """A request that cannot be read: answered with 400 (once the ones before it are), then the
        connection closes, since nothing after it can be framed."""
        self.closing = True
        ex, self.incoming = self.incoming, None
        if ex is not None and ex in self.queue:
            if ex is self.queue[0]:
                if ex.answer is None:
                    ex.respond(400, text)
                else:
                    self.abort()
                return
            self.queue.remove(ex)
            ex.cancel()
        if not self.queue:
            assert self.out is not None
            self.out.write(_error_response(400, text, close=True))
            self._close()

    def _close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            if self.out is not None:
                self.out.flush()
            self.transport.close()

    def _arm_idle(self, after: float = CLIENT_IDLE) -> None:
        if self._idle_timer is None and not self.lost:
            self._idle_timer = asyncio.get_running_loop().call_later(after, self._idle)

    def _disarm_idle(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _idle(self) -> None:
        """One timer per connection, not one per request: it looks at the last read when it fires."""
        self._idle_timer = None
        quiet = asyncio.get_running_loop().time() - self._last_read
        if not self.queue and quiet >= CLIENT_IDLE:
            self._close()
        else:
            self._arm_idle(max(1.0, CLIENT_IDLE - quiet))


class Exchange:
    """One request and its answer: where it is sent, retried, and how the answer is relayed.
    It is the ``upstream.Sink`` of the connection that carries it."""

    __slots__ = (
        "_replay_size",
        "_task",
        "_up_parts",
        "answer",
        "attempt",
        "body_done",
        "client",
        "conn",
        "counter",
        "expect_continue",
        "failure_kind",
        "failures",
        "finished",
        "framing",
        "head",
        "http11",
        "keep_alive",
        "keep_client",
        "listener",
        "method",
        "pinned",
        "replay",
        "status",
        "t0",
        "tries",
        "up",
        "upgrade",
    )  # fmt: skip

    def __init__(self, client: ClientConnection, method: bytes, target: bytes, incoming: Pairs, http11: bool, keep_alive: bool, upgrade: bool) -> None:
        self.client = client
        self.listener = listener = client.listener
        self.t0 = listener.loop.time()
        pins = listener.pool.pins
        self.pinned = pins is not None and pins(incoming)
        self.method = method
        self.http11 = http11
        self.keep_alive = keep_alive
        self.upgrade = upgrade
        head, framing_headers, expect = headers.request_head(method + b" " + target + b" HTTP/1.1", incoming, client.peer, upgrade)
        self.expect_continue = expect and http11
        self.framing = framing.request(framing_headers)
        self.head = head + self.framing.line + b"\r\n"
        self.replay: list[bytes] | None = []  # the body so far, while it may be sent again
        self._replay_size = 0
        self.body_done = False
        self.conn: Connection | None = None
        self.up: Upstream | None = None
        self.attempt: Attempt | None = None
        self.tries: deque[tuple[Address, bool]] = deque()
        self.failures: list[str] = []
        self.answer: Framing | None = None  # set once the answer's head is written to the client
        self.keep_client = keep_alive
        self.finished = False
        self.counter: Counter | None = None  # the chosen pod's, until the request is counted
        self.status = 0
        self.failure_kind = "reset"
        self._up_parts: list[bytes] = []
        self._task: asyncio.Task[None] | None = None

    # -- request side

    def start(self) -> None:
        """This exchange is at the head of the queue: choose a backend."""
        if self.method == b"CONNECT":
            self.keep_client = False
            self.respond(405, "CONNECT is not supported by this proxy")
            return
        if self.expect_continue and self.client.out is not None:
            self.client.out.write(CONTINUE)
        candidates = self.listener.pool.candidates(self.pinned)
        if candidates:
            self.tries.extend(zip(candidates, _NOT_FRESH))
            self._next()
        else:
            self._task = asyncio.get_running_loop().create_task(self._wait_for_backends(), name=f"http wait {self.listener.service}")

    def body(self, data: bytes) -> None:
        if self.replay is not None:
            self.replay.append(data)
            self._replay_size += len(data)
            if self._replay_size > REPLAY_LIMIT:
                if self.conn is None:  # still choosing: hold the client until a backend takes it
                    if self.client.transport is not None:
                        self.client.transport.pause_reading()
                else:
                    self.replay = None
        if self.conn is not None:
            self._to_backend(self.framing.chunk(data))

    def body_end(self) -> None:
        self.body_done = True
        if self.conn is not None:
            self._to_backend(self.framing.end)

    def flush(self) -> None:
        """Write what the client's last chunk added for the backend, in one write."""
        if self._up_parts and self.conn is not None:
            data = b"".join(self._up_parts)
            self._up_parts.clear()
            self.conn.write(data)

    def cancel(self) -> None:
        """The client is gone: give the backend connection up, unless it is idle and whole."""
        self.finished = True
        if self._task is not None:
            self._task.cancel()
        if self.counter is not None:  # the client went away: a request, not a failure of the pod's
            self.counter.requests += 1
            self.counter = None
        self._release(reusable=False)

    def pause_backend(self, paused: bool) -> None:
        """The client's buffer is full (or drained): stop (resume) reading the backend."""
        t = self.conn.transport if self.conn is not None else None
        if t is not None and not t.is_closing():
            t.pause_reading() if paused else t.resume_reading()

    async def _wait_for_backends(self) -> None:
        candidates = await self.listener.pool.wait_for_candidates(NO_BACKEND_WAIT, self.pinned)
        self._task = None
        self.tries.extend(zip(candidates, _NOT_FRESH))
        self._next()

    def _next(self) -> None:
        """Send the request to the next backend to try, or answer with the last failure."""
        draining = self.listener.pool.draining
        while self.tries and not self.finished:
            address, fresh = self.tries.popleft()
            if draining.is_draining(address[0]):  # drained since the candidates were listed
                continue
            self.up = self.listener.upstreams.get(address)
            self.counter = self.listener.pool.counters.get(address)
            self.attempt = draining.begin(address[0])
            conn = self.up.take(fresh)
            if conn is not None:
                self._send(conn)
            else:
                self._task = asyncio.get_running_loop().create_task(self._connect(self.up), name=f"http connect {self.listener.service}")
            return
        if self.finished:
            return
        if self.failures:
            log.debug("service %s: %s failed on every backend: %s", self.listener.service, self.method.decode(), "; ".join(self.failures))
            self._count(self.failure_kind)
            self.respond(502, self.failures[-1])
        else:
            self.respond(503, f"no ready endpoint for {self.listener.service}")

    async def _connect(self, up: Upstream) -> None:
        try:
            conn = await up.connect()
        except (OSError, TimeoutError) as e:
            self._task = None
            self.failures.append(f"{_at(up.address)}: {e or type(e).__name__}")
            self.failure_kind = "timeout" if isinstance(e, TimeoutError) else "refused"
            self._end_attempt()
            self._next()
            return
        self._task = None
        if self.finished:
            up.give_back(conn, reusable=True)
            return
        self._send(conn)

    def _send(self, conn: Connection) -> None:
        assert self.replay is not None  # a request is only (re)sent while the proxy holds all of its body
        self.conn = conn
        conn.send(self, self.method)
        self._to_backend(self.head)
        for part in self.replay:
            self._to_backend(self.framing.chunk(part))
        if self.body_done:
            self._to_backend(self.framing.end)
        if self._replay_size > REPLAY_LIMIT:
            self.replay = None
            if self.client.transport is not None and not self.client.transport.is_closing():
                self.client.transport.resume_reading()

    def _to_backend(self, data: bytes) -> None:
        if not data:
            return
        self._up_parts.append(data)
        if not self.client.feeding:
            self.flush()

    # -- upstream.Sink

    def response_head(self, status: int, head: bytes) -> None:
        out = self.client.out
        assert out is not None
        if status < 200:
            if status == 101 and self.upgrade:
                out.write(headers.response_head(head, upgrade=True)[0] + b"\r\n")
            elif status != 101 and self.http11:
                out.write(headers.response_head(head)[0] + b"\r\n")
            return
        lines, framing_headers = headers.response_head(head)
        self.status = status
        self.answer = framing.response(status, self.method, framing_headers, self.http11)
        self.keep_client = self.keep_alive and self.answer.kind != "close" and not self.client.closing and not self.upgrade
        if not self.keep_client:
            out.write(lines + self.answer.line + b"Connection: close\r\n\r\n")
        elif not self.http11:
            out.write(lines + self.answer.line + b"Connection: keep-alive\r\n\r\n")
        else:
            out.write(lines + self.answer.line + b"\r\n")

    def response_body(self, data: bytes) -> None:
        if self.answer is not None and self.client.out is not None:
            self.client.out.write(self.answer.chunk(data))

    def response_end(self, keep_alive: bool) -> None:
        if self.answer is not None and self.client.out is not None:
            self.client.out.write(self.answer.end)
        self._count(None)
        self._release(reusable=keep_alive and self.body_done)
        self.finished = True
        self.client.done(self, self.keep_client and self.body_done)

    def upgraded(self, rest: bytes) -> None:
        conn = self.conn
        if not self.upgrade or conn is None:  # a 101 nobody asked for
            self.lost("switched protocols unasked", False)
            return
        self._end_attempt()
        if self.counter is not None:  # an upgrade counts as a request; what follows is a pipe
            self.counter.requests += 1
            self.counter = None
        self.conn = None
        self.finished = True
        self.client.upgrade(self, conn, rest)

    def lost(self, reason: str, timed_out: bool) -> None:
        conn, address = self.conn, self.up.address if self.up is not None else None
        self._release(reusable=False)
        if self.finished or address is None:
            return
        if self.answer is not None:
            if self.answer.kind == "close" and not timed_out:  # the close is the end of the body
                self._count(None)
                self.finished = True
                self.client.done(self, keep_alive=False)
                return
            log.debug("%s via %s broke off: %s", self.method.decode(), _at(address), reason)
            self._count("timeout" if timed_out else "reset")
            self.finished = True
            self.client.abort()
            return
        failure = f"{_at(address)}: {reason}"
        if timed_out:
            self._count("timeout")
            self.respond(504, failure)
            return
        self.failures.append(failure)
        self.failure_kind = "reset"
        if self.method not in IDEMPOTENT or self.replay is None or (conn is not None and conn.received):
            self._count("reset")
            self.respond(502, failure)
            return
        if conn is not None and conn.served:  # a kept-alive connection it had just closed: a new one may do, last
            self.tries.append((address, True))
        self._next()

    def cork(self) -> None:
        if self.client.out is not None:
            self.client.out.cork()

    def uncork(self) -> None:
        if self.client.out is not None:
            self.client.out.uncork()

    def pause(self) -> None:
        t = self.client.transport
        if t is not None and not t.is_closing():
            t.pause_reading()

    def resume(self) -> None:
        t = self.client.transport
        if t is not None and not t.is_closing():
            t.resume_reading()

    def _count(self, failure: str | None) -> None:
        """Count this request on its pod's counter, once: answered, or failed this way."""
        counter, self.counter = self.counter, None
        if counter is not None:
            seconds = self.listener.loop.time() - self.t0
            if failure is None:
                counter.answered(self.status, seconds)
            else:
                counter.failed(failure, seconds)

    # -- answers of the proxy's own

    def respond(self, status: int, text: str) -> None:
        """Answer with an error of the proxy's own (the request reached no backend)."""
        self._release(reusable=False)
        self.finished = True
        keep = self.keep_client and self.body_done
        if self.client.out is not None:
            self.client.out.write(_error_response(status, text, close=not keep))
        self.client.done(self, keep)

    def _release(self, reusable: bool) -> None:
        self._end_attempt()
        conn, self.conn = self.conn, None
        if conn is not None and self.up is not None:
            if conn.sink is self:
                conn.sink = None
            self.up.give_back(conn, reusable)

    def _end_attempt(self) -> None:
        if self.attempt is not None:
            self.attempt.end()
            self.attempt = None


def _error_response(status: int, text: str, close: bool) -> bytes:
    body = text.encode("utf-8", "replace") + b"\n"
    reason = {400: b"Bad Request", 405: b"Method Not Allowed", 502: b"Bad Gateway", 503: b"Service Unavailable", 504: b"Gateway Timeout"}[status]
    pairs = [(b"Content-Type", b"text/plain; charset=utf-8"), (b"Content-Length", str(len(body)).encode())]
    if close:
        pairs.append((b"Connection", b"close"))
    return headers.encode(b"HTTP/1.1 %d %s" % (status, reason), pairs) + body


def _at(address: Address) -> str:
    return f"{address[0]}:{address[1]}"
