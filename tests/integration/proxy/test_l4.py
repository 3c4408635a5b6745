"""L4 mode: a backend per client connection, bytes piped both ways, EOF and breaks passed on."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from graceroll.proxy import l4

from .conftest import PORT, SERVICE_IP, World, backend_ip, fetch, session
from .fakes import EchoBackend

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]


async def exchange(data: bytes) -> bytes:
    """Send ``data``, half-close, and read the answer until the proxy closes."""
    r, w = await asyncio.wait_for(asyncio.open_connection(SERVICE_IP, PORT), 2)
    try:
        w.write(data)
        w.write_eof()
        return await asyncio.wait_for(r.read(), 3)
    finally:
        w.close()


async def test_half_close_reaches_the_backend_and_its_answer_comes_back(l4_world: World) -> None:
    echo = await EchoBackend(backend_ip(1)).start()
    try:
        await l4_world.set_endpoints([backend_ip(1)])
        assert await exchange(b"hello") == b"127.20.0.1:hello"  # the echo answers only after our EOF
    finally:
        await echo.stop()


async def test_a_keepalive_client_stays_with_one_backend(l4_world: World) -> None:
    for i in (1, 2):
        await l4_world.add_backend(backend_ip(i))
    await l4_world.set_endpoints([backend_ip(1), backend_ip(2)])
    assert len(set(await fetch(6, keepalive=True))) == 1
    assert Counter(await fetch(6)) == {backend_ip(1): 3, backend_ip(2): 3}


async def test_a_backend_closing_mid_response_closes_the_client_connection(l4_world: World) -> None:
    await l4_world.add_backend(backend_ip(1))
    await l4_world.set_endpoints([backend_ip(1)])
    r, w = await asyncio.wait_for(asyncio.open_connection(SERVICE_IP, PORT), 2)
    try:
        w.write(b"GET /cut HTTP/1.1\r\nHost: web\r\n\r\n")
        answer = await asyncio.wait_for(r.read(), 3)  # returns at EOF: the break came through
    finally:
        w.close()
    assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"\r\n\r\n" + b"x" * 10)


async def test_the_client_closing_closes_the_backend_connection(l4_world: World) -> None:
    backend = await l4_world.add_backend(backend_ip(1))
    await l4_world.set_endpoints([backend_ip(1)])
    r, w = await asyncio.wait_for(asyncio.open_connection(SERVICE_IP, PORT), 2)
    w.write(b"GET / HTTP/1.1\r\nHost: web\r\n\r\n")
    assert (await asyncio.wait_for(r.readuntil(backend_ip(1).encode()), 3)).startswith(b"HTTP/1.1 200")
    assert len(backend.connections) == 1
    w.close()
    await backend.changes.until(lambda: not backend.connections, 3)


async def test_without_a_ready_backend_the_connection_is_closed_after_a_short_wait(
    l4_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(l4, "NO_BACKEND_WAIT", 0.2)
    assert await exchange(b"anyone?") == b""


async def test_an_established_connection_survives_draining(l4_world: World) -> None:
    """Draining stops new connections only; the app closes its kept-alive ones when it stops."""
    for i in (1, 2):
        await l4_world.add_backend(backend_ip(i))
    await l4_world.set_endpoints([backend_ip(1)])
    async with session(keepalive=True) as s:
        async with s.get(f"http://{SERVICE_IP}:{PORT}/") as r:
            assert await r.text() == backend_ip(1)
        await l4_world.set_endpoints([backend_ip(1), backend_ip(2)])
        assert await l4_world.proxy.drained(backend_ip(1), timeout=2)
        async with s.get(f"http://{SERVICE_IP}:{PORT}/") as r:
            assert await r.text() == backend_ip(1)  # same connection, same pod
    assert set(await fetch(4)) == {backend_ip(2)}
