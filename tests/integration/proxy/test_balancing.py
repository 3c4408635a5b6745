"""Both modes: which backends get new work, and what ``drained()`` promises the node agent (the
guarantees on every data plane; the draining marks and listeners of the in-process form)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from .conftest import PORT, SERVICE_IP, World, backend_ip, fetch

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(40)]


async def test_new_connections_rotate_over_ready_backends_only(any_world: World) -> None:
    world = any_world
    for i in (1, 2, 3, 4):
        await world.add_backend(backend_ip(i))
    await world.set_endpoints([backend_ip(1), backend_ip(2), backend_ip(3)], terminating=[backend_ip(4)])
    assert Counter(await fetch(9)) == {backend_ip(1): 3, backend_ip(2): 3, backend_ip(3): 3}
    assert world.backends[backend_ip(4)].accepted == 0


async def test_a_backend_that_refuses_is_skipped_without_a_client_error(any_world: World) -> None:
    world = any_world
    await world.add_backend(backend_ip(1))
    await world.set_endpoints([backend_ip(1), backend_ip(9)])  # nothing listens on .9
    assert set(await fetch(6)) == {backend_ip(1)}


async def test_after_drained_returns_no_new_work_reaches_the_backend(any_world: World) -> None:
    world = any_world
    for i in (1, 2):
        await world.add_backend(backend_ip(i))
    await world.set_endpoints([backend_ip(1), backend_ip(2)])  # the slice still lists .1 as ready
    await fetch(4, keepalive=True)
    await fetch(4)
    assert await world.proxy.drained(backend_ip(1), timeout=2) is True
    drained = world.backends[backend_ip(1)]
    hits, accepted = drained.hits, drained.accepted
    assert set(await fetch(10) + await fetch(10, keepalive=True)) == {backend_ip(2)}
    assert (drained.hits, drained.accepted) == (hits, accepted)


async def test_the_draining_mark_goes_when_the_address_leaves_every_slice(world: World) -> None:
    for i in (1, 2):
        await world.add_backend(backend_ip(i))
    await world.set_endpoints([backend_ip(1), backend_ip(2)])
    assert await world.proxy.drained(backend_ip(1), timeout=2)
    await world.set_endpoints([backend_ip(2)], terminating=[backend_ip(1)])
    assert world.proxy.draining.is_draining(backend_ip(1))
    await world.set_endpoints([backend_ip(2)])
    assert not world.proxy.draining.is_draining(backend_ip(1))
    await world.set_endpoints([backend_ip(1), backend_ip(2)])  # a pod came back on the same address
    assert set(await fetch(4)) == {backend_ip(1), backend_ip(2)}


async def test_drained_waits_for_a_connection_attempt_in_progress(world: World) -> None:
    attempt = world.proxy.draining.begin(backend_ip(1))
    assert await world.proxy.drained(backend_ip(1), timeout=0.05) is False
    attempt.end()
    assert await world.proxy.drained(backend_ip(1), timeout=0) is True


async def test_only_endpoints_of_the_port_name_are_used(any_world: World) -> None:
    world = any_world
    await world.add_backend(backend_ip(1))
    s = dict(world.store.get("EndpointSlice", "default", "web-abcde"))
    other = {
        **s,
        "metadata": {**s["metadata"], "name": "web-fghij", "resourceVersion": None, "uid": None},
        "ports": [{"name": "metrics", "port": 9090, "protocol": "TCP"}],
        "endpoints": [{"addresses": [backend_ip(7)], "conditions": {"ready": True}}],
    }
    world.store.create(other)
    await world.set_endpoints([backend_ip(1)])
    assert set(await fetch(4)) == {backend_ip(1)}


async def test_a_client_waiting_for_a_backend_gets_the_one_that_becomes_ready(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = world.proxy.listeners[(SERVICE_IP, PORT)].pool
    waiting = asyncio.Event()
    wait_for_candidates = pool.wait_for_candidates

    async def spy(timeout: float, pinned: bool = False) -> list[tuple[str, int]]:
        waiting.set()
        return await wait_for_candidates(timeout, pinned)

    monkeypatch.setattr(pool, "wait_for_candidates", spy)
    await world.add_backend(backend_ip(1))
    client = asyncio.create_task(fetch(1))
    await asyncio.wait_for(waiting.wait(), 2)
    await world.set_endpoints([backend_ip(1)])
    assert await asyncio.wait_for(client, 3) == [backend_ip(1)]
