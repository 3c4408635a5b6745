"""Lanes to one pod: reused while it serves, closed idle-first when it is retired."""

from __future__ import annotations

import pytest

from graceroll.proxy import upstream
from graceroll.proxy.upstream import Upstream, Upstreams

pytestmark = pytest.mark.asyncio

ADDRESS = ("127.10.0.1", 8080)


async def test_a_lane_given_back_whole_is_reused_and_a_broken_one_closed() -> None:
    up = Upstream(ADDRESS)
    lane = up.take()
    await up.give_back(lane, reusable=True)
    assert up.take() is lane and lane.served == 1
    await up.give_back(lane, reusable=False)
    assert lane.session.closed and up.idle == []
    await up.close()


async def test_a_fresh_take_passes_idle_lanes_by() -> None:
    up = Upstream(ADDRESS)
    idle = up.take()
    await up.give_back(idle, reusable=True)
    assert up.take(fresh=True) is not idle
    await up.close()


async def test_retiring_closes_idle_lanes_now_and_busy_ones_when_given_back() -> None:
    ups = Upstreams()
    up = ups.get(ADDRESS)
    busy, idle = up.take(), up.take()
    await up.give_back(idle, reusable=True)
    await ups.retire(ADDRESS[0])
    assert idle.session.closed and not busy.session.closed
    await up.give_back(busy, reusable=True)
    assert busy.session.closed and up.idle == []
    assert ups.get(ADDRESS) is not up  # a pod back on that address starts afresh
    await ups.close()


async def test_idle_lanes_beyond_the_cap_are_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upstream, "MAX_IDLE_LANES", 1)
    up = Upstream(ADDRESS)
    first, second = up.take(), up.take()
    await up.give_back(first, reusable=True)
    await up.give_back(second, reusable=True)
    assert up.idle == [first] and second.session.closed
    await up.close()
