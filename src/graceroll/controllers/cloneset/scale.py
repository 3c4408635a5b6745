"""``Scale()``: the creations and deletions of one reconcile (reference §2.5, §2.9).

Steps, the first that does something ends the pass: (2) rescue PreparingDelete pods when pods
are missing; (4) scale up — the first ``scaleUpNumOldRevision`` pods at the current revision,
the rest at the update revision, at most ``scaleUpLimit`` (a scale-up, even of 0, also ends the
scale step); (5) finish deleting PreparingDelete pods whose hook is gone; (6) delete specified
pods (ready ones within ``deleteReadyLimit``); (7) scale down surplus pods, old revisions first,
but only when no specified or pre-deleting pod is still on its way out.

Deleting goes through the ``preDelete`` hook: a hooked pod is only moved to PreparingDelete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graceroll.controllers import lifecycle, podutil
from graceroll.controllers.cloneset import diff
from graceroll.controllers.cloneset import pods as podfacts
from graceroll.controllers.cloneset.ordering import max_restarts, recent_first
from graceroll.controllers.cloneset.params import Params

Obj = dict[str, Any]


@dataclass(frozen=True)
class ScalePlan:
    diffs: diff.Diffs = field(default_factory=diff.Diffs)
    rescue: tuple[str, ...] = ()  # PreparingDelete pods back to PreparingNormal
    create_current: int = 0  # new pods at the current revision
    create_update: int = 0  # new pods at the update revision
    delete: tuple[str, ...] = ()  # pods to delete now
    prepare_delete: tuple[str, ...] = ()  # pods held by the preDelete hook: to PreparingDelete
    limited: bool = False  # scale-up held back by scaleStrategy.maxUnavailable (a Warning event)

    @property
    def modified(self) -> bool:
        return bool(self.rescue or self.create_current or self.create_update or self.delete or self.prepare_delete)


def facts(pods: Sequence[Obj], p: Params, update_revision: str, to_delete: set[str], now: float, for_scale: bool) -> list[diff.PodFacts]:
    """``diff.PodFacts`` of each pod; ``for_scale`` picks Scale's "updated" predicate."""
    return [
        diff.PodFacts(
            updated=podfacts.is_updated_for_scale(pod, update_revision) if for_scale else podfacts.equal_to_revision(pod, update_revision),
            state=lifecycle.state(pod),
            specified_delete=podfacts.is_specified_delete(pod, to_delete),
            available=podfacts.is_available(pod, p.min_ready_seconds, now),
        )
        for pod in pods
    ]


def exclude_preparing_delete(cs: Obj) -> bool:
    return (cs["metadata"].get("labels") or {}).get(podfacts.EXCLUDE_PREPARING_DELETE_LABEL) == "true"


def plan(
    cs: Obj,
    p: Params,
    pods: Sequence[Obj],
    current_revision: str,
    update_revision: str,
    now: float,
    *,
    partition_rollback: bool = False,
) -> ScalePlan:
    spec = cs.get("spec") or {}
    hooks = spec.get("lifecycle") or {}
    to_delete = set((spec.get("scaleStrategy") or {}).get("podsToDelete") or ())
    names = [pod["metadata"]["name"] for pod in pods]
    specified = [pod for pod in pods if podfacts.is_specified_delete(pod, to_delete)]
    pre_deleting = [pod for pod in pods if lifecycle.state(pod) == lifecycle.PREPARING_DELETE]
    num_to_delete = len({pod["metadata"]["name"] for pod in specified + pre_deleting})

    marks_not_ready = any((hooks.get(k) or {}).get("markPodNotReady") for k in ("preDelete", "inPlaceUpdate"))
    if not marks_not_ready:
        missing = p.replicas - len(names) + num_to_delete
        rescue = []
        for pod in pre_deleting:
            if missing <= 0:
                break
            if podfacts.is_specified_delete(pod, to_delete):
                continue
            rescue.append(pod["metadata"]["name"])
            missing -= 1
        if rescue:
            return ScalePlan(rescue=tuple(rescue))

    diffs = diff.calculate(
        p,
        facts(pods, p, update_revision, to_delete, now, for_scale=True),
        same_revision=current_revision == update_revision,
        partition_rollback=partition_rollback,
        exclude_preparing_delete=exclude_preparing_delete(cs),
    )
    if diffs.scale_up_num > 0:
        current = min(diffs.scale_up_limit, diffs.scale_up_num_old_revision)
        return ScalePlan(
            diffs,
            create_current=current,
            create_update=diffs.scale_up_limit - current,
            limited=diffs.scale_up_num > diffs.scale_up_limit,
        )

    pre_delete_hook = hooks.get("preDelete")
    if pre_deleting:
        gone = tuple(pod["metadata"]["name"] for pod in pre_deleting if not lifecycle.is_hooked(pre_delete_hook, pod))
        if gone:
            return ScalePlan(diffs, delete=gone)

    pre_names = {pod["metadata"]["name"] for pod in pre_deleting}
    victims: list[Obj] = []
    limit = diffs.delete_ready_limit
    for pod in specified:
        if pod["metadata"]["name"] in pre_names:
            continue
        if not podfacts.is_available(pod, 0, now):
            victims.append(pod)
        elif limit > 0:
            victims.append(pod)
            limit -= 1
    if victims:
        return _through_hook(diffs, victims, pre_delete_hook)

    if diffs.scale_down_num > 0 and num_to_delete == 0:
        chosen = choose_pods_to_delete(
            pods, diffs.scale_down_num, diffs.scale_down_num_old_revision, update_revision, p.min_ready_seconds, now
        )
        limit = diffs.delete_ready_limit
        for pod in chosen:
            if not podfacts.is_available(pod, 0, now):
                victims.append(pod)
            elif limit > 0:
                victims.append(pod)
                limit -= 1
        if victims:
            return _through_hook(diffs, victims, pre_delete_hook)
    return ScalePlan(diffs)


