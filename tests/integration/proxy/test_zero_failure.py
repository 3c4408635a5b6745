"""A rollout seen from the clients: backends added, drained and stopped one by one, no request lost —
through every data plane."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from .conftest import World, backend_ip
from .load import Load

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def test_no_request_fails_while_backends_are_replaced_one_by_one(any_world: World) -> None:
    world = any_world
    ips = [backend_ip(i) for i in range(1, 8)]
    live = ips[:3]
    for ip in live:
        await world.add_backend(ip)
    await world.set_endpoints(live)
    load = Load()
    load.start()
    try:
        await load.more(50)
        for step, new in enumerate(ips[3:]):
            await world.add_backend(new)  # surge: the new pod becomes ready
            live = [*live, new]
            await world.set_endpoints(live)
            old, live = live[0], live[1:]
            drain: Callable[[], Awaitable[bool]] = lambda old=old: world.proxy.drained(old, timeout=5)  # type: ignore[misc]
            if step % 2:  # the node agent may drain before the EndpointSlice says "terminating" ...
                assert await drain()
                await world.set_endpoints(live, terminating=[old])
            else:  # ... or after
                await world.set_endpoints(live, terminating=[old])
                assert await drain()
            gone = world.backends[old]
            seen = gone.hits if world.mode != "l4" else gone.accepted
            await load.more(50)  # the drained pod still runs: no new request (HTTP) or connection (L4) for it
            assert (gone.hits if world.mode != "l4" else gone.accepted) == seen
            await gone.stop(grace=0.5)  # SIGTERM: it closes its kept-alive connections
            await world.set_endpoints(live)  # the pod is gone
            await load.more(50)
    finally:
        await load.stop()
    assert load.failures == []
    assert set(load.answers) == set(ips)  # every backend served, the old ones before they went
    assert load.total > 500
