"""Round-robin over usable backends, draining marks, and waiting for a backend to appear."""

from __future__ import annotations

import asyncio

import pytest

from graceroll.proxy.draining import Draining
from graceroll.proxy.pool import Pool

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
