"""Update order and limit: ``TestCalculateUpdateCount`` (§5.4), ``TestSortUpdateIndexes`` (§5.5).

Origin: openkruise/kruise@v1.9.0:pkg/controller/cloneset/sync/cloneset_update_test.go. As in that
harness: gate ``CloneSetPartitionRollback`` on, candidates are the pods not at the target
revision in index order (no sorting), minReadySeconds 0; "r" = Running and Ready, "e" = a pod
without any status.
"""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.cloneset import diff, ordering
from graceroll.controllers.cloneset.params import params_of
from graceroll.controllers.cloneset.scale import facts

from .builders import cloneset, pod

CURRENT, UPDATED = "current", "updated"

COUNTS = [
    pytest.param(3, None, None, None, "0:Or 1:Or 2:Or", 1, id="U1"),
    pytest.param(3, None, None, None, "0:Or 1:Oe 2:Or", 0, id="U2"),
    pytest.param(3, None, None, None, "0:Oe 1:Or 2:Or", 1, id="U3"),
    pytest.param(10, None, None, None, "0:Oe 1:Or 2:Or 3:Or 4:Or 5:Or 6:Or 7:Or 8:Oe 9:Nr", 1, id="U4"),
    pytest.param(3, 2, 3, None, "0:Oe 1:Or 2:Nr", 0, id="U5"),
    pytest.param(8, 2, '50%', None, "0:Oe 1:Or 2:Oe 3:Or 4:Or 5:Or 6:Or 7:Ne", 3, id="U6"),
    pytest.param(5, 0, 2, None, "0:Oe 1:Oe 2:Oe 3:Oe 4:Oe", 2, id="U7"),
    pytest.param(5, 0, 2, None, "0:Oe 1:Oe 2:Oe 3:Ne 4:Ne", 0, id="U8"),
    pytest.param(5, 0, 2, None, "0:Oe 1:Oe 2:Oe 3:Nr 4:Ne", 1, id="U9"),
    pytest.param(5, 0, 2, 1, "0:Oe 1:Oe 2:Oe 3:Oe 4:Oe 5:Ne", 2, id="U10"),
    pytest.param(5, 0, 2, 1, "0:Oe 1:Oe 2:Oe 3:Oe 4:Nr 5:Ne", 2, id="U11"),
    pytest.param(5, 0, 2, 1, "0:Oe 1:Oe 2:Oe 3:Ne 4:Nr 5:Ne", 1, id="U12"),
    pytest.param(5, 0, 2, 1, "0:Oe 1:Oe 2:Oe 3:Ne 4:Ne 5:Ne", 0, id="U13"),
    pytest.param(8, 7, 2, None, "0:Or 1:Or 2:Or 3:Ne 4:Ne 5:Ne 6:Ne 7:Ne", 2, id="U14"),
    pytest.param(4, None, 0, 2, "0:Or 1:Or 2:Nr 3:Nr 4:Nr", 1, id="U15"),
    pytest.param(4, None, 0, 2, "0:Or 1:Or 2:Or 3:Or 4:Nr 5:Nr", 2, id="U16"),
]


@pytest.mark.parametrize(("replicas", "partition", "max_unavailable", "max_surge", "layout", "want"), COUNTS)
def test_calculate_update_count(replicas: int, partition: Any, max_unavailable: Any, max_surge: Any, layout: str, want: int) -> None:
    cs = cloneset(replicas, partition, max_unavailable, max_surge)
    pods = []
    for cell in layout.split():
        index, code = cell.split(":")
        pods.append(pod(f"p-{index}", CURRENT if code[0] == "O" else UPDATED, state="", ready=code[1] == "r"))
    p = params_of(cs)
    d = diff.calculate(p, facts(pods, p, UPDATED, set(), 0.0, for_scale=False), same_revision=False, partition_rollback=True)
    target = UPDATED if d.update_num > 0 else CURRENT
    candidates = [i for i, x in enumerate(pods) if x["metadata"]["labels"]["controller-revision-hash"] != target]
    chosen = ordering.limit_update_indexes(pods, candidates, d.update_num, d.update_max_unavailable, target, 0, 0.0)
    assert len(chosen) == want


def test_default_order_puts_pending_and_not_ready_pods_first() -> None:
    """O1: 0 Pending+Ready, 1 Pending, 2 Pending, 3 Running+Ready, 4 Running; candidates [0, 1, 3, 4]."""
    pods = [
        pod("p-0", phase="Pending"),
        pod("p-1", ready=False, phase="Pending"),
        pod("p-2", ready=False, phase="Pending"),
        pod("p-3"),
        pod("p-4", ready=False, phase="Running"),
    ]
    assert ordering.sort_update_indexes({}, pods, [0, 1, 3, 4]) == [1, 0, 4, 3]


def test_preparing_update_pods_go_first_and_ties_keep_their_position() -> None:
    pods = [pod("a"), pod("b", state="PreparingUpdate"), pod("c")]
    assert ordering.sort_update_indexes({}, pods, [0, 1, 2]) == [1, 0, 2]
