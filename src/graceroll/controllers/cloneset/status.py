"""``cloneset_status.go``: the status computed over the active pods (reference §1.3).

``currentRevision`` follows ``updateRevision`` only once every pod is updated and there are
exactly ``spec.replicas`` of them (readiness not required): a partitioned rollout keeps the old
revision current, which is what a partition rollback would go back to.

Conditions are rebuilt each pass, as kruise's ``newStatus`` is: ``FailedScale``/``FailedUpdate``
when this pass met that error, and ``Progressing`` (``progress``). The status is written only when
``needs_write`` says so (kruise's ``inconsistentStatus``: a count, a revision, the selector, a
newer generation, or the Progressing status or reason changed). So a ``FailedUpdate`` stays in
the stored status until the next such write, as upstream, rather than going at the first pass
without the error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graceroll.api.kruise_v1alpha1 import label_selector_text
from graceroll.clock import format_time
from graceroll.controllers import podutil
from graceroll.controllers.cloneset import canary, progress
from graceroll.controllers.cloneset import pods as podfacts
from graceroll.controllers.cloneset.params import Params

Obj = dict[str, Any]
FAILED_SCALE = "FailedScale"
FAILED_UPDATE = "FailedUpdate"


@dataclass(frozen=True)
class StatusPlan:
    status: dict[str, Any]
    requeue_after: float | None  # when the next ready pod turns available (minReadySeconds)


def calculate(
    cs: Obj,
    p: Params,
    pods: Sequence[Obj],
    current_revision: str,
    update_revision: str,
    collision_count: int,
    now: float,
    errors: Sequence[tuple[str, str]] = (),
) -> StatusPlan:
    """The new status; ``errors``: (condition type, message) for each error this pass met."""
    ready = available = updated = updated_ready = updated_available = 0
    next_available: float | None = None
    for pod in pods:
        is_updated = podfacts.equal_to_revision(pod, update_revision)
        is_ready = podfacts.is_update_ready(pod)
        is_available = podfacts.is_available(pod, p.min_ready_seconds, now)
        ready += is_ready
        available += is_available
        updated += is_updated
        updated_ready += is_updated and is_ready
        updated_available += is_updated and is_available
        if is_ready and not is_available and p.min_ready_seconds > 0:
            since = podutil.ready_since(pod)
            if since is not None and since + p.min_ready_seconds > now:
                at = since + p.min_ready_seconds
                next_available = at if next_available is None else min(next_available, at)
    spec_replicas = int((cs.get("spec") or {}).get("replicas", 1))
    current = update_revision if updated == len(pods) == spec_replicas else current_revision
    status: dict[str, Any] = {
        "observedGeneration": int(cs["metadata"].get("generation", 0)),
        "replicas": len(pods),
        "readyReplicas": ready,
        "availableReplicas": available,
        "updatedReplicas": updated,
        "updatedReadyReplicas": updated_ready,
        "updatedAvailableReplicas": updated_available,
        "expectedUpdatedReplicas": p.replicas - p.partition,
        "updateRevision": update_revision,
        "currentRevision": current,
        "collisionCount": collision_count,
        "labelSelector": label_selector_text(cs),
    }
    conditions = [{"type": t, "status": "True", "lastTransitionTime": format_time(now), "message": m} for t, m in errors]
    prog = progress.progressing(cs, p, status, cs.get("status") or {}, now)
    if prog.condition is not None:
        conditions.append(prog.condition)
    if conditions:
        status["conditions"] = conditions
    delays = [d for d in (None if next_available is None else next_available - now, prog.requeue_after) if d is not None]
    return StatusPlan(status, min(delays) if delays else None)


_COMPARED = (
    "replicas",
    "readyReplicas",
    "availableReplicas",
    "updatedReadyReplicas",
    "updatedReplicas",
    "updatedAvailableReplicas",
    "expectedUpdatedReplicas",
    "updateRevision",
    "currentRevision",
    "labelSelector",
    *canary.STATUS_KEYS,  # graceroll's canary steps (absent without steps)
)


def needs_write(old: Obj, new: Obj) -> bool:
    """kruise's ``inconsistentStatus``: whether the new status is worth a write."""
    if int(new.get("observedGeneration") or 0) > int(old.get("observedGeneration") or 0):
        return True
    return any(old.get(k) != new.get(k) for k in _COMPARED) or progress.changed(old, new)
