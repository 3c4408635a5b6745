"""Deletion order of a ReplicaSet's pods: upstream's ActivePodsWithRanks with LogarithmicScaleDown.

Vectors: kubernetes/kubernetes:pkg/controller/controller_utils_test.go ``TestSortingActivePodsWithRanks``
(equality and inequality rows; the rows with a gate disabled are left out: PodDeletionCost and
LogarithmicScaleDown are GA) and ``TestSortingActivePods`` (its expected order, every pod of equal rank).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from graceroll.clock import format_time, parse_time
from graceroll.controllers import ranking

NOW = parse_time("2026-03-01T12:00:00Z")
MONTH = NOW - 31 * 86400
H2, H5, H8 = NOW - 2 * 3600, NOW - 5 * 3600, NOW - 8 * 3600
ZERO = None

Obj = dict[str, Any]


def pod(name: str, node: str, phase: str, ready: bool, restarts: int, ready_since: float | None, created: float | None, cost: str | None = None) -> Obj:
    md: Obj = {"name": name}
    if created is not None:
        md["creationTimestamp"] = format_time(created)
    if cost is not None:
        md["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": cost}
    status: Obj = {"phase": phase}
    if ready:
        c: Obj = {"type": "Ready", "status": "True"}
        if ready_since is not None:
            c["lastTransitionTime"] = format_time(ready_since)
        status["conditions"] = [c]
        status["containerStatuses"] = [{"restartCount": restarts}]
    return {"metadata": md, "spec": {"nodeName": node} if node else {}, "status": status}


unscheduled = pod("unscheduled", "", "Pending", False, 0, ZERO, ZERO)
scheduled_pending = pod("pending", "node", "Pending", False, 0, ZERO, ZERO)
unknown_phase = pod("unknown-phase", "node", "Unknown", False, 0, ZERO, ZERO)
not_ready = pod("not-ready", "node", "Running", False, 0, ZERO, ZERO)
ready_no_time = pod("ready-no-last-transition-time", "node", "Running", True, 0, ZERO, ZERO)
ready_now = pod("ready-now", "node", "Running", True, 0, NOW, NOW)
ready_then = pod("ready-then", "node", "Running", True, 0, MONTH, MONTH)
ready_high_restarts = pod("ready-high-restarts", "node", "Running", True, 9001, NOW, NOW)
ready_now_created_then = pod("ready-now-created-then", "node", "Running", True, 0, NOW, MONTH)
low_cost = pod("low-deletion-cost", "node", "Running", True, 0, NOW, MONTH, "10")
high_cost = pod("high-deletion-cost", "node", "Running", True, 0, NOW, MONTH, "100")
unscheduled_5h = pod("unscheduled-5-hours", "", "Pending", False, 0, H5, H5)
unscheduled_8h = pod("unscheduled-10-hours", "", "Pending", False, 0, H8, H8)
ready_2h = pod("ready-2-hours", "", "Running", True, 0, H2, MONTH)
ready_5h = pod("ready-5-hours", "", "Running", True, 0, H5, MONTH)
ready_8h = pod("ready-10-hours", "", "Running", True, 0, H8, MONTH)


def less(a: Obj, ra: int, b: Obj, rb: int) -> bool:
    return ranking.order_for_deletion([a, b], [ra, rb], NOW) == [0, 1] and ranking.order_for_deletion([b, a], [rb, ra], NOW) == [1, 0]


@pytest.mark.parametrize(
    "p1, p2",
    [
        (unscheduled, None),
        (scheduled_pending, None),
        (unknown_phase, None),
        (not_ready, None),
        (ready_now_created_then, None),
        (ready_now, None),
        (ready_then, None),
        (ready_high_restarts, None),
        (unscheduled_5h, unscheduled_8h),
        (ready_5h, ready_8h),
    ],
)
def test_equivalent_pods(p1: Obj, p2: Obj | None) -> None:
    """Neither comes first (upstream's Less is false both ways)."""
    p2 = p2 or p1
    k1, k2 = ranking.deletion_keys([p1, p2], [1, 1], NOW)
    assert k1 == k2


@pytest.mark.parametrize(
    "lesser, lr, greater, gr",
    [
        (unscheduled, 1, scheduled_pending, 2),
        (unscheduled, 2, scheduled_pending, 1),
        (scheduled_pending, 1, unknown_phase, 2),
        (unknown_phase, 1, not_ready, 2),
        (not_ready, 1, ready_no_time, 1),
        (ready_no_time, 1, ready_now, 1),
        (ready_now, 2, ready_no_time, 1),
        (ready_now, 1, ready_then, 1),
        (ready_now, 2, ready_then, 1),
        (ready_high_restarts, 1, ready_now, 1),
        (ready_now, 2, ready_high_restarts, 1),
        (ready_now, 1, ready_now_created_then, 1),
        (ready_now_created_then, 2, ready_now, 1),
        (low_cost, 2, high_cost, 1),
        (ready_2h, 1, ready_5h, 1),
    ],
)
def test_deleted_first(lesser: Obj, lr: int, greater: Obj, gr: int) -> None:
    assert less(lesser, lr, greater, gr)


def test_sorting_active_pods_order() -> None:
    then = NOW - 3600
    pods = [
        pod("unscheduled", "", "Pending", False, 0, ZERO, ZERO),
        pod("scheduledButPending", "foo", "Pending", False, 0, ZERO, ZERO),
        pod("unknownPhase", "foo", "Unknown", False, 0, ZERO, ZERO),
        pod("runningButNotReady", "foo", "Running", False, 0, ZERO, ZERO),
        pod("runningNoLastTransitionTime", "foo", "Running", True, 3, ZERO, ZERO),
        pod("runningWithLastTransitionTime", "foo", "Running", True, 3, NOW, ZERO),
        pod("runningLongerTime", "foo", "Running", True, 3, then, ZERO),
        pod("lowerContainerRestartCount", "foo", "Running", True, 2, then, NOW),
        pod("oldest", "foo", "Running", True, 2, then, then),
    ]
    want = [p["metadata"]["name"] for p in pods]
    for perm in itertools.islice(itertools.permutations(range(len(pods))), 0, 40000, 997):
        shuffled = [pods[i] for i in perm]
        got = [shuffled[i]["metadata"]["name"] for i in ranking.order_for_deletion(shuffled, [1] * len(pods), NOW)]
        assert got == want


def test_a_bucket_of_distinct_ready_times_is_ordered_by_uid() -> None:
    """Ready 3 h and 5 h ago share a bucket: upstream then compares uids, not the times."""
    a = pod("a", "n", "Running", True, 0, NOW - 3 * 3600 - 1800, MONTH)
    b = pod("b", "n", "Running", True, 0, NOW - 3 * 3600, MONTH)
    a["metadata"]["uid"], b["metadata"]["uid"] = "1", "2"
    assert ranking.order_for_deletion([b, a], [1, 1], NOW) == [1, 0]


def test_rank_counts_related_active_pods_on_the_same_node() -> None:
    p = [pod("x", "n1", "Running", True, 0, NOW, NOW), pod("y", "n2", "Running", True, 0, NOW, NOW)]
    related = p + [pod("z", "n2", "Running", True, 0, NOW, NOW)]
    assert ranking.ranks(p, related) == [1, 2]
    assert ranking.order_for_deletion(p, ranking.ranks(p, related), NOW) == [1, 0]  # the doubled-up node first
