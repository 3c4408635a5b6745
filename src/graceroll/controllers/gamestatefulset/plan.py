"""One pass of ``updateGameStatefulSet`` as a list of actions (upstream ``game_stateful_set_control.go``).

The walk, in upstream order; "OrderedReady" (``monotonic``) stops at the first thing it must wait
for, "Parallel" carries on:

1. ordinals 0..replicas-1 (plus surge ordinals, Parallel only): delete a Failed pod, force-delete a
   Terminating one whose template opted in (node lost), create a missing one — at the current
   revision below the partition, else the update revision — refresh the in-place state, wait for
   an updated pod that is not Ready yet, repair identity and storage;
2. condemned ordinals (≥ replicas), highest first, each behind the PreDelete hook;
3. the update (not OnDelete): a budget of ``maxUnavailable`` minus the pods already unavailable at
   or above the partition; ordinals from the highest down to the partition: RollingUpdate deletes
   (PreDelete hook), InplaceUpdate updates in place (PreInplace hook, else PreDelete), HotPatchUpdate
   patches one pod per pass with no hook. OrderedReady handles one pod per pass.

Example: 5 pods, partition 3, InplaceUpdate, OrderedReady: pod 4 is updated; every later pass
stops at pod 4 until it is Ready again; then pod 3; pods 0-2 keep the old revision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graceroll.api.tkex_v1alpha1 import (
    HOT_PATCH_UPDATE,
    INPLACE_UPDATE,
    NODE_LOST_FORCE_DELETE,
    ON_DELETE,
    ROLLING_UPDATE,
)
from graceroll.controllers.bcshook import gate
from graceroll.controllers.bcshook import runs as hookruns
from graceroll.controllers.gamestatefulset import pods as podfacts
from graceroll.controllers.gamestatefulset.params import Params
from graceroll.controllers.inplace import pod as inplace
from graceroll.controllers.inplace.spec import UpdateSpec, calculate

Obj = dict[str, Any]


@dataclass(frozen=True)
class Create:
    ordinal: int
    revision: str


@dataclass(frozen=True)
class Delete:
    pod: Obj
    reason: str  # "failed" | "scale-in" | "update"
    force: bool = False


@dataclass(frozen=True)
class Refresh:
    pod: Obj
    write: inplace.PodWrite


@dataclass(frozen=True)
class FixIdentity:
    pod: Obj


@dataclass(frozen=True)
class StartHook:
    hook_type: str
    pod: Obj
    modified: tuple[str, ...] = ()


@dataclass(frozen=True)
class InPlace:
    pod: Obj
    spec: UpdateSpec


@dataclass(frozen=True)
class HotPatch:
    pod: Obj
    spec: UpdateSpec


@dataclass(frozen=True)
class Refuse:
    pod: Obj
    update_type: str


Action = Create | Delete | Refresh | FixIdentity | StartHook | InPlace | HotPatch | Refuse


@dataclass(frozen=True)
class Inputs:
    gs: Obj
    p: Params
    pods: Sequence[Obj]  # owned pods with an ordinal, terminating ones included
    current_revision: str
    update_revision: str
    templates: dict[str, Obj]  # revision name -> pod template
    runs: Sequence[Obj]  # the set's HookRuns
    now: float


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)
    requeue_after: float | None = None

    def later(self, delay: float | None) -> None:
        if delay is not None:
            self.requeue_after = delay if self.requeue_after is None else min(self.requeue_after, delay)


def surge_count(i: Inputs) -> int:
    """Extra ordinals while a Parallel rollout is under way: min(maxSurge, pods still to update)."""
    p = i.p
    if not p.parallel or p.update_type == ON_DELETE or i.current_revision == i.update_revision or p.max_surge <= 0:
        return 0
    updated_ready = sum(
        1
        for pod in i.pods
        if 0 <= podfacts.ordinal(pod) < p.replicas and podfacts.revision(pod) == i.update_revision and podfacts.is_healthy(pod)
    )
    return max(0, min(p.max_surge, p.replicas - updated_ready - p.partition))


def _hook(gs: Obj, key: str) -> Obj | None:
    hook = ((gs.get("spec") or {}).get(key) or {}).get("hook")
    return hook if isinstance(hook, dict) else None


def check(i: Inputs, hook_type: str, key: str, pod: Obj) -> gate.Verdict:
    return gate.check(hook_type, _hook(i.gs, key), pod, podfacts.revision(pod), str(podfacts.ordinal(pod)), i.runs)


def plan(i: Inputs) -> Plan:
    out = Plan()
    monotonic = not i.p.parallel
    size = i.p.replicas + surge_count(i)
    slots: dict[int, Obj] = {}
    condemned: list[Obj] = []
    for pod in i.pods:
        o = podfacts.ordinal(pod)
        if 0 <= o < size:
            slots[o] = pod
        elif o >= size:
            condemned.append(pod)
    condemned.sort(key=podfacts.ordinal)
    if not _replicas(i, out, slots, size, monotonic):
        return out
    if i.gs["metadata"].get("deletionTimestamp"):
        return out
    if not _scale_in(i, out, slots, condemned, size, monotonic):
        return out
    _update(i, out, slots, size, monotonic)
    return out


def _replicas(i: Inputs, out: Plan, slots: dict[int, Obj], size: int, monotonic: bool) -> bool:
    """Step 1; False when the pass must end here."""
    for o in range(size):
        pod = slots.get(o)
        if pod is not None and podfacts.is_failed(pod) and not podfacts.is_terminating(pod):
            out.actions.append(Delete(pod, "failed"))
            if monotonic:
                return False
            continue
        if pod is not None and podfacts.is_terminating(pod) and _node_lost_opt_in(pod):
            out.actions.append(Delete(pod, "node-lost", force=True))
        if pod is None:
            revision = i.current_revision if 0 < i.p.partition and o < i.p.partition else i.update_revision
            if revision not in i.templates:
                revision = i.update_revision
            out.actions.append(Create(o, revision))
            if monotonic:
                return False
            continue
        if podfacts.is_terminating(pod):
            if monotonic:
                return False
            continue
        step = inplace.refresh(pod, i.now)
        if step.changed:
            out.actions.append(Refresh(pod, step))
        out.later(step.requeue_after)
        if monotonic and podfacts.revision(pod) == i.update_revision and not podfacts.is_running_and_ready(pod):
            return False
        if not podfacts.identity_matches(i.gs, pod):
            out.actions.append(FixIdentity(pod))
    return True


def _node_lost_opt_in(pod: Obj) -> bool:
    return (pod["metadata"].get("annotations") or {}).get(NODE_LOST_FORCE_DELETE) == "true"


def _scale_in(i: Inputs, out: Plan, slots: dict[int, Obj], condemned: list[Obj], size: int, monotonic: bool) -> bool:
    """Step 2, highest ordinal first; OrderedReady waits unless the target is the first unhealthy pod."""
    unhealthy = [slots[o] for o in sorted(slots) if not podfacts.is_healthy(slots[o])]
    unhealthy += [pod for pod in condemned if not podfacts.is_healthy(pod)]
    first_unhealthy = unhealthy[0] if unhealthy else None
    for pod in reversed(condemned):
        if podfacts.is_terminating(pod):
            if monotonic:
                return False
            continue
        if monotonic and first_unhealthy is not None and first_unhealthy is not pod:
            return False
        verdict = check(i, hookruns.PRE_DELETE, "preDeleteUpdateStrategy", pod)
        if not verdict.allowed:
            if verdict.start:
                out.actions.append(StartHook(hookruns.PRE_DELETE, pod))
            if monotonic:
                return False
            continue
        out.actions.append(Delete(pod, "scale-in"))
        if monotonic:
            return False
    return True


def _update(i: Inputs, out: Plan, slots: dict[int, Obj], size: int, monotonic: bool) -> None:
    """Step 3 (``handleUpdateStrategy``)."""
    p = i.p
    if p.update_type == ON_DELETE:
        return
    low = min(p.partition, size)
    unavailable = sum(1 for o in range(low, size) if slots.get(o) is None or not podfacts.is_healthy(slots[o]))
    budget = p.max_unavailable - unavailable
    if budget < 1:
        return
    handled = 0
    target_template = i.templates.get(i.update_revision)
    for o in range(size - 1, low - 1, -1):
        pod = slots.get(o)
        if pod is None:
            continue
        if podfacts.revision(pod) != i.update_revision and not podfacts.is_terminating(pod):
            if p.update_type == ROLLING_UPDATE:
                verdict = check(i, hookruns.PRE_DELETE, "preDeleteUpdateStrategy", pod)
                _gated(out, verdict, hookruns.PRE_DELETE, pod, Delete(pod, "update"))
            elif p.update_type in (INPLACE_UPDATE, HOT_PATCH_UPDATE) and target_template is not None:
                grace = p.grace_seconds if p.update_type == INPLACE_UPDATE else 0
                spec = calculate(i.templates.get(podfacts.revision(pod)), target_template, i.update_revision, grace)
                if spec is None:
                    out.actions.append(Refuse(pod, p.update_type))
                    return
                if p.update_type == HOT_PATCH_UPDATE:
                    out.actions.append(HotPatch(pod, spec))
                    return
                hook_type, key = hookruns.PRE_INPLACE, "preInplaceUpdateStrategy"
                if _hook(i.gs, key) is None:
                    hook_type, key = hookruns.PRE_DELETE, "preDeleteUpdateStrategy"
                verdict = check(i, hook_type, key, pod)
                _gated(out, verdict, hook_type, pod, InPlace(pod, spec), tuple(sorted(spec.container_images)))
            handled += 1
            if monotonic or handled >= budget:
                return
        elif monotonic and not podfacts.is_healthy(pod):
            return


def _gated(out: Plan, verdict: gate.Verdict, hook_type: str, pod: Obj, action: Action, modified: tuple[str, ...] = ()) -> None:
    if verdict.allowed:
        out.actions.append(action)
    elif verdict.start:
        out.actions.append(StartHook(hook_type, pod, modified if hook_type == hookruns.PRE_INPLACE else ()))
