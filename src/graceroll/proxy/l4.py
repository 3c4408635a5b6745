"""L4 mode: each new client connection goes to the next ready backend; bytes are piped both ways.

A backend that refuses or does not accept within ``CONNECT_TIMEOUT`` is skipped and the next one
tried (each once), so a pod that just went away costs the client nothing. Half-close is passed
on: EOF from one side becomes ``write_eof`` on the other, and the pair is closed when both
directions are done; an error on either side closes both. A connection stays with its pod until
one end closes it, so a keep-alive client moves only when the app closes its connection (the demo
app answers with ``Connection: close`` once it got SIGTERM).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from graceroll.proxy.pool import Pool
from graceroll.proxy.routes import Address

log = logging.getLogger("graceroll.proxy")

CONNECT_TIMEOUT = 2.0
NO_BACKEND_WAIT = 1.0
CLOSE_WAIT = 1.0  # how long close() waits for the cancelled connection tasks to finish
CHUNK = 256 * 1024

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class L4Listener:
    def __init__(self, service: str, pool: Pool) -> None:
        self.service = service
        self.pool = pool
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[object]] = set()

    async def start(self, address: Address) -> None:
        self._server = await asyncio.start_server(self._serve, address[0], address[1], reuse_address=True, backlog=1024)

    async def close(self) -> None:
        """Stop accepting and close every connection, both ends."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for w in list(self._writers):
            _close(w)
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()  # also those still waiting for a backend
        if tasks:
            await asyncio.wait(tasks, timeout=CLOSE_WAIT)

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(client_w)
        try:
            backend = await self._connect()
            if backend is None:
                return
            backend_r, backend_w = backend
            self._writers.add(backend_w)
            try:
                await asyncio.gather(_pipe(client_r, backend_w, client_w), _pipe(backend_r, client_w, backend_w))
            finally:
                self._writers.discard(backend_w)
                _close(backend_w)
        finally:
            self._writers.discard(client_w)
            _close(client_w)
            if task is not None:
                self._tasks.discard(task)

    async def _connect(self) -> Stream | None:
        failures: list[str] = []
        for host, port in await self.pool.wait_for_candidates(NO_BACKEND_WAIT):
            if self.pool.draining.is_draining(host):  # drained since the candidates were listed
                continue
            with self.pool.draining.attempt(host):
                try:
                    return await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
                except (OSError, TimeoutError) as e:
                    failures.append(f"{host}:{port}: {e or type(e).__name__}")
        log.debug("service %s: connection closed, %s", self.service, "; ".join(failures) or "no ready endpoint")
        return None


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, src_w: asyncio.StreamWriter) -> None:
    """Copy ``src`` to ``dst`` until EOF, then half-close ``dst``; on an error close both sides."""
    try:
        while data := await src.read(CHUNK):
            dst.write(data)
            await dst.drain()
        if not dst.is_closing() and dst.can_write_eof():
            dst.write_eof()
    except (ConnectionError, OSError) as e:
        log.debug("connection broke off: %r", e)
        _close(dst)
        _close(src_w)


def _close(w: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        w.close()
