"""The step-by-step canary (``updateStrategy.canary.steps``) as pure functions over status.

Upstream ``pkg/util/canary/canary.go`` and ``game_stateful_set_status_updater.go``. The canary
part of status is ``currentStepIndex``, ``currentStepHash``, ``pauseConditions`` and
``canary: {revision, currentStepHookRun}``. ``canary.revision`` is the stable revision.

* ``reset`` runs before the update, which then waits a pass. The first sync skips every step. An
  edit of the steps, or a new template, restarts at step 0, unless the new template *is* the
  stable revision (a rollback), which skips every step again.
* ``advance`` runs after the update. A completed step moves the index on and clears the pauses.
  A pause step adds ``PausedByCanaryPauseStep`` once the previous partition has converged. A
  failed hook step adds ``PausedByStepBasedHook``, or, with ``onFailure: Abort``, asks the
  controller to go back to the stable revision. Traffic steps complete at once: what they set is
  ``status.trafficRouting`` (``traffic``), recomputed from the steps on every pass.

Example: steps [partition 3, pause {}, partition 0] on 5 pods, image changed. Index 0 updates 2
pods. Once both are updated and ready, the index is 1 and the set pauses. A resume moves to index
2, which updates the other 3. Index 3 means done, and the new revision becomes the stable one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from graceroll.api.canary_steps import HOOK, ON_FAILURE_ABORT, PARTITION, PAUSE, STEP_KINDS
from graceroll.clock import format_time, parse_time
from graceroll.controllers import history

Obj = dict[str, Any]
PartitionOf = Callable[[Any, int], int]  # (a partition step's value, replicas) -> pods kept old

SET_STEP_INDEX = "SetStepIndex"  # event reason, upstream's
PAUSED_BY_STEP = "PausedByCanaryPauseStep"
PAUSED_BY_HOOK = "PausedByStepBasedHook"
FAILED_HOOK_PHASES = ("Failed", "Error", "Inconclusive")
ABORTING_HOOK_PHASES = ("Failed", "Error")  # Inconclusive pauses even with onFailure: Abort (Argo too)


@dataclass(frozen=True)
class CanaryState:
    revision: str = ""  # the stable revision (status.canary.revision)
    step_index: int = 0
    step_hash: str = ""
    hook_run: str = ""  # status.canary.currentStepHookRun
    pauses: tuple[Obj, ...] = field(default=())

    @staticmethod
    def of(status: Obj) -> CanaryState:
        c = status.get("canary") or {}
        return CanaryState(
            revision=str(c.get("revision") or ""),
            step_index=int(status.get("currentStepIndex") or 0),
            step_hash=str(status.get("currentStepHash") or ""),
            hook_run=str(c.get("currentStepHookRun") or ""),
            pauses=tuple(dict(p) for p in status.get("pauseConditions") or ()),
        )

    def to_status(self) -> Obj:
        canary: Obj = {"revision": self.revision}
        if self.hook_run:
            canary["currentStepHookRun"] = self.hook_run
        out: Obj = {"currentStepIndex": self.step_index, "currentStepHash": self.step_hash, "canary": canary}
        if self.pauses:
            out["pauseConditions"] = [dict(p) for p in self.pauses]
        return out

    def paused_by(self, reason: str) -> Obj | None:
        return next((p for p in self.pauses if p.get("reason") == reason), None)


def steps_of(spec: Obj) -> list[Obj]:
    return [s for s in (((spec.get("updateStrategy") or {}).get("canary") or {}).get("steps") or ()) if isinstance(s, dict)]


def steps_hash(steps: list[Obj]) -> str:
    return history.hash_data({"steps": steps}, None) if steps else ""


def step_kind(step: Obj) -> str:
    return next((k for k in STEP_KINDS if step.get(k) is not None), "")


def current_partition(spec: Obj, status: Obj, fallback: int, partition_of: PartitionOf) -> int:
    """``GetCurrentPartition``: ``fallback`` (the kind's own partition) without steps; 0 once every
    step is done; else the nearest partition step at or before the current one, or ``replicas``
    (update nothing) if there is none."""
    replicas = int(spec.get("replicas", 1))
    steps = steps_of(spec)
    if not steps:
        return fallback
    if "currentStepIndex" not in status:
        return 0  # never synced: the first sync skips the steps
    index = int(status.get("currentStepIndex") or 0)
    if index >= len(steps):
        return 0
    for step in reversed(steps[: index + 1]):
        if step.get(PARTITION) is not None:
            return partition_of(step[PARTITION], replicas)
    return replicas


def reset(steps: list[Obj], old: CanaryState, update_revision: str, status_update_revision: str) -> CanaryState | None:
    """The state to write before anything else this pass, or None when the steps go on as they are."""
    digest = steps_hash(steps)
    if not steps:
        if old.revision == update_revision and old.step_index == 0 and not old.pauses and not old.hook_run:
            return None
        return CanaryState(revision=update_revision)
    if not old.revision:
        return CanaryState(revision=update_revision, step_index=len(steps), step_hash=digest)
    if old.step_hash != digest or status_update_revision != update_revision:
        index = len(steps) if old.revision == update_revision else 0
        return CanaryState(revision=old.revision, step_index=index, step_hash=digest)
    return None


@dataclass(frozen=True)
class Advance:
    state: CanaryState
    requeue_after: float | None = None
    moved_to: int | None = None  # the new step index when a step completed (event SetStepIndex)
    abort: bool = False  # a hook step with onFailure: Abort failed: back to the stable revision

    @property
    def paused(self) -> bool:
        return bool(self.state.pauses)


def advance(
    steps: list[Obj],
    state: CanaryState,
    update_revision: str,
    spec_paused: bool,
    replicas: int,
    updated_ready: int,
    partition: int,
    hook_phase: str | None,
    now: float,
) -> Advance:
    """Steps 4–7 of the status writer: done, a step completed, or wait (maybe pausing or aborting).
    ``partition``: the current partition (``current_partition``), the current step's own when it is
    a partition step."""
    n = len(steps)
    if state.step_index >= n:
        return Advance(replace(state, revision=update_revision, step_index=n, pauses=(), hook_run=""))
    step = steps[state.step_index]
    kind = step_kind(step)
    if kind == HOOK and hook_phase in ABORTING_HOOK_PHASES and (step[HOOK].get("onFailure") == ON_FAILURE_ABORT):
        return Advance(state, abort=True)
    done, requeue = _step_complete(step, kind, state, spec_paused, replicas, updated_ready, partition, hook_phase, now)
    if done:
        index = state.step_index + 1
        revision = update_revision if index == n else state.revision
        return Advance(CanaryState(revision=revision, step_index=index, step_hash=state.step_hash), moved_to=index)
    pauses = list(state.pauses)
    if kind == PAUSE and state.paused_by(PAUSED_BY_STEP) is None and updated_ready == replicas - partition:
        pauses.append({"reason": PAUSED_BY_STEP, "startTime": format_time(now)})
        duration = (step.get(PAUSE) or {}).get("duration")
        if duration is not None:
            requeue = float(duration)
    if kind == HOOK and hook_phase in FAILED_HOOK_PHASES and state.paused_by(PAUSED_BY_HOOK) is None:
        pauses.append({"reason": PAUSED_BY_HOOK, "startTime": format_time(now)})
    return Advance(replace(state, pauses=tuple(pauses)), requeue_after=requeue)


def _step_complete(
    step: Obj,
    kind: str,
    state: CanaryState,
    spec_paused: bool,
    replicas: int,
    updated_ready: int,
    partition: int,
    hook_phase: str | None,
    now: float,
) -> tuple[bool, float | None]:
    """(complete, seconds until a timed pause ends). The pause boundary instant itself counts as
    over (upstream: strictly after), so that a virtual clock requeued for it moves on. Traffic
    steps are complete at once."""
    if kind == PARTITION:
        return updated_ready == replicas - partition, None
    if kind == PAUSE:
        cond = state.paused_by(PAUSED_BY_STEP)
        if cond is None:
            return False, None
        duration = (step.get(PAUSE) or {}).get("duration")
        if duration is None:
            return not spec_paused, None
        left = parse_time(cond["startTime"]) + float(duration) - now
        return left <= 0, (left if left > 0 else None)
    if kind == HOOK:
        if hook_phase == "Successful":
            return True, None
        return state.paused_by(PAUSED_BY_HOOK) is not None and not spec_paused, None
    return True, None
