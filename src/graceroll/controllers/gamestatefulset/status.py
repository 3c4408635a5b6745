"""A GameStatefulSet's status, computed from its pods, revisions and HookRuns (upstream ``game_stateful_set_status_updater.go``).

``currentRevision`` is the oldest revision any pod still runs, and the update revision once every
pod is updated: with partition 3 of 5 it stays at the old revision (CURRENTREPLICAS 3). The hook
conditions list the pods waiting on a hook: a run of that type, not Successful, whose revision and
instance id still belong to a live pod.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graceroll.api.tkex_v1alpha1 import label_selector_text
from graceroll.controllers import history
from graceroll.controllers.bcshook import runs as hookruns
from graceroll.controllers.canary import traffic
from graceroll.controllers.canary.state import CanaryState
from graceroll.controllers.gamestatefulset import pods as podfacts

Obj = dict[str, Any]
FAILED_UPDATE = "FailedUpdate"
HOOK_CONDITION_KEYS = {
    hookruns.PRE_DELETE: "preDeleteHookCondition",
    hookruns.PRE_INPLACE: "preInplaceHookCondition",
    hookruns.POST_INPLACE: "postInplaceHookCondition",
}


def current_revision(pods: Sequence[Obj], revisions: Sequence[Obj], update_revision: str) -> str:
    """The oldest revision any pod has, terminating pods included (upstream ``getPodsRevisions`` over
    all pods): a rollout is not over, and its surge ordinals stay, until the last old pod is gone."""
    numbers = {r["metadata"]["name"]: history.number(r) for r in revisions}
    used = {podfacts.revision(p) for p in pods} & set(numbers)
    return min(used, key=lambda n: numbers[n]) if used else update_revision


def hook_conditions(pods: Sequence[Obj], runs: Sequence[Obj]) -> dict[str, list[Obj]]:
    live = {(podfacts.revision(p), str(podfacts.ordinal(p))): p["metadata"]["name"] for p in pods}
    out: dict[str, list[Obj]] = {}
    for hook_type, key in HOOK_CONDITION_KEYS.items():
        for run in sorted(hookruns.of_type(runs, hook_type), key=lambda r: r["metadata"]["name"]):
            labels = run["metadata"].get("labels") or {}
            pod_name = live.get((labels.get(hookruns.REVISION_LABEL, ""), labels.get(hookruns.INSTANCE_LABEL, "")))
            phase = hookruns.phase(run)
            if pod_name is not None and phase != "Successful":
                start = run["metadata"].get("creationTimestamp", "")
                out.setdefault(key, []).append({"podName": pod_name, "startTime": start, "phase": phase})
    return out


def calculate(
    gs: Obj,
    pods: Sequence[Obj],
    revisions: Sequence[Obj],
    update_revision: str,
    collision_count: int,
    canary: CanaryState,
    runs: Sequence[Obj],
    conditions: list[Obj],
    routing: Obj | None = None,
) -> Obj:
    current = current_revision(pods, revisions, update_revision)
    live = [p for p in pods if not podfacts.is_terminating(p)]
    status: Obj = {
        "observedGeneration": int(gs["metadata"].get("generation", 0)),
        "replicas": len(pods),
        "readyReplicas": sum(1 for p in pods if podfacts.is_running_and_ready(p)),
        "currentReplicas": sum(1 for p in live if podfacts.revision(p) == current),
        "updatedReplicas": sum(1 for p in live if podfacts.revision(p) == update_revision),
        "updatedReadyReplicas": sum(1 for p in live if podfacts.revision(p) == update_revision and podfacts.is_running_and_ready(p)),
        "currentRevision": current,
        "updateRevision": update_revision,
        "collisionCount": collision_count,
        "labelSelector": label_selector_text(gs),
    }
    status.update(canary.to_status())
    status.update(hook_conditions(pods, runs))
    if conditions:
        status["conditions"] = conditions
    if routing is not None:
        status[traffic.STATUS_KEY] = routing
    return status


def set_condition(conditions: list[Obj], type_: str, message: str | None, now_text: str) -> list[Obj]:
    """``FailedUpdate``: True with the error's message, removed once it clears."""
    kept = [c for c in conditions if c.get("type") != type_]
    if message is None:
        return kept
    old = next((c for c in conditions if c.get("type") == type_), None)
    if old is not None and old.get("message") == message:
        return conditions
    return kept + [{"type": type_, "status": "True", "lastTransitionTime": now_text, "reason": type_, "message": message}]
