"""A store holding one Service and its EndpointSlice, the proxy watching it, and fake backends.

The proxy is the in-process form (listeners on the test's event loop) unless a test asks for a
data plane process: the built-in one (``graceroll.proxy.daemon``) or HAProxy, each fed by the
engine's watcher and supervised as the engine does.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.api.meta import clone
from graceroll.clock import SystemClock
from graceroll.dataplane.choice import find_haproxy
from graceroll.dataplane.supervisor import supervised
from graceroll.proxy.service_proxy import ServiceProxy
from graceroll.store.memory import MemoryStore

from .fakes import BACKEND_PORT, HttpBackend

SERVICE_IP = "127.1.200.1"
PORT = 18080
URL = f"http://{SERVICE_IP}:{PORT}"


def backend_ip(n: int) -> str:
    return f"127.20.0.{n}"


NO_HAPROXY = pytest.mark.skipif(find_haproxy() is None, reason="haproxy is not installed (Debian package haproxy; .ci/run installs it)")


def service_port(mode: str) -> dict[str, Any]:
    """A Service port that gets ``mode``: L4 by appProtocol, HTTP by the mesh naming convention,
    auto (sniffed) without either."""
    if mode == "l4":
        return {"name": "web", "appProtocol": "tcp"}
    if mode == "http":
        return {"name": "http"}
    return {"name": "web"}


class World:
    def __init__(self, mode: str, plane: str = "in-process") -> None:
        self.mode = mode
        self.clock = SystemClock()
        self.store = MemoryStore(self.clock)
        self._dir = tempfile.TemporaryDirectory(prefix="graceroll-proxy-")
        process = None if plane == "in-process" else supervised(plane, Path(self._dir.name), self.clock, find_haproxy())
        self.proxy = ServiceProxy(self.store, self.clock, process)
        self.backends: dict[str, HttpBackend] = {}
        self.add_service("web", SERVICE_IP, PORT, mode)

    def add_service(self, name: str, ip: str, port: int, mode: str, node_port: int | None = None) -> None:
        sp: dict[str, Any] = {**service_port(mode), "port": port, "protocol": "TCP", "targetPort": "http"}
        spec: dict[str, Any] = {"clusterIP": ip, "ports": [sp], "selector": {"app": name}}
        if node_port:
            sp["nodePort"] = node_port
            spec["type"] = "NodePort"
        self.store.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"}, "spec": spec})
        self.store.create(
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {"name": f"{name}-abcde", "namespace": "default", "labels": {"kubernetes.io/service-name": name}},
                "addressType": "IPv4",
                "ports": [{"name": sp["name"], "port": BACKEND_PORT, "protocol": "TCP"}],
                "endpoints": [],
            }
        )

    async def set_endpoints(self, ready: Iterable[str], terminating: Iterable[str] = (), service: str = "web") -> None:
        """Rewrite the slice as the endpoints controller would, and let the proxy catch up."""
        s = clone(self.store.get("EndpointSlice", "default", f"{service}-abcde"))
        s["endpoints"] = [{"addresses": [ip], "conditions": {"ready": True, "serving": True, "terminating": False}} for ip in ready] + [
            {"addresses": [ip], "conditions": {"ready": False, "serving": True, "terminating": True}} for ip in terminating
        ]
        self.store.update(s)
        await self.proxy.wait_synced()

    async def add_backend(self, ip: str) -> HttpBackend:
        b = self.backends[ip] = await HttpBackend(ip).start()
        return b

    async def close(self) -> None:
        await self.proxy.stop()
        for b in self.backends.values():
            await b.stop()
        self._dir.cleanup()


@pytest_asyncio.fixture(params=["l4", "http", "auto"])
async def world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    """The Service in L4 mode, in HTTP mode, and sniffed."""
    w = World(request.param)
    await w.proxy.start()
    try:
        yield w
    finally:
        await w.close()


@pytest_asyncio.fixture(
    params=[
        ("in-process", "l4"),
        ("in-process", "http"),
        ("in-process", "auto"),
        ("builtin", "l4"),
        ("builtin", "http"),
        ("builtin", "auto"),
        pytest.param(("haproxy", "l4"), marks=NO_HAPROXY),
        pytest.param(("haproxy", "http"), marks=NO_HAPROXY),
        pytest.param(("haproxy", "auto"), marks=NO_HAPROXY),
    ],
    ids=lambda p: "-".join(p),
)
async def any_world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    """The guarantees every data plane gives: in-process, the built-in process, HAProxy; L4, HTTP and sniffed."""
    plane, mode = request.param
    w = World(mode, plane)
    await w.proxy.start()
    try:
        yield w
    finally:
        await w.close()


@pytest_asyncio.fixture
async def l4_world() -> AsyncIterator[World]:
    w = World("l4")
    await w.proxy.start()
    try:
        yield w
    finally:
        await w.close()


@pytest_asyncio.fixture(params=["http", "auto"])
async def http_world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    """HTTP handling: on an http-named port, and sniffed on an unnamed one."""
    w = World(request.param)
    await w.proxy.start()
    try:
        yield w
    finally:
        await w.close()


def session(keepalive: bool = True) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(force_close=not keepalive), timeout=aiohttp.ClientTimeout(total=5)
    )


async def fetch(n: int, keepalive: bool = False, path: str = "/") -> list[str]:
    """``n`` sequential GETs through the Service, each on a new connection unless ``keepalive``."""
    out = []
    async with session(keepalive) as s:
        for _ in range(n):
            async with s.get(URL + path) as r:
                assert r.status == 200, await r.text()
                out.append(await r.text())
    return out
