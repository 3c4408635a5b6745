"""HAProxy 2.6 as the data plane: what only it needs showing — the ``auto`` mode's sniffing, reloads
that drop no connection, and a drain that waits for the requests in flight."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from graceroll.dataplane.supervisor import Supervisor
from graceroll.proxy.routes import Route
from graceroll.proxy.table import Table

from .conftest import NO_HAPROXY, PORT, SERVICE_IP, URL, World, backend_ip, fetch, session
from .fakes import BACKEND_PORT, EchoBackend

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60), NO_HAPROXY]


@pytest_asyncio.fixture(params=["l4", "http"])
async def hworld(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    w = World(request.param, "haproxy")
    await w.proxy.start()
    try:
        yield w
    finally:
        await w.close()


def plane(world: World) -> Supervisor:
    assert isinstance(world.proxy.plane, Supervisor)
    return world.proxy.plane


async def test_auto_mode_switches_http_clients_to_http_and_passes_other_bytes_through(hworld: World) -> None:
    await hworld.add_backend(backend_ip(1))
    await hworld.add_backend(backend_ip(2))
    route = Route("default/web:8080", "auto", ((backend_ip(1), BACKEND_PORT), (backend_ip(2), BACKEND_PORT)))
    await plane(hworld).apply(Table({(SERVICE_IP, PORT): route}, frozenset({backend_ip(1), backend_ip(2)})))
    assert sorted(await fetch(4, keepalive=True)) == [backend_ip(1)] * 2 + [backend_ip(2)] * 2  # per request: HTTP
    echo_route = Route("default/raw:9000", "auto", ((backend_ip(3), BACKEND_PORT),))
    echo = await EchoBackend(backend_ip(3)).start()
    try:
        await plane(hworld).apply(Table({(SERVICE_IP, 9000): echo_route}, frozenset({backend_ip(3)})))
        r, w = await asyncio.open_connection(SERVICE_IP, 9000)
        w.write(b"\x00\x01 not http")
        w.write_eof()
        assert await asyncio.wait_for(r.read(), 5) == f"{backend_ip(3)}:".encode() + b"\x00\x01 not http"
        w.close()
    finally:
        await echo.stop()


async def test_a_reload_for_a_new_listener_drops_no_open_connection(hworld: World) -> None:
    await hworld.add_backend(backend_ip(1))
    await hworld.set_endpoints([backend_ip(1)])
    async with session(keepalive=True) as s:
        async with s.get(URL) as r:
            assert r.status == 200
        raw_r, raw_w = await asyncio.open_connection(SERVICE_IP, PORT)  # a connection open across the reload
        hworld.add_service("other", "127.1.200.9", 18099, hworld.mode)
        await hworld.proxy.wait_synced()
        async with s.get(URL) as r:  # the kept-alive connection, or a new one to the new worker
            assert r.status == 200 and await r.text() == backend_ip(1)
        raw_w.write(f"GET / HTTP/1.1\r\nHost: {SERVICE_IP}\r\n\r\n".encode())
        head = await asyncio.wait_for(raw_r.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 200")
        raw_w.close()
    listening = await asyncio.open_connection("127.1.200.9", 18099)  # the new listener is there
    listening[1].close()


async def test_drained_waits_for_the_request_in_flight_on_http_backends(hworld: World) -> None:
    slow = await hworld.add_backend(backend_ip(1))
    await hworld.add_backend(backend_ip(2))
    await hworld.set_endpoints([backend_ip(1), backend_ip(2)])
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as s:
        first = asyncio.create_task(s.get(URL + "/slow"))
        await slow.changes.until(lambda: any(q.target == "/slow" for q in slow.requests) or bool(slow.connections), 10)
        in_flight = await hworld.proxy.drained(backend_ip(1), timeout=0.3)
        assert in_flight is (hworld.mode == "l4")  # HTTP waits for the answer; TCP only stops new connections
        slow.release.set()
        async with await first as r:
            assert r.status == 200
        assert await hworld.proxy.drained(backend_ip(1), timeout=5) is True
    hits = slow.hits
    assert set(await fetch(6)) == {backend_ip(2)}
    assert slow.hits == hits


async def test_a_drained_pod_that_comes_back_after_a_reload_gets_traffic_again(hworld: World) -> None:
    for i in (1, 2):
        await hworld.add_backend(backend_ip(i))
    await hworld.set_endpoints([backend_ip(1), backend_ip(2)])
    assert await hworld.proxy.drained(backend_ip(1), timeout=5)
    hworld.add_service("other", "127.1.200.9", 18099, hworld.mode)  # a reload while .1 is drained
    await hworld.proxy.wait_synced()
    assert set(await fetch(4)) == {backend_ip(2)}
    await hworld.set_endpoints([backend_ip(2)])  # the pod went away ...
    await hworld.set_endpoints([backend_ip(1), backend_ip(2)])  # ... and one came back on its address
    assert set(await fetch(4)) == {backend_ip(1), backend_ip(2)}
