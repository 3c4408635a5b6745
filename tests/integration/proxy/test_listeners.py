"""Listeners follow the store: opened, switched, closed, and retried when they could not bind."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from graceroll.api.meta import clone

from .conftest import PORT, SERVICE_IP, World, backend_ip, fetch

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]


async def refused(host: str, port: int) -> bool:
    try:
        _, w = await asyncio.wait_for(asyncio.open_connection(host, port), 2)
    except ConnectionRefusedError:
        return True
    w.close()
    return False


async def test_deleting_the_service_closes_its_listener(world: World) -> None:
    assert (SERVICE_IP, PORT) in world.proxy.listeners
    world.store.delete("Service", "default", "web")
    await world.proxy.wait_synced()
    assert world.proxy.listeners == {}
    assert await refused(SERVICE_IP, PORT)


async def test_a_service_created_later_gets_a_listener_on_its_address_and_node_port(world: World) -> None:
    node_port = _free_port("127.0.0.1")
    world.add_service("api", "127.1.200.2", 18090, world.mode, node_port=node_port)
    await world.proxy.wait_synced()
    assert {("127.1.200.2", 18090), ("127.0.0.1", node_port)} <= world.proxy.listeners.keys()
    assert not await refused("127.0.0.1", node_port)


async def test_switching_the_app_protocol_reopens_the_listener_in_the_other_mode(world: World) -> None:
    await world.add_backend(backend_ip(1))
    await world.set_endpoints([backend_ip(1)])
    svc = clone(world.store.get("Service", "default", "web"))
    svc["spec"]["ports"][0]["appProtocol"] = "tcp" if world.mode != "l4" else "http"
    world.store.update(svc)
    await world.proxy.wait_synced()
    assert world.proxy.listeners[(SERVICE_IP, PORT)].mode == ("l4" if world.mode != "l4" else "http")
    assert await fetch(2) == [backend_ip(1)] * 2


async def test_an_address_in_use_is_logged_and_retried_on_the_next_change(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    squatter = socket.socket()
    squatter.bind(("127.1.200.3", 18080))
    squatter.listen()
    try:
        with caplog.at_level(logging.WARNING, logger="graceroll.proxy"):
            world.add_service("busy", "127.1.200.3", 18080, world.mode)
            await world.proxy.wait_synced()
        assert ("127.1.200.3", 18080) not in world.proxy.listeners
        assert "cannot listen on 127.1.200.3:18080" in caplog.text
    finally:
        squatter.close()
    await world.set_endpoints([backend_ip(1)], service="busy")
    assert ("127.1.200.3", 18080) in world.proxy.listeners


async def test_stop_closes_listeners_and_open_connections_promptly(world: World) -> None:
    await world.add_backend(backend_ip(1))
    await world.set_endpoints([backend_ip(1)])
    r, w = await asyncio.wait_for(asyncio.open_connection(SERVICE_IP, PORT), 2)
    w.write(b"GET /slow HTTP/1.1\r\nHost: web\r\n\r\n")  # never answered
    await world.backends[backend_ip(1)].changes.until(lambda: world.backends[backend_ip(1)].hits == 1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(world.proxy.stop(), 5)
    assert loop.time() - started < 3
    assert await asyncio.wait_for(r.read(), 2) == b""  # our connection was closed
    w.close()
    assert await refused(SERVICE_IP, PORT)
    world.backends[backend_ip(1)].release.set()


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
