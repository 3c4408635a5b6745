"""``Update()``'s choices (reference §2.6): which pods to update now, and how each one goes.

A pod is updated in place when the strategy allows it and the template change is in-place-able
(``inplace.spec.calculate``); otherwise it is marked ``apps.kruise.io/specified-delete`` and
Scale deletes and recreates it later, at the revision the partition asks for. ``InPlaceOnly``
refuses instead. An ``inPlaceUpdate`` lifecycle hook first parks the pod in PreparingUpdate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from graceroll.api.kruise_v1alpha1 import IN_PLACE_IF_POSSIBLE, IN_PLACE_ONLY
from graceroll.controllers import lifecycle
from graceroll.controllers.cloneset import diff, ordering
from graceroll.controllers.cloneset import pods as podfacts
from graceroll.controllers.cloneset.params import Params
from graceroll.controllers.cloneset.scale import facts
from graceroll.controllers.inplace import pod as inplace
from graceroll.controllers.inplace.spec import UpdateSpec, calculate

Obj = dict[str, Any]
Action = Literal["in-place", "prepare-update", "recreate", "wait", "refuse"]


@dataclass(frozen=True)
class Selection:
    diffs: diff.Diffs
    target: str = ""  # the revision the chosen pods move to
    indexes: tuple[int, ...] = ()  # into the pod list, in update order


def select(
    cs: Obj,
    p: Params,
    pods: Sequence[Obj],
    current_revision: str,
    update_revision: str,
    now: float,
    *,
    partition_rollback: bool = False,
) -> Selection:
    """Steps 4–7: the plan, the candidates, their order, and how many of them may go now."""
    to_delete = set(((cs.get("spec") or {}).get("scaleStrategy") or {}).get("podsToDelete") or ())
    diffs = diff.calculate(
        p,
        facts(pods, p, update_revision, to_delete, now, for_scale=False),
        same_revision=current_revision == update_revision,
        partition_rollback=partition_rollback,
    )
    if diffs.update_num == 0:
        return Selection(diffs)
    target = update_revision if diffs.update_num > 0 else current_revision
    candidates = []
    for i, pod in enumerate(pods):
        at_update = podfacts.equal_to_revision(pod, update_revision)
        if at_update == (diffs.update_num > 0):
            continue
        state = lifecycle.state(pod)
        if state == lifecycle.PREPARING_DELETE:
            continue
        if state != lifecycle.UPDATED and inplace.read_grace(pod) is not None:
            continue
        candidates.append(i)
    strategy = (cs.get("spec") or {}).get("updateStrategy") or {}
    ordered = ordering.sort_update_indexes(strategy, pods, candidates)
    chosen = ordering.limit_update_indexes(
        pods, ordered, diffs.update_num, diffs.update_max_unavailable, target, p.min_ready_seconds, now
    )
    return Selection(diffs, target, tuple(chosen))


@dataclass(frozen=True)
class PodUpdate:
    action: Action
    spec: UpdateSpec | None = None


def decide(cs: Obj, pod: Obj, pod_template: Obj | None, target_template: Obj, target: str) -> PodUpdate:
    """``updatePod``: in place, park for the hook, recreate, wait, or refuse (InPlaceOnly)."""
    spec = cs.get("spec") or {}
    strategy = spec.get("updateStrategy") or {}
    kind = strategy.get("type")
    hook = (spec.get("lifecycle") or {}).get("inPlaceUpdate")
    if kind in (IN_PLACE_IF_POSSIBLE, IN_PLACE_ONLY):
        grace = int((strategy.get("inPlaceUpdateStrategy") or {}).get("gracePeriodSeconds") or 0)
        update = calculate(pod_template, target_template, target, grace)
        if update is not None:
            state = lifecycle.state(pod)
            if state in ("", lifecycle.PREPARING_NORMAL, lifecycle.NORMAL):
                if hook and lifecycle.is_hooked(hook, pod):
                    return PodUpdate("prepare-update")
                return PodUpdate("in-place", update)
            if state == lifecycle.UPDATED:
                return PodUpdate("prepare-update" if hook else "wait")
            if state == lifecycle.PREPARING_UPDATE:
                return PodUpdate("wait") if lifecycle.is_hooked(hook, pod) else PodUpdate("in-place", update)
            if state == lifecycle.UPDATING:
                return PodUpdate("in-place", update)
            return PodUpdate("refuse")
        if kind == IN_PLACE_ONLY:
            return PodUpdate("refuse")
    return PodUpdate("recreate")
