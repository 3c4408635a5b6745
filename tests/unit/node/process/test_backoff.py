"""CrashLoopBackOff delays follow the kubelet: first restart at once, then 10 s doubling to 300 s."""

from __future__ import annotations

import pytest

from graceroll.node.process.backoff import Backoff, BackoffPolicy


def crash_loop(run_for: float, crashes: int, policy: BackoffPolicy = BackoffPolicy()) -> list[float]:
    """Restart instants of a container that exits ``run_for`` seconds after each start (first start at 0)."""
    b, t, restarts = Backoff(policy), 0.0, []
    for _ in range(crashes):
        finished = t + run_for
        t = finished + b.remaining(finished, finished)
        b.restarted(finished, t)
        restarts.append(t)
    return restarts


def test_first_exit_restarts_at_once_then_waits_double_each_time() -> None:
    assert crash_loop(1, 5) == [1, 12, 33, 74, 155]


def test_delay_stops_growing_at_the_cap() -> None:
    gaps = [b - a - 1 for a, b in zip(crash_loop(1, 10), crash_loop(1, 10)[1:], strict=False)]
    assert gaps == [10, 20, 40, 80, 160, 300, 300, 300, 300]


def test_remaining_counts_from_when_the_container_finished() -> None:
    b = Backoff(BackoffPolicy())
    b.restarted(finished_at=1, now=1)
    assert b.remaining(finished_at=5, now=5) == 10
    assert b.remaining(finished_at=5, now=12) == 3
    assert b.remaining(finished_at=5, now=20) == 0


@pytest.mark.parametrize(
    "ran_for, waits",
    [
        pytest.param(600, 10, id="exactly 10 minutes is still a crash loop"),
        pytest.param(601, 0, id="more than 10 minutes counts as stable: restart at once"),
    ],
)
def test_back_off_resets_after_ten_minutes_of_running(ran_for: float, waits: float) -> None:
    b = Backoff(BackoffPolicy())
    b.restarted(finished_at=0, now=0)
    b.restarted(finished_at=1, now=11)  # armed 20 s
    assert b.remaining(finished_at=11 + ran_for, now=11 + ran_for) == (20 if waits else 0)
    b.restarted(finished_at=11 + ran_for, now=11 + ran_for)
    assert b.delay == (40 if waits else 10)


def test_short_policy_scales_the_same_way() -> None:
    assert crash_loop(0, 4, BackoffPolicy(initial=0.5, cap=1.0)) == [0, 0.5, 1.5, 2.5]
