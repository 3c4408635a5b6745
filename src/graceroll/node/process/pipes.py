"""File descriptors (pipe ends, a pty master) read and written on the event loop without blocking it.

A pty master reports the end of its terminal (every slave closed) as EIO, not as end of file;
both read as ``b""`` here.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os

CHUNK = 64 * 1024


def _wake(ready: asyncio.Future[None]) -> None:
    if not ready.done():
        ready.set_result(None)


class FdReader:
    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self._loop = asyncio.get_running_loop()
        self._closed = False

    async def read(self) -> bytes:
        """The next bytes available; ``b""`` at the end."""
        while not self._closed:
            try:
                return os.read(self.fd, CHUNK)
            except BlockingIOError:
                await self._readable()
            except OSError as e:
                if e.errno == errno.EIO:
                    return b""
                raise
        return b""

    async def _readable(self) -> None:
        ready = self._loop.create_future()
        self._loop.add_reader(self.fd, _wake, ready)
        try:
            await ready
        finally:
            self._loop.remove_reader(self.fd)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            with contextlib.suppress(OSError):
                os.close(self.fd)


class FdWriter:
    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self._loop = asyncio.get_running_loop()
        self.closed = False

    async def write(self, data: bytes) -> bool:
        """Write all of ``data``; False when the reader is gone (EPIPE) or the writer is closed."""
        view = memoryview(data)
        while view and not self.closed:
            try:
                view = view[os.write(self.fd, view) :]
            except BlockingIOError:
                await self._writable()
            except (BrokenPipeError, OSError):
                return False
        return not self.closed

    async def _writable(self) -> None:
        ready = self._loop.create_future()
        self._loop.add_writer(self.fd, _wake, ready)
        try:
            await ready
        finally:
            self._loop.remove_writer(self.fd)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(OSError):
                os.close(self.fd)
