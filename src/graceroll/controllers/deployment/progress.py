"""Rollout conditions (upstream ``progress.go`` and the condition helpers of ``deployment_util.go``).

Progressing tells whether the rollout moves: refreshed on every sign of progress, False with
ProgressDeadlineExceeded once ``progressDeadlineSeconds`` pass without any; Available tells
whether at least replicas - maxUnavailable pods are available.
"""

from __future__ import annotations

from typing import Any

from graceroll.api.meta import Obj
from graceroll.clock import format_time, parse_time
from graceroll.controllers.deployment import util

PROGRESSING = "Progressing"
AVAILABLE = "Available"
REPLICA_FAILURE = "ReplicaFailure"

NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"

Condition = dict[str, str]
RATE_LIMITED_REQUEUE = 0.005  # the work queue's base back-off: "soon", but after this instant


def condition(type_: str, status: str, reason: str, message: str, now: float) -> Condition:
    t = format_time(now)
    return {
        "type": type_,
        "status": status,
        "lastUpdateTime": t,
        "lastTransitionTime": t,
        "reason": reason,
        "message": message,
    }


def get_condition(status: dict[str, Any], type_: str) -> Condition | None:
    for c in status.get("conditions") or ():
        if c.get("type") == type_:
            return dict(c)
    return None


def set_condition(status: dict[str, Any], new: Condition) -> None:
    """SetDeploymentCondition: same status and reason is a no-op; same status keeps the transition time."""
    conds: list[Condition] = status.setdefault("conditions", [])
    cur = next((c for c in conds if c.get("type") == new["type"]), None)
    if cur is not None and cur.get("status") == new["status"] and cur.get("reason") == new["reason"]:
        return
    if cur is not None and cur.get("status") == new["status"]:
        new = dict(new, lastTransitionTime=cur["lastTransitionTime"])
    status["conditions"] = [c for c in conds if c.get("type") != new["type"]] + [new]


def remove_condition(status: dict[str, Any], type_: str) -> None:
    status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != type_]


def available_condition(d: Obj, status: dict[str, Any], now: float) -> None:
    if int(status.get("availableReplicas") or 0) >= util.spec_replicas(d) - util.max_unavailable(d):
        set_condition(status, condition(AVAILABLE, "True", MIN_AVAILABLE, "Deployment has minimum availability.", now))
    else:
        set_condition(
            status, condition(AVAILABLE, "False", MIN_UNAVAILABLE, "Deployment does not have minimum availability.", now)
        )


def timed_out(d: Obj, status: dict[str, Any], now: float) -> bool:
    """DeploymentTimedOut: the last progress is more than progressDeadlineSeconds ago."""
    if not util.has_progress_deadline(d):
        return False
    cond = get_condition(status, PROGRESSING)
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    return parse_time(cond["lastUpdateTime"]) + int(d["spec"]["progressDeadlineSeconds"]) < now


def _name(rs: Obj | None, d: Obj, rs_form: str, d_form: str) -> str:
    return rs_form % str(rs["metadata"]["name"]) if rs is not None else d_form % str(d["metadata"]["name"])


def rollout_status(d: Obj, new_status: dict[str, Any], all_rss: list[Obj], new_rs: Obj | None, now: float) -> dict[str, Any]:
    """syncRolloutStatus: ``new_status`` (from calculate_status) with Progressing and ReplicaFailure set."""
    if not util.has_progress_deadline(d):
        remove_condition(new_status, PROGRESSING)
    old_status = d.get("status") or {}
    cur = get_condition(old_status, PROGRESSING)
    complete = (
        int(new_status.get("replicas") or 0) == int(new_status.get("updatedReplicas") or 0)
        and cur is not None
        and cur.get("reason") == NEW_RS_AVAILABLE
    )
    if util.has_progress_deadline(d) and not complete:
        if util.deployment_complete(d, new_status):
            msg = _name(new_rs, d, 'ReplicaSet "%s" has successfully progressed.', 'Deployment "%s" has successfully progressed.')
            set_condition(new_status, condition(PROGRESSING, "True", NEW_RS_AVAILABLE, msg, now))
        elif util.deployment_progressing(old_status, new_status):
            msg = _name(new_rs, d, 'ReplicaSet "%s" is progressing.', 'Deployment "%s" is progressing.')
            cond = condition(PROGRESSING, "True", RS_UPDATED, msg, now)
            if cur is not None:
                if cur.get("status") == "True":
                    cond["lastTransitionTime"] = cur["lastTransitionTime"]
                remove_condition(new_status, PROGRESSING)
            set_condition(new_status, cond)
        elif timed_out(d, new_status, now):
            msg = _name(new_rs, d, 'ReplicaSet "%s" has timed out progressing.', 'Deployment "%s" has timed out progressing.')
            set_condition(new_status, condition(PROGRESSING, "False", TIMED_OUT, msg, now))
    failures = [get_condition(rs.get("status") or {}, REPLICA_FAILURE) for rs in ([new_rs] if new_rs else []) + all_rss]
    failure = next((f for f in failures if f is not None), None)
    if failure is not None:
        set_condition(new_status, failure)
    else:
        remove_condition(new_status, REPLICA_FAILURE)
    return new_status


def requeue_stuck(d: Obj, status: dict[str, Any], now: float) -> float | None:
    """requeueStuckDeployment's answer: seconds until the deadline, 0 if (almost) due, None if moot."""
    if not util.has_progress_deadline(d):
        return None
    cond = get_condition(status, PROGRESSING)
    if cond is None or util.deployment_complete(d, status) or cond.get("reason") == TIMED_OUT:
        return None
    after = parse_time(cond["lastUpdateTime"]) + int(d["spec"]["progressDeadlineSeconds"]) - now
    return 0.0 if after < 1 else after


def requeue_delay(after: float | None) -> float | None:
    """When to look again: rate-limited soon for a due deadline, else one second past it."""
    if after is None:
        return None
    return RATE_LIMITED_REQUEUE if after == 0 else after + 1


def paused_condition(d: Obj, now: float) -> Condition | None:
    """checkPausedConditions: the Progressing condition to set for a pause or resume, if any."""
    if not util.has_progress_deadline(d):
        return None
    cond = get_condition(d.get("status") or {}, PROGRESSING)
    if cond is not None and cond.get("reason") == TIMED_OUT:
        return None
    paused = bool(d["spec"].get("paused"))
    if paused and (cond is None or cond.get("reason") != PAUSED):
        return condition(PROGRESSING, "Unknown", PAUSED, "Deployment is paused", now)
    if not paused and cond is not None and cond.get("reason") == PAUSED:
        return condition(PROGRESSING, "Unknown", RESUMED, "Deployment is resumed", now)
    return None
