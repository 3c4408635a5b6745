"""Rolling-update planners (upstream ``rolling.go``), pure: ReplicaSets in, new sizes out.

Worked example (replicas 10, maxSurge 3, maxUnavailable 2, old RS 10/10 available): the new RS
may grow to 10+3-10 = 3; old pods may drop to 10-2 = 8 available, and unavailable new pods count
against that budget, so a crash-looping new RS never lets the old one shrink (no deadlock, no
outage).
"""

from __future__ import annotations

from dataclasses import dataclass

from graceroll.api.meta import Obj
from graceroll.controllers.deployment import util


def new_rs_target(d: Obj, all_rss: list[Obj], new_rs: Obj) -> int | None:
    """reconcileNewReplicaSet: the size the new RS should take now, or None to leave it."""
    want, have = util.spec_replicas(d), util.spec_replicas(new_rs)
    if have == want:
        return None
    if have > want:
        return want
    n = util.new_rs_new_replicas(d, all_rss, new_rs)
    return None if n == have else n


@dataclass(frozen=True)
class OldScalePlan:
    """reconcileOldReplicaSets as two ordered lists of (RS name, new size), written in this order:
    the unhealthy cleanup first, then the scale-down of available pods. Upstream makes each a
    separate write with its own ScalingReplicaSet event, so one RS may appear in both."""

    cleanup: tuple[tuple[str, int], ...] = ()
    scale_down: tuple[tuple[str, int], ...] = ()

    @property
    def sizes(self) -> dict[str, int]:
        """The size each RS ends at (the later write wins)."""
        return dict(self.cleanup + self.scale_down)

    def __bool__(self) -> bool:
        return bool(self.cleanup or self.scale_down)


def old_rs_targets(d: Obj, all_rss: list[Obj], old_active: list[Obj], new_rs: Obj | None) -> OldScalePlan:
    """reconcileOldReplicaSets: the writes that shrink old RSs; empty if none may shrink.

    Example (replicas 10, maxUnavailable 2, old RS 10 with 8 available, new RS 3 all available):
    maxScaledDown = 13 - 8 - 0 = 5; the cleanup takes the old RS to 8 (its 2 unavailable pods),
    then the scale-down sheds 11 - 8 = 3 available ones: two writes, 10 -> 8 and 8 -> 5.
    """
    if sum(util.spec_replicas(rs) for rs in old_active) == 0:
        return OldScalePlan()
    all_pods = sum(util.spec_replicas(rs) for rs in all_rss)
    min_available = util.spec_replicas(d) - util.max_unavailable(d)
    new_unavailable = util.spec_replicas(new_rs) - util.status_field(new_rs, "availableReplicas")
    max_scaled_down = all_pods - min_available - new_unavailable
    if max_scaled_down <= 0:
        return OldScalePlan()
    cleaned = cleanup_unhealthy(old_active, max_scaled_down)
    current = {rs["metadata"]["name"]: cleaned.get(rs["metadata"]["name"], util.spec_replicas(rs)) for rs in old_active}
    shed = scale_down_old(d, [new_rs] if new_rs is not None else [], old_active, current)
    return OldScalePlan(tuple(cleaned.items()), tuple(shed.items()))


def cleanup_unhealthy(old_rss: list[Obj], max_cleanup: int) -> dict[str, int]:
    """Shrink old RSs by their unavailable pods first, oldest RS first, at most ``max_cleanup``."""
    sizes: dict[str, int] = {}
    total = 0
    for rs in sorted(old_rss, key=util.creation_key):
        if total >= max_cleanup:
            break
        replicas = util.spec_replicas(rs)
        available = util.status_field(rs, "availableReplicas")
        if replicas == 0 or replicas == available:
            continue
        c = min(max_cleanup - total, replicas - available)
        sizes[rs["metadata"]["name"]] = replicas - c
        total += c
    return sizes


def scale_down_old(d: Obj, other_rss: list[Obj], old_rss: list[Obj], current: dict[str, int]) -> dict[str, int]:
    """scaleDownOldReplicaSetsForRollingUpdate: shed available old pods down to minAvailable.

    ``current`` holds the old RSs' sizes after the unhealthy cleanup of the same pass; availability
    is the stored status, as upstream.
    """
    min_available = util.spec_replicas(d) - util.max_unavailable(d)
    available = sum(util.status_field(rs, "availableReplicas") for rs in list(other_rss) + list(old_rss))
    if available <= min_available:
        return {}
    want = available - min_available
    sizes: dict[str, int] = {}
    total = 0
    for rs in sorted(old_rss, key=util.creation_key):
        if total >= want:
            break
        replicas = current[rs["metadata"]["name"]]
        if replicas == 0:
            continue
        c = min(replicas, want - total)
        sizes[rs["metadata"]["name"]] = replicas - c
        total += c
    return sizes
