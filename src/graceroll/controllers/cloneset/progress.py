"""The ``Progressing`` condition of a CloneSet with ``progressDeadlineSeconds`` (OpenKruise v1.9).

The reasons, first match wins (kruise ``calculateProgressingStatus``, reference §1.3):

1. ``CloneSetAvailable`` (True): current = update revision, and replicas, updated and updated
   available pods all equal ``spec.replicas``;
2. ``CloneSetPaused`` (True): ``updateStrategy.paused``;
3. ``ProgressPartitionAvailable`` (True): a partitioned rollout whose R − P pods are updated and
   available (expectedUpdatedReplicas < R and ≤ updatedAvailableReplicas);
4. ``ProgressDeadlineExceeded`` (False): the condition was last updated more than
   ``progressDeadlineSeconds`` ago (or had already timed out);
5. otherwise ``CloneSetUpdated`` (True).

The condition is set as kruise's ``SetCloneSetCondition`` does: a new status or reason gets fresh
times (a reason change under the same status keeps ``lastTransitionTime``); the same status and
reason only refresh ``lastUpdateTime``, and that refresh is stored only with a status write that
happens anyway (``status.needs_write``): so the deadline runs from the last change of the
CloneSet's counts, i.e. the last sign of progress. One choice of graceroll's: a new update
revision always starts a fresh ``CloneSetUpdated`` condition, so fixing a timed-out template
restarts the clock instead of inheriting the failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graceroll.clock import format_time, parse_time
from graceroll.controllers.cloneset.params import MAX_INT32, Params

Obj = dict[str, Any]
PROGRESSING = "Progressing"
AVAILABLE = "CloneSetAvailable"
UPDATED = "CloneSetUpdated"
PAUSED = "CloneSetPaused"
PARTITION_AVAILABLE = "ProgressPartitionAvailable"
DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"


@dataclass(frozen=True)
class ProgressPlan:
    condition: Obj | None  # None: no deadline, no Progressing condition
    requeue_after: float | None  # when the deadline would pass


def deadline_of(cs: Obj) -> int | None:
    """``HasProgressDeadline``: set and not MaxInt32."""
    pds = (cs.get("spec") or {}).get("progressDeadlineSeconds")
    return None if pds is None or int(pds) == MAX_INT32 else int(pds)


def get_condition(status: Obj, type_: str = PROGRESSING) -> Obj | None:
    return next((c for c in status.get("conditions") or () if c.get("type") == type_), None)


def progressing(cs: Obj, p: Params, new: Obj, old: Obj, now: float) -> ProgressPlan:
    """The Progressing condition for the new status ``new`` (``old``: the stored status)."""
    pds = deadline_of(cs)
    if pds is None:
        return ProgressPlan(None, None)
    cur = get_condition(old)
    if new.get("updateRevision") != old.get("updateRevision"):
        cur = None  # a new rollout: the clock starts again
    replicas = p.replicas
    if (
        new.get("currentRevision") == new.get("updateRevision")
        and new.get("replicas") == new.get("updatedReplicas") == new.get("updatedAvailableReplicas") == replicas
    ):
        return ProgressPlan(_set(cur, "True", AVAILABLE, "CloneSet is available", now), None)
    if p.paused:
        return ProgressPlan(_set(cur, "True", PAUSED, "CloneSet is paused", now), None)
    expected = int(new.get("expectedUpdatedReplicas") or 0)
    if expected < replicas and expected <= int(new.get("updatedAvailableReplicas") or 0):
        return ProgressPlan(_set(cur, "True", PARTITION_AVAILABLE, "CloneSet has been paused due to partition ready", now), None)
    if cur is not None and (cur.get("reason") == DEADLINE_EXCEEDED or parse_time(cur["lastUpdateTime"]) + pds < now):
        msg = f"CloneSet revision {new.get('updateRevision')} has timed out progressing"
        return ProgressPlan(_set(cur, "False", DEADLINE_EXCEEDED, msg, now), None)
    cond = _set(cur, "True", UPDATED, "CloneSet is progressing", now)
    kept = cur if cur is not None and cur.get("reason") == UPDATED and cur.get("status") == "True" else cond
    # one second past the deadline, as kruise's getRequeueSecondsFromCondition (a virtual clock
    # needs the strictly later instant the check ``last + pds < now`` asks for)
    return ProgressPlan(cond, parse_time(kept["lastUpdateTime"]) + pds - now + 1)


def _set(cur: Obj | None, status: str, reason: str, message: str, now: float) -> Obj:
    t = format_time(now)
    cond = {"type": PROGRESSING, "status": status, "lastUpdateTime": t, "lastTransitionTime": t, "reason": reason, "message": message}
    if cur is not None and cur.get("status") == status and cur.get("lastTransitionTime"):
        cond["lastTransitionTime"] = cur["lastTransitionTime"]
    return cond


def changed(old: Obj, new: Obj) -> bool:
    """``hasProgressingConditionChanged``: presence, status or reason."""
    a, b = get_condition(old), get_condition(new)
    if a is None or b is None:
        return (a is None) != (b is None)
    return bool(a.get("status") != b.get("status") or a.get("reason") != b.get("reason"))
