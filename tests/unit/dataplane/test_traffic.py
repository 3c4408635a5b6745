"""The engine's TrafficSource for its data plane: answers from memory, fetches at most once per
``MAX_AGE`` (joining a fetch in flight), keeps the last numbers when a fetch fails, and ``/metrics``
awaits a fresh copy."""

from __future__ import annotations

import asyncio

import pytest

from graceroll.dataplane import traffic
from graceroll.dataplane.traffic import PlaneTraffic
from graceroll.errors import GracerollError
from graceroll.metrics.traffic import TrafficCollector, TrafficSample

pytestmark = pytest.mark.asyncio


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        await asyncio.Event().wait()  # the keep-fresh loop is not under test here: it never wakes


class Plane:
    def __init__(self) -> None:
        self.fetches = 0
        self.fail = False
        self.release = asyncio.Event()
        self.release.set()

    async def traffic(self) -> list[TrafficSample]:
        self.fetches += 1
        await self.release.wait()
        if self.fail:
            raise GracerollError("the data plane does not answer")
        return [TrafficSample("default", "web", "web-2", self.fetches)]


async def test_a_read_answers_from_memory_and_starts_a_fetch_when_stale() -> None:
    clock, plane = Clock(), Plane()
    source = PlaneTraffic(plane, clock)
    assert source.samples() == []  # nothing fetched yet; a fetch starts
    await source.refresh()  # joins it
    assert plane.fetches == 1 and source.samples()[0].requests == 1
    await source.refresh()
    assert plane.fetches == 1  # fresh: no second fetch
    clock.t += traffic.MAX_AGE + 0.1
    await source.refresh()
    assert plane.fetches == 2 and source.samples()[0].requests == 2


async def test_concurrent_refreshes_share_one_fetch_and_a_failure_keeps_the_last_numbers() -> None:
    clock, plane = Clock(), Plane()
    source = PlaneTraffic(plane, clock)
    changes: list[int] = []
    source.on_change.append(lambda: changes.append(1))
    await source.refresh()
    clock.t += traffic.MAX_AGE + 0.1
    plane.release.clear()
    waiting = [asyncio.create_task(source.refresh()) for _ in range(3)]
    await asyncio.sleep(0)
    plane.release.set()
    await asyncio.gather(*waiting)
    assert plane.fetches == 2 and changes == [1, 1]
    plane.fail = True
    clock.t += traffic.MAX_AGE + 0.1
    await source.refresh()
    assert source.samples()[0].requests == 2 and changes == [1, 1]


async def test_the_collector_refreshes_the_sources_that_can_be_refreshed() -> None:
    clock, plane = Clock(), Plane()
    collector = TrafficCollector()
    collector.sources.append(PlaneTraffic(plane, clock))

    class Static:
        def samples(self) -> list[TrafficSample]:
            return [TrafficSample("default", "db", "", 7)]

    collector.sources.append(Static())
    await collector.refresh()
    assert [s.requests for s in collector.samples()] == [1, 7]
