"""L4 mode: each new client connection goes to the next ready backend; bytes are piped both ways.

A backend that refuses or does not answer the connect within ``CONNECT_TIMEOUT`` is skipped and
the next one tried (each once), so a pod that just went away costs the client nothing. Half-close
is passed on: EOF from one side becomes ``write_eof`` on the other, and the connection ends when
both directions are done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from graceroll.proxy.pool import Pool

log = logging.getLogger("graceroll.proxy")

CONNECT_TIMEOUT = 2.0
NO_BACKEND_WAIT = 1.0
CHUNK = 65536


class L4Handler:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.connections: set[asyncio.StreamWriter] = set()

    async def __call__(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections.add(client_w)
        try:
            backend = await self._connect()
            if backend is None:
                return
            backend_r, backend_w = backend
            self.connections.add(backend_w)
            try:
                await asyncio.gather(_pipe(client_r, backend_w), _pipe(backend_r, client_w))
            finally:
                self.connections.discard(backend_w)
                _close(backend_w)
        finally:
            self.connections.discard(client_w)
            _close(client_w)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        for host, port in await self.pool.wait_for_backends(NO_BACKEND_WAIT):
            if host in self.pool.draining.ips:
                continue
            with self.pool.draining.attempt(host):
                try:
                    return await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
                except (OSError, TimeoutError) as e:
                    log.debug("backend %s:%d: %s", host, port, e)
        return None

    def close_all(self) -> None:
        for w in list(self.connections):
            _close(w)


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while data := await src.read(CHUNK):
            dst.write(data)
            await dst.drain()
        if dst.can_write_eof():
            dst.write_eof()
    except (ConnectionError, OSError, RuntimeError):
        _close(dst)


def _close(w: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        w.close()
