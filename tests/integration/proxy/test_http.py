"""HTTP mode: per-request balancing over pooled connections, faithful forwarding, safe retries."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import aiohttp
import pytest

from graceroll.proxy import http

from .conftest import PORT, SERVICE_IP, URL, World, backend_ip, session
from .fakes import BACKEND_PORT

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]


async def test_requests_on_one_client_connection_rotate_over_the_backends(http_world: World) -> None:
    for i in (1, 2, 3):
        await http_world.add_backend(backend_ip(i))
    await http_world.set_endpoints([backend_ip(1), backend_ip(2), backend_ip(3)])
    async with session(keepalive=True) as s:
        answers = []
        for _ in range(9):
            async with s.get(URL) as r:
                answers.append(await r.text())
    assert Counter(answers) == {backend_ip(1): 3, backend_ip(2): 3, backend_ip(3): 3}
    # the proxy kept its connections to the backends open and reused them
    assert all(http_world.backends[backend_ip(i)].accepted == 1 for i in (1, 2, 3))


async def test_method_target_headers_and_body_are_forwarded(http_world: World) -> None:
    await http_world.add_backend(backend_ip(1))
    await http_world.set_endpoints([backend_ip(1)])
    async with session() as s:
        async with s.post(
            URL + "/echo?q=a%20b&x=1",
            data=b"payload",
            headers={"X-Custom": "yes", "Keep-Alive": "timeout=5", "Connection": "keep-alive, X-Private", "X-Private": "1"},
        ) as r:
            assert r.status == 200
            assert r.headers.getall("Set-Cookie") == ["a=1", "b=2"]
            seen = json.loads(await r.text())
        async with s.get(URL + "/echo") as r:
            cookies_sent_on = [k for k, _ in json.loads(await r.text())["headers"] if k.lower() == "cookie"]
    headers = {k.lower(): v for k, v in seen["headers"]}
    assert (seen["method"], seen["target"], seen["body"]) == ("POST", "/echo?q=a%20b&x=1", "payload")
    assert headers["x-custom"] == "yes" and headers["host"] == "127.1.200.1:18080"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["content-length"] == "7"
    assert not {"keep-alive", "x-private"} & headers.keys()
    assert cookies_sent_on == []  # the proxy keeps no cookies between clients


async def test_head_and_chunked_answers_come_through(http_world: World) -> None:
    await http_world.add_backend(backend_ip(1))
    await http_world.set_endpoints([backend_ip(1)])
    async with session() as s:
        async with s.head(URL + "/") as r:
            assert (r.status, r.headers["Content-Length"], await r.read()) == (200, "10", b"")
        async with s.get(URL + "/chunks") as r:
            assert await r.text() == "one,two,three"


async def test_a_backend_breaking_off_mid_response_breaks_off_the_client(http_world: World) -> None:
    await http_world.add_backend(backend_ip(1))
    await http_world.set_endpoints([backend_ip(1)])
    async with session() as s, s.get(URL + "/cut") as r:
        assert r.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            await r.read()


async def test_drained_closes_pooled_connections_now_and_returns_once_the_request_in_flight_is_answered(http_world: World) -> None:
    for i in (1, 2):
        await http_world.add_backend(backend_ip(i))
    one = http_world.backends[backend_ip(1)]
    await http_world.set_endpoints([backend_ip(1)])
    async with session() as s:
        slow = asyncio.create_task(_get(s, "/slow"))
        await one.changes.until(lambda: one.hits == 1)
        assert await _get(s, "/") == (200, backend_ip(1))  # on a second connection, pooled afterwards
        assert len(one.connections) == 2
        await http_world.set_endpoints([backend_ip(1), backend_ip(2)])
        drained = asyncio.create_task(http_world.proxy.drained(backend_ip(1), timeout=10))
        await one.changes.until(lambda: len(one.connections) == 1, 2)  # the idle one is closed, the busy one stays
        assert set(await _texts(4)) == {backend_ip(2)}  # nothing new for the draining pod meanwhile
        assert not drained.done()  # a request is still in flight to it
        one.release.set()
        assert await asyncio.wait_for(slow, 3) == (200, backend_ip(1))
        assert await asyncio.wait_for(drained, 3) is True
        await one.changes.until(lambda: not one.connections, 2)  # and closed once its answer is done
    assert one.hits == 2


async def test_drained_gives_up_after_its_timeout_while_a_request_is_in_flight(http_world: World) -> None:
    one = await http_world.add_backend(backend_ip(1))
    await http_world.set_endpoints([backend_ip(1)])
    async with session() as s:
        slow = asyncio.create_task(_get(s, "/slow"))
        await one.changes.until(lambda: one.hits == 1)
        assert await http_world.proxy.drained(backend_ip(1), timeout=0.1) is False
        one.release.set()
        assert await asyncio.wait_for(slow, 3) == (200, backend_ip(1))


async def test_a_dropped_kept_alive_connection_is_retried_for_get_and_not_for_post(http_world: World) -> None:
    for i in (1, 2):
        await http_world.add_backend(backend_ip(i))
    one = http_world.backends[backend_ip(1)]
    await http_world.set_endpoints([backend_ip(1), backend_ip(2)])
    assert Counter(await _texts(2)) == {backend_ip(1): 1, backend_ip(2): 1}  # one pooled connection to each
    one.drop_reused = True
    assert await _texts(1) == [backend_ip(2)]  # .1 was next: its pooled connection dropped the request
    assert (one.accepted, one.hits) == (1, 1)
    await http_world.set_endpoints([backend_ip(1)])
    assert await _texts(2) == [backend_ip(1)] * 2  # the second on a new connection after the drop
    assert (one.accepted, one.hits) == (3, 3)
    async with session() as s, s.post(URL, data=b"x") as r:
        assert r.status == 502  # it may have been processed: not repeated
    assert one.hits == 3


async def test_every_backend_refusing_is_a_502_and_none_ready_a_503(http_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "NO_BACKEND_WAIT", 0.2)
    async with session() as s:
        async with s.get(URL) as r:
            assert r.status == 503 and "no ready endpoint" in await r.text()
        await http_world.set_endpoints([backend_ip(8), backend_ip(9)])
        async with s.get(URL) as r:
            assert r.status == 502


async def _texts(n: int) -> list[str]:
    async with session() as s:
        out = []
        for _ in range(n):
            async with s.get(URL) as r:
                assert r.status == 200, await r.text()
                out.append(await r.text())
        return out


async def _get(s: aiohttp.ClientSession, path: str) -> tuple[int, str]:
    async with s.get(URL + path) as r:
        return r.status, await r.text()


async def test_a_websocket_upgrade_becomes_a_pipe_pinned_to_its_pod(http_world: World) -> None:
    async def upgrade(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        head = await r.readuntil(b"\r\n\r\n")
        assert b"Upgrade: websocket" in head and b"Connection: Upgrade" in head
        w.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nhello")
        while data := await r.read(100):
            w.write(data.upper())
        w.close()

    server = await asyncio.start_server(upgrade, backend_ip(1), BACKEND_PORT)
    try:
        await http_world.set_endpoints([backend_ip(1)])
        r, w = await asyncio.wait_for(asyncio.open_connection(SERVICE_IP, PORT), 2)
        w.write(b"GET /ws HTTP/1.1\r\nHost: web\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
        head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 3)
        assert head.startswith(b"HTTP/1.1 101 ") and b"Upgrade: websocket" in head
        assert await asyncio.wait_for(r.readexactly(5), 3) == b"hello"
        assert await http_world.proxy.drained(backend_ip(1), timeout=1)  # an upgraded connection is no request in flight
        w.write(b"frames")
        assert await asyncio.wait_for(r.readexactly(6), 3) == b"FRAMES"
        w.close()
    finally:
        server.close()


async def test_pipelined_requests_are_answered_in_order(http_world: World) -> None:
    for i in (1, 2):
        await http_world.add_backend(backend_ip(i))
    await http_world.set_endpoints([backend_ip(1), backend_ip(2)])
    r, w = await asyncio.wait_for(asyncio.open_connection(SERVICE_IP, PORT), 2)
    w.write(b"GET /echo?n=1 HTTP/1.1\r\nHost: web\r\n\r\nGET /echo?n=2 HTTP/1.1\r\nHost: web\r\n\r\nGET /echo?n=3 HTTP/1.1\r\nHost: web\r\n\r\n")
    targets = []
    for _ in range(3):
        head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 3)
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        targets.append(json.loads(await asyncio.wait_for(r.readexactly(length), 3))["target"])
    w.close()
    assert targets == ["/echo?n=1", "/echo?n=2", "/echo?n=3"]


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"POST / HTTP/1.1\r\nHost: web\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", id="length and chunked"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: web\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", id="two lengths"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: web\r\nTransfer-Encoding: gzip\r\n\r\nabc", id="a coding that is not chunked"),
    ],
)
async def test_ambiguous_framing_is_refused_and_reaches_no_backend(http_world: World, request_bytes: bytes) -> None:
    one = await http_world.add_backend(backend_ip(1))
    await http_world.set_endpoints([backend_ip(1)])
    r, w = await asyncio.wait_for(asyncio.open_connection(SERVICE_IP, PORT), 2)
    w.write(request_bytes)
    answer = await asyncio.wait_for(r.read(), 3)  # and the connection is closed
    w.close()
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert one.hits == 0


async def test_a_chunked_request_body_is_forwarded_with_framing_of_the_proxys_own(http_world: World) -> None:
    seen: list[bytes] = []

    async def record(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        seen.append(await r.readuntil(b"0\r\n\r\n"))
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await w.drain()
        w.close()

    server = await asyncio.start_server(record, backend_ip(1), BACKEND_PORT)
    try:
        await http_world.set_endpoints([backend_ip(1)])
        r, w = await asyncio.wait_for(asyncio.open_connection(SERVICE_IP, PORT), 2)
        w.write(b"POST /up HTTP/1.1\r\nHost: web\r\nTransfer-Encoding: chunked\r\n\r\n03;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n")
        head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 3)
        assert head.startswith(b"HTTP/1.1 200 ") and await asyncio.wait_for(r.readexactly(2), 3) == b"ok"
        w.close()
    finally:
        server.close()
    (request,) = seen
    assert request.endswith(b"\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")  # chunks re-encoded, extension and trailer gone
