"""``calculateDiffsWithExpectation``: every number one reconcile acts on (reference §2.4).

Partition is a count target: keep P pods old, R − P new. The surplus and deficit on each side
drive both scaling (which revision to create or delete) and updating; maxSurge is used only when
an old surplus meets a new deficit (or specified deletions would exceed maxUnavailable).

Worked example (D32, "update recreate partition=3 with maxSurge (step 3/7)"): R=5, P=3, U=1, S=1;
4 old ready pods, 1 old ready pod marked for deletion, 1 new pod not ready. Then active_old=5
(toDel_old=1), active_new=1 (unavail_new=1); oldDiff=2, newDiff=−1; scaleSurge=min(max(1+1−1,0),1)=1,
all of it old; updateSurge=1 (new deficit); so surge=1, surgeOld=1; 6 pods = R+surge, no scaling;
deleteReadyLimit = 1 + (6−5) − 1 = 1; update = −newDiff = 1 with updateMaxUnavailable 1 + 6 − 5 = 2.

Upstream's feature gates are arguments here: ``partition_rollback`` (``CloneSetPartitionRollback``)
and ``exclude_preparing_delete`` (the CloneSet label or the manager flag).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from graceroll.controllers import lifecycle
from graceroll.controllers.cloneset.params import Params


@dataclass(frozen=True)
class PodFacts:
    """What the calculation needs of one active pod."""

    updated: bool
    state: str = lifecycle.NORMAL  # lifecycle state label
    specified_delete: bool = False
    available: bool = True


@dataclass(frozen=True)
class Diffs:
    scale_up_num: int = 0  # pods to create to reach R (+ surge)
    scale_up_num_old_revision: int = 0  # of those, at the current revision
    scale_down_num: int = 0  # surplus pods to delete
    scale_down_num_old_revision: int = 0  # of those, at old revisions
    scale_up_limit: int = 0  # creations allowed now (scaleStrategy.maxUnavailable)
    delete_ready_limit: int = 0  # ready pods that may be deleted now
    use_surge: int = 0  # extra pods above R in use
    use_surge_old_revision: int = 0  # of those, at the current revision
    update_num: int = 0  # > 0: pods to move to the update revision; < 0: back to current
    update_max_unavailable: int = 0  # unavailable pods the update may cause (may be <= 0)

    @property
    def empty(self) -> bool:
        return self == Diffs()

    def __str__(self) -> str:
        """The non-zero fields as JSON, for one log line per decision."""
        return json.dumps({k: v for k, v in asdict(self).items() if v})


@dataclass
class _Side:
    count: int = 0
    pre_delete: int = 0
    active: int = 0
    to_delete: int = 0
    unavailable: int = 0


def calculate(
    p: Params,
    pods: Sequence[PodFacts],
    *,
    same_revision: bool,
    partition_rollback: bool = False,
    exclude_preparing_delete: bool = False,
) -> Diffs:
    """The plan for ``pods`` (all active pods); ``same_revision``: currentRevision == updateRevision."""
    new, old = _Side(), _Side()
    for pod in pods:
        side = new if pod.updated else old
        side.count += 1
        if pod.state == lifecycle.PREPARING_DELETE:
            side.pre_delete += 1
            continue
        side.active += 1
        if pod.specified_delete:
            side.to_delete += 1
        elif not pod.available:
            side.unavailable += 1

    R, P, S, U = p.replicas, p.partition, p.max_surge, p.max_unavailable
    old_diff = old.active - P
    new_diff = new.active - (R - P)
    total_unavailable = new.pre_delete + old.pre_delete + new.unavailable + old.unavailable
    if same_revision or not partition_rollback:
        old_diff, new_diff = max(old_diff, 0), min(new_diff, 0)

    use_surge = use_surge_old = 0
    if S > 0:
        to_delete = new.to_delete + old.to_delete
        scale_surge = scale_old_surge = 0
        if to_delete > 0:
            scale_surge = min(max(total_unavailable + to_delete - U, 0), to_delete)
            scale_old_surge = scale_surge - new.to_delete if scale_surge > new.to_delete else 0
        update_surge = update_old_surge = 0
        if (old_diff > 0 and new_diff < 0) or (old_diff < 0 and new_diff > 0):
            if abs(old_diff) <= abs(new_diff):
                update_surge = abs(old_diff)
                update_old_surge = update_surge if old_diff < 0 else 0
            else:
                update_surge = abs(new_diff)
                update_old_surge = update_surge if new_diff > 0 else 0
        if scale_surge >= update_surge:
            use_surge = min(S, scale_surge)
            use_surge_old = min(use_surge, scale_old_surge)
        else:
            use_surge = min(S, update_surge)
            use_surge_old = min(use_surge, update_old_surge)

    cur_total, cur_old = len(pods), old.count
    if exclude_preparing_delete:
        cur_total -= new.pre_delete + old.pre_delete
        cur_old -= old.pre_delete
    exp_total, exp_old = R + use_surge, P + use_surge_old
    up = up_old = up_limit = down = down_old = delete_ready_limit = 0
    if exp_total - cur_total > 0:
        up = exp_total - cur_total
        up_old = max(exp_old - cur_old, 0)
        up_limit = min(up, max(p.scale_max_unavailable - total_unavailable, 0))
    surplus = cur_total - old.to_delete - new.to_delete - exp_total
    if surplus > 0:
        down = surplus
        down_old = max(cur_old - old.to_delete - exp_old, 0)
    if new.to_delete > 0 or old.to_delete > 0 or down > 0:
        delete_ready_limit = max(U + (len(pods) - R) - total_unavailable, 0)

    update_num = old_diff if abs(old_diff) <= abs(new_diff) else -new_diff
    update_max_unavailable = U + len(pods) - R if update_num != 0 else 0
    return Diffs(
        scale_up_num=up,
        scale_up_num_old_revision=up_old,
        scale_down_num=down,
        scale_down_num_old_revision=down_old,
        scale_up_limit=up_limit,
        delete_ready_limit=delete_ready_limit,
        use_surge=use_surge,
        use_surge_old_revision=use_surge_old,
        update_num=update_num,
        update_max_unavailable=update_max_unavailable,
    )
