"""Scaling and history planners (upstream ``sync.go``): proportional scaling and cleanup."""

from __future__ import annotations

from typing import Any

from graceroll.api.meta import Obj
from graceroll.controllers.canary import traffic
from graceroll.controllers.deployment import util


def scale_targets(d: Obj, new_rs: Obj | None, old_rss: list[Obj]) -> list[tuple[Obj, int]]:
    """``scale()``: (RS, size) pairs to write, in write order; also refreshes replica annotations.

    With one active RS it takes the whole count. Otherwise the difference to replicas+maxSurge is
    spread in proportion to each RS's share of the previous maximum, rounding half away from zero,
    and the leftover goes to the largest RS. Example (TestScale "7 -> 10"): new 2, old 3 and 2
    with max-replicas 7 become 3, 4 and 3.
    """
    replicas = util.spec_replicas(d)
    active_or_latest = util.find_active_or_latest(new_rs, old_rss)
    if active_or_latest is not None:
        if util.spec_replicas(active_or_latest) != replicas:
            return [(active_or_latest, replicas)]
        return []
    if util.is_saturated(d, new_rs):
        return [(rs, 0) for rs in util.filter_active(old_rss)]
    if not util.is_rolling(d):
        return []
    active = util.filter_active(old_rss + [new_rs])
    total = sum(util.spec_replicas(rs) for rs in active)
    allowed = replicas + util.max_surge(d) if replicas > 0 else 0
    to_add = allowed - total
    if to_add > 0:
        active = util.sort_by_size_newer(active)
    elif to_add < 0:
        active = util.sort_by_size_older(active)
    added = 0
    sizes: list[int] = []
    for rs in active:
        if to_add != 0:
            p = util.proportion(rs, d, to_add, added)
            sizes.append(util.spec_replicas(rs) + p)
            added += p
        else:
            sizes.append(util.spec_replicas(rs))
    if active and to_add != 0:
        sizes[0] = max(sizes[0] + to_add - added, 0)
    return list(zip(active, sizes))


def is_scaling_event(d: Obj, new_rs: Obj | None, old_rss: list[Obj]) -> bool:
    """An active RS whose desired-replicas annotation differs from spec.replicas."""
    for rs in util.filter_active(old_rss + [new_rs]):
        desired = util.parse_nonneg_int32(util.annotation(rs, util.DESIRED_REPLICAS_ANNOTATION))
        if desired is not None and desired != util.spec_replicas(d):
            return True
    return False


def cleanup_victims(d: Obj, old_rss: list[Obj]) -> list[Obj]:
    """cleanupDeployment: the old, empty, settled RSs beyond revisionHistoryLimit, oldest revision first."""
    if not util.has_revision_history_limit(d):
        return []
    cleanable = [rs for rs in old_rss if not rs["metadata"].get("deletionTimestamp")]
    diff = len(cleanable) - int(d["spec"]["revisionHistoryLimit"])
    if diff <= 0:
        return []
    victims = []
    for rs in util.sort_by_revision(cleanable)[:diff]:
        st = rs.get("status") or {}
        if (
            int(st.get("replicas") or 0) != 0
            or util.spec_replicas(rs) != 0
            or int(rs["metadata"].get("generation", 0)) > int(st.get("observedGeneration") or 0)
        ):
            continue
        victims.append(rs)
    return victims


def calculate_status(d: Obj, all_rss: list[Obj], new_rs: Obj | None) -> dict[str, Any]:
    """calculateStatus: counts summed over the RSs, plus the Available condition (conditions copied)."""
    available = sum(util.status_field(rs, "availableReplicas") for rs in all_rss)
    total_spec = sum(util.spec_replicas(rs) for rs in all_rss)
    old = d.get("status") or {}
    status: dict[str, Any] = {
        "observedGeneration": int(d["metadata"].get("generation", 0)),
        "replicas": sum(util.status_field(rs, "replicas") for rs in all_rss),
        "updatedReplicas": util.status_field(new_rs, "replicas"),
        "readyReplicas": sum(util.status_field(rs, "readyReplicas") for rs in all_rss),
        "availableReplicas": available,
        "unavailableReplicas": max(0, total_spec - available),
        "conditions": [dict(c) for c in old.get("conditions") or []],
    }
    terminating = terminating_replicas(all_rss)
    if terminating is not None:
        status["terminatingReplicas"] = terminating
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    if (routing := traffic.kept_without_steps(old)) is not None:  # graceroll's extension: not the controller's
        status[traffic.STATUS_KEY] = routing
    return status


def terminating_replicas(rss: list[Obj]) -> int | None:
    """GetTerminatingReplicaCountForReplicaSets: the sum, skipping ReplicaSets not yet synced
    (observedGeneration 0); unknown (None) if a synced one does not report the field."""
    total = 0
    for rs in rss:
        st = rs.get("status") or {}
        if st.get("terminatingReplicas") is None:
            if int(st.get("observedGeneration") or 0) > 0:
                return None
            continue
        total += int(st["terminatingReplicas"])
    return total
