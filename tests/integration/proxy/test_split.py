"""Traffic splits on every data plane (in-process, the built-in process, HAProxy) and every mode:
the weight is the canary's share of requests (HTTP) or new connections (L4, and sniffed), header
routes pin HTTP requests to the canary, and each revision's counters equal what reached it."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from graceroll.api.meta import clone
from graceroll.metrics.traffic import TrafficSample

from .conftest import URL, World, backend_ip

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

CANARY, STABLE = backend_ip(1), backend_ip(2)
COUNTER_WAIT = 10.0


def cloneset_with_pods(world: World) -> None:
    """A CloneSet owning two pods, one per revision, both ready endpoints of the Service."""
    cs = world.store.create({"apiVersion": "apps.kruise.io/v1alpha1", "kind": "CloneSet", "metadata": {"name": "web", "namespace": "default"}, "spec": {}})
    ref = {"apiVersion": "apps.kruise.io/v1alpha1", "kind": "CloneSet", "name": "web", "uid": cs["metadata"]["uid"], "controller": True}
    for name, revision in (("web-new", "web-2"), ("web-old", "web-1")):
        md = {"name": name, "namespace": "default", "labels": {"controller-revision-hash": revision}, "ownerReferences": [ref]}
        world.store.create({"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": {"containers": [{"name": "app", "image": "x"}]}})
    s = clone(world.store.get("EndpointSlice", "default", "web-abcde"))
    s["endpoints"] = [
        {"addresses": [ip], "conditions": {"ready": True}, "targetRef": {"kind": "Pod", "namespace": "default", "name": pod}} for ip, pod in ((CANARY, "web-new"), (STABLE, "web-old"))
    ]
    world.store.update(s)


async def set_routing(world: World, routing: dict[str, Any] | None) -> None:
    cs = clone(world.store.get("CloneSet", "default", "web"))
    cs["status"] = {"trafficRouting": routing}
    world.store.update_status(cs)
    await world.proxy.wait_synced()


async def answers(n: int, headers: dict[str, str] | None = None) -> list[str]:
    """``n`` GETs, each on a new connection (so L4 balances each one too)."""
    out = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True), timeout=aiohttp.ClientTimeout(total=5)) as s:
        for _ in range(n):
            async with s.get(URL, headers=headers or {}) as r:
                assert r.status == 200
                out.append(await r.text())
    return out


async def counted(world: World, want: dict[str, int]) -> dict[str, int]:
    """The data plane's requests per revision, once they equal ``want`` (HAProxy's arrive by log)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + COUNTER_WAIT
    while True:
        samples: list[TrafficSample] = await world.proxy.plane.traffic()  # type: ignore[attr-defined]
        got = {s.revision: s.requests for s in samples if s.service == "web"}
        if got == want or loop.time() > deadline:
            return got
        await asyncio.sleep(0.1)  # the counts come from another process; nothing to await


async def test_the_weight_is_the_canary_share_and_header_routes_pin(any_world: World) -> None:
    world = any_world
    for ip in (CANARY, STABLE):
        await world.add_backend(ip)
    cloneset_with_pods(world)
    await set_routing(world, {"canaryRevision": "web-2", "weight": 20, "headerRoutes": [{"name": "beta", "match": [{"headerName": "X-Canary", "headerValue": {"exact": "1"}}]}]})
    got = await answers(200)
    assert abs(got.count(CANARY) - 40) <= 1, f"{got.count(CANARY)} of 200 went to the canary at weight 20"
    total = {"web-2": got.count(CANARY), "web-1": got.count(STABLE)}
    if world.mode != "l4":
        pinned = await answers(20, {"X-Canary": "1"})
        assert pinned == [CANARY] * 20
        total["web-2"] += 20
    await set_routing(world, None)
    plain = await answers(20)
    assert plain.count(CANARY) == plain.count(STABLE) == 10  # round-robin again
    total = {rev: n + 10 for rev, n in total.items()}
    assert await counted(world, total) == total
    assert world.backends[CANARY].hits + world.backends[STABLE].hits == sum(total.values())
