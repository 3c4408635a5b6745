"""``calculate`` against every row of Kruise's ``TestCalculateDiffsWithExpectation`` (reference §5.3).

Origin: openkruise/kruise@v1.9.0:pkg/controller/cloneset/sync/cloneset_sync_utils_test.go
``TestCalculateDiffsWithExpectation``. As in that harness the ``CloneSetPartitionRollback`` gate is
on except where a row says ``rollbackGate=off``; ``prepUpdAsUpd`` rows count PreparingUpdate pods
as updated (Scale's predicate with ``PreparingUpdateAsUpdate`` on).
"""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.cloneset import diff
from graceroll.controllers.cloneset.params import params_of

from .builders import cloneset, facts

FIELDS = {
    "up": "scale_up_num",
    "upOld": "scale_up_num_old_revision",
    "down": "scale_down_num",
    "downOld": "scale_down_num_old_revision",
    "upLimit": "scale_up_limit",
    "delReadyLimit": "delete_ready_limit",
    "surge": "use_surge",
    "surgeOld": "use_surge_old_revision",
    "update": "update_num",
    "updMaxUnav": "update_max_unavailable",
}

VECTORS = [
    pytest.param(0, 0, 1, 0, "", "", "", id="D1 an empty cloneset"),
    pytest.param(5, 0, 1, 0, "", "", "up=5, upLimit=5", id="D2 increase replicas to 5 (step 1/2)"),
    pytest.param(5, 0, 1, 0, "", "5×N/Normal/R", "", id="D3 increase replicas to 5 (step 2/2)"),
    pytest.param(5, 0, 1, 0, "", "N/Normal/R+SD, 4×N/Normal/R", "delReadyLimit=1", id="D4 specified delete 1 pod (all ready) (step 1/3)"),
    pytest.param(5, 0, 1, 0, "", "4×N/Normal/R", "up=1, upLimit=1", id="D5 specified delete 1 pod (all ready) (step 2/3)"),
    pytest.param(5, 0, 1, 0, "", "5×N/Normal/R", "", id="D6 specified delete 1 pod (all ready) (step 3/3)"),
    pytest.param(5, 0, 1, 0, "", "2×N/Normal/R+SD, 3×N/Normal/R", "delReadyLimit=1", id="D7 specified delete 2 pod (all ready) (step 1/6)"),
    pytest.param(5, 0, 1, 0, "", "N/Normal/R+SD, 3×N/Normal/R", "up=1, upLimit=1", id="D8 specified delete 2 pod (all ready) (step 2/6)"),
    pytest.param(5, 0, 1, 0, "", "N/Normal/R+SD, 3×N/Normal/R, N/Normal/U", "", id="D9 specified delete 2 pod (all ready) (step 3/6)"),
    pytest.param(5, 0, 1, 0, "", "N/Normal/R+SD, 4×N/Normal/R", "delReadyLimit=1", id="D10 specified delete 2 pod (all ready) (step 4/6)"),
    pytest.param(5, 0, 1, 0, "", "4×N/Normal/R", "up=1, upLimit=1", id="D11 specified delete 2 pod (all ready) (step 5/6)"),
    pytest.param(5, 0, 1, 0, "", "5×N/Normal/R", "", id="D12 specified delete 2 pod (all ready) (step 6/6)"),
    pytest.param(4, 0, 1, 0, "", "2×N/Normal/U+SD, 3×N/Normal/R", "delReadyLimit=2", id="D13 specified delete 2 pod and replicas to 4 (step 1/3)"),
    pytest.param(4, 0, 1, 0, "", "3×N/Normal/R", "up=1, upLimit=1", id="D14 specified delete 2 pod and replicas to 4 (step 2/3)"),
    pytest.param(4, 0, 1, 0, "", "4×N/Normal/R", "", id="D15 specified delete 2 pod and replicas to 4 (step 3/3)"),
    pytest.param(5, 3, 1, 0, "", "5×O/Normal/R", "update=2, updMaxUnav=1", id="D16 update partition=3 (step 1/3)"),
    pytest.param(5, 3, 1, 0, "", "N/Normal/R, 4×O/Normal/R", "update=1, updMaxUnav=1", id="D17 update partition=3 (step 2/3)"),
    pytest.param(5, 3, 1, 0, "", "2×N/Normal/R, 3×O/Normal/R", "", id="D18 update partition=3 (step 3/3)"),
    pytest.param(5, 4, 2, 0, "", "4×N/Normal/R, O/Normal/R", "update=-3, updMaxUnav=2", id="D19 rollback partition=4 (step 1/3)"),
    pytest.param(5, 4, 2, 0, "", "2×N/Normal/R, 3×O/Normal/R", "update=-1, updMaxUnav=2", id="D20 rollback partition=4 (step 2/3)"),
    pytest.param(5, 4, 2, 0, "", "N/Normal/R, 4×O/Normal/R", "", id="D21 rollback partition=4 (step 3/3)"),
    pytest.param(5, 0, 0, 1, "", "N/Normal/R+SD, 4×N/Normal/R", "up=1, upLimit=1, surge=1", id="D22 specified delete with maxSurge (step 1/4)"),
    pytest.param(5, 0, 0, 1, "", "N/Normal/R+SD, 4×N/Normal/R, N/Normal/U", "surge=1", id="D23 specified delete with maxSurge (step 2/4)"),
    pytest.param(5, 0, 0, 1, "", "N/Normal/R+SD, 5×N/Normal/R", "delReadyLimit=1, surge=1", id="D24 specified delete with maxSurge (step 3/4)"),
    pytest.param(5, 0, 0, 1, "", "5×N/Normal/R", "", id="D25 specified delete with maxSurge (step 4/4)"),
    pytest.param(5, 3, 1, 1, "", "5×O/Normal/R", "up=1, upLimit=1, surge=1, update=2, updMaxUnav=1", id="D26 update in-place partition=3 with maxSurge (step 1/4)"),
    pytest.param(5, 3, 1, 1, "", "5×O/Normal/R, N/Normal/U", "surge=1, update=1, updMaxUnav=2", id="D27 update in-place partition=3 with maxSurge (step 2/4)"),
    pytest.param(5, 3, 1, 1, "", "4×O/Normal/R, N/Updating/U, N/Normal/U", "down=1, downOld=1", id="D28 update in-place partition=3 with maxSurge (step 3/4)"),
    pytest.param(5, 3, 1, 1, "", "4×O/Normal/R, N/Normal/R, N/Normal/U", "down=1, downOld=1, delReadyLimit=1", id="D29 update in-place partition=3 with maxSurge (step 4/4)"),
    pytest.param(5, 3, 1, 1, "", "5×O/Normal/R", "up=1, upLimit=1, surge=1, update=2, updMaxUnav=1", id="D30 update recreate partition=3 with maxSurge (step 1/7)"),
    pytest.param(5, 3, 1, 1, "", "5×O/Normal/R, N/Normal/U", "surge=1, update=1, updMaxUnav=2", id="D31 update recreate partition=3 with maxSurge (step 2/7)"),
    pytest.param(5, 3, 1, 1, "", "4×O/Normal/R, O/Normal/R+SD, N/Normal/U", "delReadyLimit=1, surge=1, surgeOld=1, update=1, updMaxUnav=2", id="D32 update recreate partition=3 with maxSurge (step 3/7)"),
    pytest.param(5, 3, 1, 1, "", "4×O/Normal/R, N/Normal/U", "up=1, upLimit=1, surge=1, update=1, updMaxUnav=1", id="D33 update recreate partition=3 with maxSurge (step 4/7)"),
    pytest.param(5, 3, 1, 1, "", "4×O/Normal/R, 2×N/Normal/U", "down=1, downOld=1", id="D34 update recreate partition=3 with maxSurge (step 5/7)"),
    pytest.param(5, 3, 1, 1, "", "4×O/Normal/R, N/Normal/R, N/Normal/U", "down=1, downOld=1, delReadyLimit=1", id="D35 update recreate partition=3 with maxSurge (step 6/7)"),
    pytest.param(5, 3, 1, 1, "", "3×O/Normal/R, 2×N/Normal/R", "", id="D36 update recreate partition=3 with maxSurge (step 7/7)"),
    pytest.param(5, '99%', 3, 2, "", "5×O/Normal/R", "up=1, upLimit=1, surge=1, update=1, updMaxUnav=3", id="D37 update recreate partition=99% with maxUnavailable=3, maxSurge=2 (step 1/3)"),
    pytest.param(5, '99%', 3, 2, "", "5×O/Normal/R, N/Normal/U", "down=1, downOld=1, delReadyLimit=3", id="D38 update recreate partition=99% with maxUnavailable=3, maxSurge=2 (step 2/3)"),
    pytest.param(5, '99%', 3, 2, "", "4×O/Normal/R, N/Normal/U", "", id="D39 update recreate partition=99% with maxUnavailable=3, maxSurge=2 (step 3/3)"),
    pytest.param(5, '99%', '40%', '30%', "", "5×O/Normal/R", "up=1, upLimit=1, surge=1, update=1, updMaxUnav=2", id="D40 update recreate partition=99% with maxUnavailable=40%, maxSurge=30% (step 1/3)"),
    pytest.param(5, '99%', '40%', '30%', "", "5×O/Normal/R, N/Normal/U", "down=1, downOld=1, delReadyLimit=2", id="D41 update recreate partition=99% with maxUnavailable=40%, maxSurge=30% (step 2/3)"),
    pytest.param(5, '99%', '40%', '30%', "", "4×O/Normal/R, N/Normal/U", "", id="D42 update recreate partition=99% with maxUnavailable=40%, maxSurge=30% (step 3/3)"),
    pytest.param(5, '99%', '30%', '30%', "", "5×O/Normal/R", "up=1, upLimit=1, surge=1, update=1, updMaxUnav=1", id="D43 update recreate partition=99% with maxUnavailable=30%, maxSurge=30% (step 1/3)"),
    pytest.param(5, '99%', '30%', '30%', "", "5×O/Normal/R, N/Normal/U", "down=1, downOld=1, delReadyLimit=1", id="D44 update recreate partition=99% with maxUnavailable=30%, maxSurge=30% (step 2/3)"),
    pytest.param(5, '99%', '30%', '30%', "", "4×O/Normal/R, N/Normal/U", "", id="D45 update recreate partition=99% with maxUnavailable=30%, maxSurge=30% (step 3/3)"),
    pytest.param(5, 0, 1, 0, "cur==upd", "5×N/Normal/R", "", id="D46 revision consistent 1"),
    pytest.param(5, 3, 1, 0, "cur==upd", "5×N/Normal/R", "", id="D47 revision consistent 2"),
    pytest.param(5, 3, 1, 0, "cur==upd", "2×O/Normal/R, 3×N/Normal/R", "", id="D48 revision consistent 3"),
    pytest.param(5, 1, 1, 0, "cur==upd", "3×O/Normal/R, 2×N/Normal/R", "update=2, updMaxUnav=1", id="D49 revision consistent 4"),
    pytest.param(5, 1, 2, 0, "cur==upd", "2×O/Normal/R, 2×N/Normal/R", "up=1, upLimit=1, update=1, updMaxUnav=1", id="D50 allow to update when fail to scale out normally"),
    pytest.param(5, 1, 1, 0, "cur==upd", "3×O/Normal/R, 3×N/Normal/R", "down=1, downOld=2, delReadyLimit=2, update=1, updMaxUnav=2", id="D51 allow to update when fail to scale in normally"),
    pytest.param(5, 4, 1, 0, "rollbackGate=off", "O/Normal/R, 4×N/Normal/R", "", id="D52 disable rollback feature-gate"),
    pytest.param(5, 0, 1, 0, "scaleMaxUnav=2", "", "up=5, upLimit=2", id="D53 increase replicas 0 to 5 with scale maxUnavailable = 2"),
    pytest.param(6, 0, 1, 0, "scaleMaxUnav=2", "2×N/Normal/R, N/Normal/U", "up=3, upLimit=1", id="D54 increase replicas 3 to 6 with scale maxUnavailable = 2, not ready pod = 1"),
    pytest.param(6, 0, 1, 0, "scaleMaxUnav=2", "N/Normal/R, 2×N/Normal/U", "up=3", id="D55 increase replicas 3 to 6 with scale maxUnavailable = 2, not ready pod = 2"),
    pytest.param(3, 0, 1, 0, "", "2×N/Normal/R, N/Normal/R+SD", "delReadyLimit=1", id="D56 [scalingExcludePreparingDelete=false] specific delete a pod with lifecycle hook (step 1/4)"),
    pytest.param(3, 0, 1, 0, "", "2×N/Normal/R, N/PrepDel/R+SD", "", id="D57 [scalingExcludePreparingDelete=false] specific delete a pod with lifecycle hook (step 2/4)"),
    pytest.param(3, 0, 1, 0, "", "2×N/Normal/R", "up=1, upLimit=1", id="D58 [scalingExcludePreparingDelete=false] specific delete a pod with lifecycle hook (step 3/4)"),
    pytest.param(3, 0, 1, 0, "", "2×N/Normal/R, N/Normal/U", "", id="D59 [scalingExcludePreparingDelete=false] specific delete a pod with lifecycle hook (step 4/4)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "2×N/Normal/R, N/Normal/R+SD", "delReadyLimit=1", id="D60 [scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook (step 1/4)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "2×N/Normal/R, N/PrepDel/R+SD", "up=1, upLimit=1", id="D61 [scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook (step 2/4)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "2×N/Normal/R, N/PrepDel/R+SD, N/Normal/U", "", id="D62 [scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook (step 3/4)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "2×N/Normal/R, N/PrepDel/R+SD, N/Normal/U", "", id="D63 [scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook (step 4/4)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "2×N/Normal/R, N/Normal/R+SD", "delReadyLimit=1", id="D64 [scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook and then cancel (step 1/5)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "2×N/Normal/R, N/PrepDel/R+SD", "up=1, upLimit=1", id="D65 [scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook and then cancel (step 2/5)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "2×N/Normal/R, N/PrepDel/R+SD, N/Normal/U", "", id="D66 [scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook and then cancel (step 3/5)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "3×N/Normal/R, N/Normal/U", "down=1, delReadyLimit=1", id="D67 [scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook and then cancel (step 4/5)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "3×N/Normal/R", "", id="D68 [scalingExcludePreparingDelete=true] specific delete a pod with lifecycle hook and then cancel (step 5/5)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "3×N/Normal/R", "", id="D69 [scalingExcludePreparingDelete=true] specific scale down with lifecycle hook, then scale up pods (step 1/6)"),
    pytest.param(2, 0, 1, 0, "excludePrepDel", "2×N/Normal/R, N/Normal/R+SD", "delReadyLimit=2", id="D70 [scalingExcludePreparingDelete=true] specific scale down with lifecycle hook, then scale up pods (step 2/6)"),
    pytest.param(2, 0, 1, 0, "excludePrepDel", "2×N/Normal/R, N/PrepDel/R+SD", "", id="D71 [scalingExcludePreparingDelete=true] specific scale down with lifecycle hook, then scale up pods (step 3/6)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "2×N/Normal/R, N/PrepDel/R+SD", "up=1, upLimit=1", id="D72 [scalingExcludePreparingDelete=true] specific scale down with lifecycle hook, then scale up pods (step 4/6)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "2×N/Normal/R, N/PrepDel/R+SD, N/Normal/U", "", id="D73 [scalingExcludePreparingDelete=true] specific scale down with lifecycle hook, then scale up pods (step 5/6)"),
    pytest.param(3, 0, 1, 0, "excludePrepDel", "2×N/Normal/R, N/Normal/U", "", id="D74 [scalingExcludePreparingDelete=true] specific scale down with lifecycle hook, then scale up pods (step 6/6)"),
    pytest.param(4, '90%', 1, 0, "excludePrepDel prepUpdAsUpd", "O/PrepUpd/R, 2×O/Normal/R", "up=1, upOld=1, upLimit=1", id="D75 [scalingWithPreparingUpdate=true] scaling up when a preparing pod is not updated, and expected-updated is 1"),
    pytest.param(4, 2, 1, 0, "excludePrepDel prepUpdAsUpd", "O/PrepUpd/R, 2×O/Normal/R", "up=1, upLimit=1", id="D76 [scalingWithPreparingUpdate=true] scaling up when a preparing pod is not updated, and expected-updated is 2"),
    pytest.param(5, 0, 0, 3, "paused", "3×O/Normal/R", "up=2, upLimit=2, update=3, updMaxUnav=-2", id="D77 [UpdateStrategyPaused=true] scale up pods with maxSurge=3,maxUnavailable=0"),
    pytest.param(3, 0, 0, 3, "paused", "5×O/Normal/R", "down=2, downOld=5, delReadyLimit=2, update=3, updMaxUnav=2", id="D78 [UpdateStrategyPaused=true] scale down pods with maxSurge=3,maxUnavailable=0"),
    pytest.param(5, 0, 0, 3, "paused", "5×O/Normal/R, 3×N/Normal/U", "down=3, downOld=5, update=2, updMaxUnav=3", id="D79 [UpdateStrategyPaused=true] create 0 newRevision pods with maxSurge=3,maxUnavailable=0"),
    pytest.param(5, 2, 0, 3, "paused", "5×O/Normal/R, 3×N/Normal/U", "down=3, downOld=3", id="D80 [UpdateStrategyPaused=true] create 0 newRevision pods with maxSurge=3,maxUnavailable=0"),
]


def expected(text: str) -> diff.Diffs:
    values = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        key, value = item.split("=")
        values[FIELDS[key]] = int(value)
    return diff.Diffs(**values)


@pytest.mark.parametrize(("replicas", "partition", "max_unavailable", "max_surge", "flags", "pods", "want"), VECTORS)
def test_calculate_diffs_matches_upstream(replicas: int, partition: Any, max_unavailable: Any, max_surge: Any, flags: str, pods: str, want: str) -> None:
    strategy: dict[str, Any] = {"paused": True} if "paused" in flags else {}
    cs = cloneset(replicas, partition, max_unavailable, max_surge, **strategy)
    for flag in flags.split():
        if flag.startswith("scaleMaxUnav="):
            cs["spec"]["scaleStrategy"] = {"maxUnavailable": int(flag.split("=")[1])}
    got = diff.calculate(
        params_of(cs),
        facts(pods, preparing_update_as_update="prepUpdAsUpd" in flags),
        same_revision="cur==upd" in flags,
        partition_rollback="rollbackGate=off" not in flags,
        exclude_preparing_delete="excludePrepDel" in flags,
    )
    assert got == expected(want)


def test_a_plan_logs_only_its_non_zero_fields() -> None:
    assert str(diff.Diffs(scale_up_num=5, scale_up_limit=5)) == '{"scale_up_num": 5, "scale_up_limit": 5}'
    assert diff.Diffs().empty
