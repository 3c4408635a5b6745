"""Round-robin over usable backends, draining marks, waiting for a backend to appear, and the
canary/other groups of a traffic split."""

from __future__ import annotations

import asyncio

import pytest

from graceroll.proxy.draining import Draining
from graceroll.proxy.pool import Pool
from graceroll.proxy.split import HeaderMatch, HeaderRoute, Split

A, B, C = ("127.10.0.1", 80), ("127.10.0.2", 80), ("127.10.0.3", 80)


def test_candidates_start_one_further_each_time() -> None:
    pool = Pool(Draining(), (A, B, C))
    assert [pool.candidates()[0] for _ in range(4)] == [A, B, C, A]
    assert pool.candidates() == [B, C, A]  # the rest are the fallbacks, in order


def test_draining_backends_are_never_candidates_and_the_mark_can_go() -> None:
    draining = Draining()
    pool = Pool(draining, (A, B))
    draining.mark(A[0])
    assert [pool.candidates() for _ in range(2)] == [[B], [B]]
    draining.forget_except({B[0]})
    assert A in pool.candidates()


def test_a_new_backend_list_keeps_the_cursor() -> None:
    pool = Pool(Draining(), (A, B))
    pool.candidates()
    pool.update((A, B, C))
    assert pool.candidates()[0] == B


@pytest.mark.asyncio
async def test_waiting_for_candidates_ends_with_the_route_change_or_the_timeout() -> None:
    pool = Pool(Draining())
    assert await pool.wait_for_candidates(0) == []
    assert await pool.wait_for_candidates(0.01) == []
    waiting = asyncio.create_task(pool.wait_for_candidates(5))
    await asyncio.sleep(0)  # let it start waiting
    pool.update((A,))
    assert await asyncio.wait_for(waiting, 1) == [A]


@pytest.mark.asyncio
async def test_attempts_hold_wait_idle_until_the_last_one_ends() -> None:
    draining = Draining()
    first, second = draining.begin(A[0]), draining.begin(A[0])
    idle = asyncio.create_task(draining.wait_idle(A[0]))
    first.end()
    first.end()  # ending twice counts once
    await asyncio.sleep(0)
    assert not idle.done() and not draining.is_idle(A[0])
    second.end()
    await asyncio.wait_for(idle, 1)
    assert draining.is_idle(A[0])
    with draining.attempt(B[0]):
        assert not draining.is_idle(B[0])
    assert draining.is_idle(B[0])


# -- traffic splits


def split_pool(backends: tuple[tuple[str, int], ...], canary: tuple[tuple[str, int], ...], weight: int | None, draining: Draining | None = None, pinning: bool = False) -> Pool:
    routes = (HeaderRoute("beta", (HeaderMatch("X-Canary", "exact", "1"),)),) if pinning else ()
    return Pool(draining or Draining(), backends, Split("web-2", canary, weight, routes))


TEN = tuple((f"127.10.0.{i}", 80) for i in range(1, 11))


@pytest.mark.parametrize("weight", [0, 10, 50, 90, 100])
def test_the_weight_is_the_canary_share_whatever_the_pod_counts(weight: int) -> None:
    pool = split_pool(TEN, TEN[:1], weight)
    firsts = [pool.candidates()[0] for _ in range(2000)]
    assert firsts.count(TEN[0]) == 20 * weight
    others = [f for f in firsts if f != TEN[0]]
    assert all(abs(others.count(b) - len(others) / 9) <= 1 for b in TEN[1:])  # round-robin inside the group


def test_the_other_group_follows_as_the_fallback() -> None:
    pool = split_pool((A, B, C), (A,), 100)
    assert pool.candidates() == [A, B, C]
    assert split_pool((A, B, C), (A,), 0).candidates() == [B, C, A]


def test_an_empty_or_draining_side_gives_its_share_to_the_other() -> None:
    draining = Draining()
    pool = split_pool((A, B), (A,), 50, draining)
    draining.mark(A[0])
    assert {pool.candidates()[0] for _ in range(10)} == {B}
    draining.mark(B[0])
    assert pool.candidates() == []
    lonely = split_pool((B,), (), 90)  # no canary pod ready yet
    assert [lonely.candidates() for _ in range(3)] == [[B], [B], [B]]


def test_pinned_requests_go_to_the_canary_and_fall_back_to_the_rest() -> None:
    draining = Draining()
    pool = split_pool((A, B, C), (C,), None, draining, pinning=True)
    assert pool.pins is not None and pool.pins([(b"x-canary", b"1")]) and not pool.pins([(b"x-canary", b"2")])
    assert [pool.candidates(pinned=True)[0] for _ in range(3)] == [C, C, C]
    assert {pool.candidates()[0] for _ in range(3)} == {A, B, C}  # no weight: plain balancing for the rest
    draining.mark(C[0])
    assert pool.candidates(pinned=True) == [A, B]


def test_new_backends_join_their_group_and_the_rotation_goes_on() -> None:
    pool = split_pool((A, B), (A,), 50)
    before = [pool.candidates()[0] for _ in range(4)]
    pool.update((A, B, C), Split("web-2", (A,), 50))
    after = [pool.candidates()[0] for _ in range(4)]
    assert before.count(A) == 2 and after.count(A) == 2 and C in after
    pool.update((A, B, C), None)
    assert pool.split is None and pool.pins is None and {pool.candidates()[0] for _ in range(3)} == {A, B, C}
