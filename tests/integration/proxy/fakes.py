"""Backends for the proxy tests: small asyncio servers on 127.20.0.N whose every move is visible.

``HttpBackend`` speaks just enough HTTP/1.1 (keep-alive, Content-Length bodies) and records what
reached it: requests, open connections, accepted connections. Its paths:

- ``/``       answers its own address
- ``/echo``   answers JSON with the method, target, headers and body it received
- ``/cut``    promises 100 bytes, sends 10 and closes the connection (a crash mid-response)
- ``/chunks`` answers three chunks with chunked encoding
- ``/slow``   answers once ``release`` is set

``stop(grace)`` stops like a well-behaved app on SIGTERM: no new connections, requests on open
ones answered with ``Connection: close`` for up to ``grace`` seconds, then the idle ones closed.
``drop_reused`` makes it close a kept-alive connection when the next request arrives on it,
without answering (what a backend closing an idle connection looks like to the proxy when the
close crosses a request on the wire).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

BACKEND_PORT = 18081


@dataclass
class Seen:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Changes:
    """Something about a backend changed: wake whoever waits for a condition on it."""

    event: asyncio.Event = field(default_factory=asyncio.Event)

    def notify(self) -> None:
        self.event.set()
        self.event = asyncio.Event()

    async def until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            await asyncio.wait_for(self.event.wait(), max(0.0, deadline - loop.time()))


class HttpBackend:
    def __init__(self, ip: str, port: int = BACKEND_PORT) -> None:
        self.ip = ip
        self.port = port
        self.requests: list[Seen] = []
        self.connections: set[asyncio.StreamWriter] = set()
        self.accepted = 0
        self.stopping = False
        self.drop_reused = False
        self.release = asyncio.Event()
        self.changes = Changes()
        self._idle: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[object]] = set()
        self._server: asyncio.Server | None = None

    @property
    def hits(self) -> int:
        return len(self.requests)

    async def start(self) -> HttpBackend:
        self._server = await asyncio.start_server(self._serve, self.ip, self.port, reuse_address=True)
        return self

    async def stop(self, grace: float = 0.0) -> None:
        self.stopping = True
        if self._server is not None:
            self._server.close()
            self._server = None
        with contextlib.suppress(TimeoutError):
            await self.changes.until(lambda: not self.connections, grace)
        for w in list(self.connections):
            w.close()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2)

    async def _serve(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.accepted += 1
        self.connections.add(w)
        self.changes.notify()
        served = 0
        try:
            while not r.at_eof():
                self._idle.add(w)
                try:
                    head = await r.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                self._idle.discard(w)
                if self.drop_reused and served:
                    return
                request_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
                method, target, _ = request_line.split(" ", 2)
                headers = [(k, v.strip()) for k, v in (line.split(":", 1) for line in lines)]
                length = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
                body = await r.readexactly(length) if length else b""
                self.requests.append(Seen(method, target, headers, body))
                self.changes.notify()
                served += 1
                if not await self._answer(w, method, target, headers, body):
                    return
        finally:
            self.connections.discard(w)
            self._idle.discard(w)
            w.close()
            self._tasks.discard(task)
            self.changes.notify()

    async def _answer(self, w: asyncio.StreamWriter, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> bool:
        """Write the answer; False when the connection is to be closed afterwards."""
        close = self.stopping or any(k.lower() == "connection" and v.lower() == "close" for k, v in headers)
        conn = b"Connection: close\r\n" if close else b""
        path = target.split("?", 1)[0]
        if path == "/cut":
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
            await w.drain()
            return False
        if path == "/chunks":
            w.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n" + conn + b"\r\n")
            for part in (b"one,", b"two,", b"three"):
                w.write(b"%x\r\n%s\r\n" % (len(part), part))
            w.write(b"0\r\n\r\n")
            await w.drain()
            return not close
        if path == "/slow":
            await self.release.wait()
        if path == "/echo":
            payload = json.dumps({"method": method, "target": target, "headers": headers, "body": body.decode()}).encode()
            ctype = b"application/json"
        else:
            payload, ctype = self.ip.encode(), b"text/plain"
        extra = b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n" if path == "/echo" else b""
        w.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s%s\r\n%s"
            % (ctype, len(payload), extra, conn, payload if method != "HEAD" else b"")
        )
        await w.drain()
        return not close


class EchoBackend:
    """A TCP server that reads until EOF, then answers ``<ip>:<what it read>`` and closes."""

    def __init__(self, ip: str, port: int = BACKEND_PORT) -> None:
        self.ip = ip
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> EchoBackend:
        self._server = await asyncio.start_server(self._serve, self.ip, self.port, reuse_address=True)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _serve(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        try:
            data = await r.read()
            w.write(self.ip.encode() + b":" + data)
            await w.drain()
        finally:
            w.close()
