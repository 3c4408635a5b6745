"""A sniffed Service port: HTTP/1.x gets HTTP handling, everything else an L4 pipe."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from graceroll.proxy import auto

from .conftest import PORT, SERVICE_IP, URL, World, backend_ip, session
from .fakes import BACKEND_PORT, EchoBackend

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]


@pytest_asyncio.fixture
async def auto_world() -> AsyncIterator[World]:
    w = World("auto")
    await w.proxy.start()
    try:
        yield w
    finally:
        await w.close()


async def exchange(data: bytes) -> bytes:
    r, w = await asyncio.wait_for(asyncio.open_connection(SERVICE_IP, PORT), 2)
    try:
        w.write(data)
        w.write_eof()
        return await asyncio.wait_for(r.read(), 5)
    finally:
        w.close()


async def test_http_requests_are_balanced_per_request(auto_world: World) -> None:
    for i in (1, 2):
        await auto_world.add_backend(backend_ip(i))
    await auto_world.set_endpoints([backend_ip(1), backend_ip(2)])
    async with session(keepalive=True) as s:
        answers = []
        for _ in range(4):
            async with s.get(URL) as r:
                answers.append(await r.text())
    assert Counter(answers) == {backend_ip(1): 2, backend_ip(2): 2}  # one client connection, both pods


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x16\x03\x01\x00\x05hello", id="a TLS record"),
        pytest.param(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", id="the h2c preface"),
        pytest.param(b"PING\r\n", id="a text protocol"),
    ],
)
async def test_anything_else_is_piped_byte_for_byte(auto_world: World, data: bytes) -> None:
    echo = await EchoBackend(backend_ip(1)).start()
    try:
        await auto_world.set_endpoints([backend_ip(1)])
        assert await exchange(data) == backend_ip(1).encode() + b":" + data
    finally:
        await echo.stop()


async def test_a_server_that_speaks_first_is_reached_after_the_sniffing_wait(auto_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auto, "SNIFF_WAIT", 0.05)

    async def greet(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(b"220 ready\r\n")
        await w.drain()
        w.write(b"got " + await r.readline())
        await w.drain()
        w.close()

    server = await asyncio.start_server(greet, backend_ip(1), BACKEND_PORT)
    try:
        await auto_world.set_endpoints([backend_ip(1)])
        r, w = await asyncio.wait_for(asyncio.open_connection(SERVICE_IP, PORT), 2)
        assert await asyncio.wait_for(r.readline(), 5) == b"220 ready\r\n"  # we sent nothing: L4
        w.write(b"HELO me\r\n")
        assert await asyncio.wait_for(r.read(), 5) == b"got HELO me\r\n"
        w.close()
    finally:
        server.close()