def _through_hook(diffs: diff.Diffs, victims: list[Obj], hook: Obj | None) -> ScalePlan:
    """The delete routine: a pod the preDelete hook holds goes to PreparingDelete instead."""
    gone = tuple(v["metadata"]["name"] for v in victims if not lifecycle.is_hooked(hook, v))
    held = tuple(
        v["metadata"]["name"]
        for v in victims
        if lifecycle.is_hooked(hook, v) and lifecycle.state(v) != lifecycle.PREPARING_DELETE
    )
    return ScalePlan(diffs, delete=gone, prepare_delete=held)


def choose_pods_to_delete(
    pods: Sequence[Obj], total: int, old: int, update_revision: str, min_ready_seconds: int, now: float
) -> list[Obj]:
    """``choosePodsToDelete``: ``old`` from old revisions, the rest from updated pods, cheapest first."""
    updated = [pod for pod in pods if podfacts.is_updated_for_scale(pod, update_revision)]
    not_updated = [pod for pod in pods if not podfacts.is_updated_for_scale(pod, update_revision)]
    if old >= total:
        return _cheapest(not_updated, total, min_ready_seconds, now)
    if old > 0:
        return _cheapest(not_updated, old, min_ready_seconds, now) + _cheapest(updated, total - old, min_ready_seconds, now)
    return _cheapest(updated, total, min_ready_seconds, now)


def _cheapest(group: list[Obj], n: int, min_ready_seconds: int, now: float) -> list[Obj]:
    if n >= len(group):
        return list(group)
    ranks = same_node_ranks(group, min_ready_seconds, now)
    order = sorted(range(len(group)), key=lambda i: (deletion_key(group[i], ranks[i], min_ready_seconds, now), i))
    return [group[i] for i in order[:n]]


def deletion_key(pod: Obj, rank: int, min_ready_seconds: int, now: float) -> tuple[Any, ...]:
    """``ActivePodsWithRanks.Less`` with Kruise's "unavailable first" (lowest key goes first)."""
    ready = podutil.is_ready(pod)
    cond = podutil.ready_condition(pod) if ready else None
    return (
        1 if (pod.get("spec") or {}).get("nodeName") else 0,
        podutil.PHASE_ORDER.get(podutil.phase(pod), 0),
        1 if podfacts.is_available(pod, min_ready_seconds, now) else 0,
        1 if ready else 0,
        podfacts.deletion_cost(pod),
        -rank,
        recent_first(cond.get("lastTransitionTime") if cond else None) if ready else (0, 0.0),
        -max_restarts(pod),
        recent_first(pod["metadata"].get("creationTimestamp")),
    )


def same_node_ranks(group: list[Obj], min_ready_seconds: int, now: float) -> list[int]:
    """Pods sharing a node with others of the group rank n−1, …, 1 (the best one 0): crowded nodes lose pods first."""
    ranks = [0] * len(group)
    by_node: dict[str, list[int]] = {}
    for i, pod in enumerate(group):
        node = (pod.get("spec") or {}).get("nodeName")
        if node:
            by_node.setdefault(node, []).append(i)
    for members in by_node.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (deletion_key(group[i], 0, min_ready_seconds, now), i))
        for r, i in enumerate(members[:-1]):
            ranks[i] = len(members) - 1 - r
    return ranks
