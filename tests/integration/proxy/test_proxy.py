"""The service proxy with in-process HTTP backends on loopback: balancing, draining, retries."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

import graceroll.api.builtin  # noqa: F401
from graceroll.api.meta import clone
from graceroll.clock import SystemClock
from graceroll.proxy.service_proxy import ServiceProxy
from graceroll.store.memory import MemoryStore

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]

SERVICE_IP = "127.1.200.1"
PORT = 18080
BACKEND_PORT = 18081


class Backends:
    """HTTP servers on 127.20.0.N that answer with their own address."""

    def __init__(self) -> None:
        self.runners: dict[str, web.AppRunner] = {}
        self.hits: Counter[str] = Counter()

    async def start(self, ip: str) -> None:
        async def answer(request: web.Request) -> web.Response:
            self.hits[ip] += 1
            return web.Response(text=ip)

        app = web.Application()
        app.router.add_get("/", answer)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, ip, BACKEND_PORT).start()
        self.runners[ip] = runner

    async def stop(self, ip: str) -> None:
        await self.runners.pop(ip).cleanup()

    async def close(self) -> None:
        for ip in list(self.runners):
            await self.stop(ip)


class World:
    def __init__(self, mode: str) -> None:
        self.clock = SystemClock()
        self.store = MemoryStore(self.clock)
        self.proxy = ServiceProxy(self.store, self.clock)
        self.backends = Backends()
        port: dict[str, Any] = {"name": "http", "port": PORT}
        if mode == "http":
            port["appProtocol"] = "http"
        self.store.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"}, "spec": {"clusterIP": SERVICE_IP, "ports": [port]}})
        self.store.create(
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {"name": "web-x", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
                "addressType": "IPv4",
                "ports": [{"name": "http", "port": BACKEND_PORT}],
                "endpoints": [],
            }
        )

    async def set_endpoints(self, ready: list[str], terminating: list[str] = ()) -> None:  # type: ignore[assignment]
        s = clone(self.store.get("EndpointSlice", "default", "web-x"))
        s["endpoints"] = [{"addresses": [ip], "conditions": {"ready": True, "serving": True, "terminating": False}} for ip in ready] + [
            {"addresses": [ip], "conditions": {"ready": False, "serving": True, "terminating": True}} for ip in terminating
        ]
        self.store.update(s)
        await self.proxy.sync()

    def listener_backends(self) -> tuple[tuple[str, int], ...]:
        return self.proxy.listeners[(SERVICE_IP, PORT)].pool.backends


@pytest_asyncio.fixture(params=["l4", "http"])
async def world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    w = World(request.param)
    await w.proxy.start()
    try:
        yield w
    finally:
        await w.proxy.stop()
        await w.backends.close()


async def fetch(n: int, keepalive: bool = False) -> list[str]:
    """``n`` sequential GETs through the Service; new connection each unless ``keepalive``."""
    out = []
    connector = aiohttp.TCPConnector(force_close=not keepalive)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=5)) as s:
        for _ in range(n):
            async with s.get(f"http://{SERVICE_IP}:{PORT}/") as r:
                assert r.status == 200, await r.text()
                out.append(await r.text())
    return out


async def test_new_connections_rotate_over_ready_backends_only(world: World) -> None:
    for ip in ("127.20.0.1", "127.20.0.2", "127.20.0.3"):
        await world.backends.start(ip)
    await world.set_endpoints(["127.20.0.1", "127.20.0.2"], terminating=["127.20.0.3"])
    answers = Counter(await fetch(10))
    assert answers == {"127.20.0.1": 5, "127.20.0.2": 5}


async def test_a_backend_that_refuses_is_skipped_without_a_client_error(world: World) -> None:
    await world.backends.start("127.20.0.1")
    await world.set_endpoints(["127.20.0.1", "127.20.0.9"])  # nothing listens on .9
    assert set(await fetch(6)) == {"127.20.0.1"}


async def test_after_drained_returns_no_new_work_reaches_the_backend(world: World) -> None:
    for ip in ("127.20.0.1", "127.20.0.2"):
        await world.backends.start(ip)
    await world.set_endpoints(["127.20.0.1", "127.20.0.2"])
    await fetch(4, keepalive=True)
    assert await world.proxy.drained("127.20.0.1", timeout=5) is True
    before = world.backends.hits["127.20.0.1"]
    assert set(await fetch(10)) == {"127.20.0.2"}
    assert world.backends.hits["127.20.0.1"] == before
    await world.set_endpoints(["127.20.0.2"])  # the pod leaves the slice: the mark goes with it
    assert "127.20.0.1" not in world.proxy.draining.ips


async def test_no_request_fails_while_backends_are_replaced_one_by_one(world: World) -> None:
    ips = [f"127.20.0.{i}" for i in range(1, 7)]
    for ip in ips[:3]:
        await world.backends.start(ip)
    await world.set_endpoints(ips[:3])
    stop = asyncio.Event()
    failures: list[str] = []
    done = Counter[str]()
    progress = asyncio.Event()

    async def more_requests(n: int) -> None:
        """Wait until the clients completed ``n`` more requests (each one sets ``progress``)."""
        target = sum(done.values()) + n
        while sum(done.values()) < target:
            progress.clear()
            await asyncio.wait_for(progress.wait(), 5)

    async def client(keepalive: bool) -> None:
        connector = aiohttp.TCPConnector(force_close=not keepalive)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=5)) as s:
            for _ in range(100_000):  # bounded; ends when the replacement is done
                if stop.is_set():
                    return
                try:
                    async with s.get(f"http://{SERVICE_IP}:{PORT}/") as r:
                        done[await r.text() if r.status == 200 else f"status {r.status}"] += 1
                        progress.set()
                        if r.status != 200:
                            failures.append(f"status {r.status}")
                except aiohttp.ClientError as e:
                    failures.append(repr(e))

    clients = [asyncio.create_task(client(k)) for k in (True, True, False, False)]
    live = ips[:3]
    await more_requests(20)
    for new in ips[3:]:  # surge one new backend, then drain and stop the oldest
        await world.backends.start(new)
        live = [*live, new]
        await world.set_endpoints(live)
        old, live = live[0], live[1:]
        await world.set_endpoints(live, terminating=[old])
        assert await world.proxy.drained(old, timeout=5)
        await world.backends.stop(old)
        await world.set_endpoints(live)
        await more_requests(20)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*clients), 10)
    assert failures == []
    assert set(done) == set(ips)  # every backend served, the old ones before they went
    assert sum(done.values()) > 20


async def test_deleting_the_service_closes_its_listener(world: World) -> None:
    assert (SERVICE_IP, PORT) in world.proxy.listeners
    world.store.delete("Service", "default", "web")
    await world.proxy.sync()
    assert world.proxy.listeners == {}
    with pytest.raises(OSError):
        await asyncio.wait_for(asyncio.open_connection(SERVICE_IP, PORT), 2)
