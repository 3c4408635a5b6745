"""Pure decisions of the ReplicaSet controller: how many pods to add, which to delete, the status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graceroll.api.meta import Obj
from graceroll.controllers import podutil, ranking


@dataclass(frozen=True)
class ScalePlan:
    create: int = 0
    delete: tuple[Obj, ...] = ()


def plan_scale(desired: int, active: list[Obj], now: float, related: list[Obj] | None = None) -> ScalePlan:
    """Create the shortfall, or delete the surplus starting from the cheapest pods to lose
    (``ranking``; ``related``: the active pods of every ReplicaSet of the same owner, for the rank).

    Upstream caps one sync at 500 creations (``burstReplicas``) to spare the API server; here
    writes are local, so the whole difference is acted on at once. Only the timing within one
    instant differs, never the outcome.
    """
    diff = len(active) - desired
    if diff < 0:
        return ScalePlan(create=-diff)
    if diff >= len(active) and diff > 0:
        return ScalePlan(delete=tuple(active))  # all of them: no need to rank (getPodsToDelete)
    if diff > 0:
        order = ranking.order_for_deletion(active, ranking.ranks(active, related if related is not None else active), now)
        return ScalePlan(delete=tuple(active[i] for i in order[:diff]))
    return ScalePlan()


@dataclass(frozen=True)
class StatusPlan:
    status: dict[str, Any]
    requeue_after: float | None  # when the next not-yet-available ready pod turns available


def plan_status(rs: Obj, active: list[Obj], now: float, terminating: int = 0) -> StatusPlan:
    """calculateStatus over the active pods; ``terminating``: owned pods with a deletionTimestamp
    that have not finished (``status.terminatingReplicas``, gate DeploymentReplicaSetTerminatingReplicas,
    beta and on by default since Kubernetes 1.35)."""
    min_ready = int(rs["spec"].get("minReadySeconds") or 0)
    template_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
    ready = available = labelled = 0
    next_available: float | None = None
    for pod in active:
        pod_labels = pod["metadata"].get("labels") or {}
        if all(pod_labels.get(k) == v for k, v in template_labels.items()):
            labelled += 1
        at = podutil.available_at(pod, min_ready)
        if at is None:
            continue
        ready += 1
        if min_ready == 0 or at <= now:
            available += 1
        elif next_available is None or at < next_available:
            next_available = at
    old = rs.get("status") or {}
    status: dict[str, Any] = {
        "replicas": len(active),
        "fullyLabeledReplicas": labelled,
        "readyReplicas": ready,
        "availableReplicas": available,
        "terminatingReplicas": terminating,
        "observedGeneration": int(rs["metadata"].get("generation", 0)),
    }
    if old.get("conditions"):
        status["conditions"] = old["conditions"]
    return StatusPlan(status, None if next_available is None else next_available - now)
