"""Which pods an update takes, in which order, and how many at once (reference §2.7, §2.8).

Order: Kubernetes' ``ActivePods.Less`` (unscheduled, Pending, not ready, ready most recently,
most restarts, newest — ties by list position, where upstream's unstable sort is arbitrary), then
``priorityStrategy``, then ``scatterStrategy``, then PreparingUpdate pods first (both stable).

Limit (``limitUpdateIndexes``): at most |updateNum| pods, and each one that is still available
spends one unit of ``updateMaxUnavailable`` (shared with every unavailable pod); pods already at
the target revision and unavailable count against the budget too. Example (U1): R=3, U=20% -> 1,
three ready old pods: the first is taken, then 1 unavailable >= 1 stops the walk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graceroll.clock import parse_time
from graceroll.controllers import lifecycle, podutil
from graceroll.controllers.cloneset import pods as podfacts
from graceroll.controllers.updatesort import priority, scatter

Obj = dict[str, Any]


def max_restarts(pod: Obj) -> int:
    return max((int(cs.get("restartCount") or 0) for cs in (pod.get("status") or {}).get("containerStatuses") or ()), default=0)


def recent_first(ts: str | None) -> tuple[int, float]:
    """``afterOrZero``: a zero time first, then the later time first."""
    return (0, 0.0) if not ts else (1, -parse_time(ts))


def active_pods_key(pod: Obj) -> tuple[Any, ...]:
    """Sort key for ``ActivePods.Less`` (lowest first)."""
    ready = podutil.is_ready(pod)
    cond = podutil.ready_condition(pod) if ready else None
    return (
        1 if (pod.get("spec") or {}).get("nodeName") else 0,
        podutil.PHASE_ORDER.get(podutil.phase(pod), 0),
        1 if ready else 0,
        recent_first(cond.get("lastTransitionTime") if cond else None) if ready else (0, 0.0),
        -max_restarts(pod),
        recent_first(pod["metadata"].get("creationTimestamp")),
    )


def default_order(pods: Sequence[Obj], indexes: Sequence[int]) -> list[int]:
    return sorted(indexes, key=lambda i: (active_pods_key(pods[i]), i))


def sort_update_indexes(strategy: Obj, pods: Sequence[Obj], indexes: Sequence[int]) -> list[int]:
    """``SortUpdateIndexes``: ``strategy`` is ``spec.updateStrategy``."""
    out = default_order(pods, indexes)
    labels = [p["metadata"].get("labels") or {} for p in pods]
    out = priority.sort(strategy.get("priorityStrategy"), labels, out)
    out = scatter.sort(strategy.get("scatterStrategy"), labels, out)
    preparing = [i for i in out if lifecycle.state(pods[i]) == lifecycle.PREPARING_UPDATE]
    return preparing + [i for i in out if lifecycle.state(pods[i]) != lifecycle.PREPARING_UPDATE]


def limit_update_indexes(
    pods: Sequence[Obj],
    candidates: Sequence[int],
    update_num: int,
    update_max_unavailable: int,
    target_revision: str,
    min_ready_seconds: int,
    now: float,
) -> list[int]:
    """The first candidates that may be updated now."""
    chosen = list(candidates[: abs(update_num)])
    available = [podfacts.is_available(p, min_ready_seconds, now) for p in pods]
    unavailable = sum(1 for a in available if not a)
    target_unavailable = sum(
        1 for p, a in zip(pods, available) if not a and podfacts.equal_to_revision(p, target_revision)
    )
    k = 0
    for i in chosen:
        if target_unavailable + k >= update_max_unavailable:
            break
        if available[i]:
            if unavailable >= update_max_unavailable:
                break
            unavailable += 1
        k += 1
    return chosen[:k]
