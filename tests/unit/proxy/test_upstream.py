"""Connections to one pod: reused while it serves, closed idle-first when it is retired."""

from __future__ import annotations

import asyncio

import pytest

from graceroll.proxy import upstream
from graceroll.proxy.upstream import Connection, Upstream, Upstreams

pytestmark = pytest.mark.asyncio

ADDRESS = ("127.10.0.1", 8080)


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.closing = False

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        pass


def busy(up: Upstream) -> Connection:
    """A connection as ``Upstream.connect`` hands it out, without a network."""
    conn = Connection(up)
    conn.connection_made(FakeTransport())
    up.busy.add(conn)
    return conn


async def test_a_connection_given_back_whole_is_reused_and_a_broken_one_closed() -> None:
    up = Upstream(ADDRESS)
    conn = busy(up)
    up.give_back(conn, reusable=True)
    assert up.take() is conn and up.busy == {conn}
    up.give_back(conn, reusable=False)
    assert conn.closed and up.idle == [] and up.busy == set()


async def test_a_fresh_take_passes_idle_connections_by() -> None:
    up = Upstream(ADDRESS)
    up.give_back(busy(up), reusable=True)
    assert up.take(fresh=True) is None  # the caller connects anew
    assert len(up.idle) == 1


async def test_an_idle_connection_past_the_keepalive_is_closed_not_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    up = Upstream(ADDRESS)
    old = busy(up)
    up.give_back(old, reusable=True)
    monkeypatch.setattr(upstream, "KEEPALIVE", -1.0)
    assert up.take() is None and old.closed


async def test_a_connection_that_closed_while_idle_leaves_the_pool() -> None:
    up = Upstream(ADDRESS)
    conn = busy(up)
    up.give_back(conn, reusable=True)
    conn.connection_lost(None)
    assert up.idle == [] and up.take() is None


async def test_retiring_closes_idle_connections_now_and_busy_ones_when_given_back() -> None:
    ups = Upstreams()
    up = ups.get(ADDRESS)
    in_flight, idle = busy(up), busy(up)
    up.give_back(idle, reusable=True)
    await ups.retire(ADDRESS[0])
    assert idle.closed and not in_flight.closed
    up.give_back(in_flight, reusable=True)
    assert in_flight.closed and up.idle == []
    assert ups.get(ADDRESS) is not up  # a pod back on that address starts afresh
    await ups.close()


async def test_idle_connections_beyond_the_cap_are_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upstream, "MAX_IDLE", 1)
    up = Upstream(ADDRESS)
    first, second = busy(up), busy(up)
    up.give_back(first, reusable=True)
    up.give_back(second, reusable=True)
    assert up.idle == [first] and second.closed
    up.close()
