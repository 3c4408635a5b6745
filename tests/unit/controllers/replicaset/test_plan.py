"""ReplicaSet decisions: how many pods to add, which to delete first, and the status counts."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.clock import format_time, parse_time
from graceroll.controllers.replicaset.plan import plan_scale, plan_status

T0 = parse_time("2026-01-01T00:00:00Z")
NOW = T0 + 3600


def pod(name: str, phase: str = "Running", ready_at: float | None = None, created: float = T0, restarts: int = 0, node: str = "n", cost: int | None = None) -> dict[str, Any]:
    conditions = []
    if ready_at is not None:
        conditions.append({"type": "Ready", "status": "True", "lastTransitionTime": format_time(ready_at)})
    md: dict[str, Any] = {"name": name, "creationTimestamp": format_time(created), "labels": {"app": "x"}}
    if cost is not None:
        md["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": str(cost)}
    return {
        "metadata": md,
        "spec": {"nodeName": node} if node else {},
        "status": {"phase": phase, "conditions": conditions, "containerStatuses": [{"restartCount": restarts}]},
    }


def test_shortfall_is_created_at_once() -> None:
    assert plan_scale(5, [pod("a")], NOW).create == 4


@pytest.mark.parametrize(
    "victim, keeper",
    [
        pytest.param(pod("v", node=""), pod("k"), id="unscheduled before scheduled"),
        pytest.param(pod("v", phase="Pending"), pod("k"), id="pending before running"),
        pytest.param(pod("v", phase="Unknown"), pod("k"), id="unknown before running"),
        pytest.param(pod("v"), pod("k", ready_at=T0), id="not ready before ready"),
        pytest.param(pod("v", ready_at=T0, cost=-5), pod("k", ready_at=T0), id="lower deletion cost first"),
        pytest.param(pod("v", ready_at=T0 + 3000), pod("k", ready_at=T0), id="ready for less time first (10 min against 1 h)"),
        pytest.param(pod("v", ready_at=T0, restarts=3), pod("k", ready_at=T0), id="more restarts first"),
        pytest.param(pod("v", ready_at=T0, created=T0 + 3000), pod("k", ready_at=T0), id="newer first (10 min against 1 h)"),
    ],
)
def test_surplus_deletes_the_cheapest_pod_first(victim: dict[str, Any], keeper: dict[str, Any]) -> None:
    for order in ([victim, keeper], [keeper, victim]):
        plan = plan_scale(1, order, NOW)
        assert [p["metadata"]["name"] for p in plan.delete] == ["v"]


def test_status_counts_ready_and_available_with_min_ready_seconds() -> None:
    rs = {"metadata": {"generation": 3}, "spec": {"minReadySeconds": 10, "template": {"metadata": {"labels": {"app": "x"}}}}}
    pods = [pod("a", ready_at=T0), pod("b", ready_at=T0 + 8), pod("c")]
    plan = plan_status(rs, pods, T0 + 12)
    assert plan.status == {
        "replicas": 3,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 2,
        "availableReplicas": 1,
        "terminatingReplicas": 0,
        "observedGeneration": 3,
    }
    assert plan.requeue_after == pytest.approx(6)
