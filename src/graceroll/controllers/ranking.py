"""Which pods a ReplicaSet deletes first: upstream's ``ActivePodsWithRanks`` with the
``LogarithmicScaleDown`` comparison (GA since Kubernetes 1.31), from
``kubernetes/kubernetes:pkg/controller/controller_utils.go``.

Lowest first is deleted first:

1. unscheduled before scheduled; 2. Pending < Unknown < Running; 3. not ready before ready;
4. lower ``controller.kubernetes.io/pod-deletion-cost``; 5. more ready-or-not active pods of the
   same owner on the same node first (the rank);
6. both ready: ready for a shorter time first, compared by the logarithm of the time (pods ready
   3 h and 6 h ago are alike; 1 min and 1 h are not), then by uid;
7. more container restarts first (regular containers, then sidecars);
8. created more recently first, by the same logarithmic buckets, then by uid.

Upstream breaks a tie within one bucket by uid unless the two times are exactly equal, when it
goes on to the next step. That comparison is not transitive when a bucket mixes equal and
distinct times; here such a group is ordered by the later steps and then uid, which agrees with
upstream whenever upstream's order is well defined.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from graceroll.api.meta import Obj
from graceroll.clock import parse_time
from graceroll.controllers import podutil

DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"


def bucket(t: float, now: float) -> int:
    """logarithmicRankDiff's rank: floor(log2) of the age in nanoseconds, -1 for no age."""
    d = (now - t) * 1e9
    return int(math.log2(d)) if d > 0 else -1


def deletion_cost(pod: Obj) -> int:
    try:
        return int((pod["metadata"].get("annotations") or {}).get(DELETION_COST, "0"))
    except ValueError:
        return 0


def max_restarts(pod: Obj) -> tuple[int, int]:
    """(regular, sidecar) maxContainerRestarts."""
    st = pod.get("status") or {}
    sidecars = {c.get("name") for c in (pod.get("spec") or {}).get("initContainers") or () if c.get("restartPolicy") == "Always"}
    regular = max((int(cs.get("restartCount") or 0) for cs in st.get("containerStatuses") or ()), default=0)
    sidecar = max((int(cs.get("restartCount") or 0) for cs in st.get("initContainerStatuses") or () if cs.get("name") in sidecars), default=0)
    return regular, sidecar


def _time(text: str | None) -> float | None:
    return parse_time(text) if text else None


def ranks(pods: Sequence[Obj], related: Sequence[Obj]) -> list[int]:
    """getPodsRankedByRelatedPodsOnSameNode: active related pods on each pod's node."""
    on_node = Counter((p.get("spec") or {}).get("nodeName") or "" for p in related if podutil.is_active(p))
    return [on_node[(p.get("spec") or {}).get("nodeName") or ""] for p in pods]


def order_for_deletion(pods: Sequence[Obj], rank: Sequence[int], now: float) -> list[int]:
    """Indexes of ``pods`` in deletion order (first = deleted first); pods upstream finds equal
    go by uid, then name, so the order never depends on listing order."""
    keys = deletion_keys(pods, rank, now)
    full = [k + (p["metadata"].get("uid", ""), p["metadata"].get("name", "")) for k, p in zip(keys, pods)]
    return sorted(range(len(pods)), key=full.__getitem__)


def deletion_keys(pods: Sequence[Obj], rank: Sequence[int], now: float) -> list[tuple[Any, ...]]:
    """One sort key per pod, lowest deleted first; equal keys are pods upstream's ``Less`` finds equal."""
    heads: list[tuple[Any, ...]] = []
    for p, r in zip(pods, rank):
        ready = podutil.is_ready(p)
        heads.append(
            (
                1 if (p.get("spec") or {}).get("nodeName") else 0,
                podutil.PHASE_ORDER.get(podutil.phase(p), 0),
                1 if ready else 0,
                deletion_cost(p),
                -r,
            )
        )
    ready_at = [_ready_time(p) if h[2] else None for p, h in zip(pods, heads)]
    ready_keys = _log_keys(pods, heads, ready_at, now)
    tails: list[tuple[Any, ...]] = []
    for i, p in enumerate(pods):
        regular, sidecar = max_restarts(p)
        tails.append(heads[i] + ready_keys[i] + (-regular, -sidecar))
    created = [_time(p["metadata"].get("creationTimestamp")) for p in pods]
    created_keys = _log_keys(pods, tails, created, now)
    return [tails[i] + created_keys[i] for i in range(len(pods))]


def _ready_time(pod: Obj) -> float | None:
    c = podutil.ready_condition(pod)
    return _time(c.get("lastTransitionTime")) if c else None


def _log_keys(pods: Sequence[Obj], prefixes: Sequence[tuple[Any, ...]], times: Sequence[float | None], now: float) -> list[tuple[Any, ...]]:
    """Step 6 or 8: (has a time, bucket) and, where a bucket's times are all distinct, the uid.

    A zero time sorts first (``afterOrZero``); pods without a time to compare (not ready) get a
    constant key.
    """
    raw = [(0, 0) if t is None else (1, bucket(t, now)) for t in times]
    groups: dict[tuple[Any, ...], list[float]] = {}
    for prefix, key, t in zip(prefixes, raw, times):
        if t is not None:
            groups.setdefault(prefix + key, []).append(t)
    distinct = {g for g, ts in groups.items() if len(ts) > 1 and len(set(ts)) == len(ts)}
    return [
        key + ((p["metadata"].get("uid", ""),) if t is not None and prefix + key in distinct else ("",))
        for p, prefix, key, t in zip(pods, prefixes, raw, times)
    ]
