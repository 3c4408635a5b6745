"""The CloneSet's Progressing condition (OpenKruise v1.9 ``progressDeadlineSeconds``).

Vectors: openkruise/kruise:pkg/controller/cloneset/cloneset_status_test.go ``TestSyncProgressingStatus``
(rows whose expectations are consistent with the status code; times in seconds of a fake clock).
"""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.clock import format_time
from graceroll.controllers.cloneset import progress, status
from graceroll.controllers.cloneset.params import MAX_INT32, params_of
from graceroll.node.sim import Behaviour
from graceroll.verbs import rollout
from graceroll.verbs.rollout_kinds import RolloutFailed

from .harness import CloneSetCluster, cloneset

Obj = dict[str, Any]
T0 = 1_000_000.0


def cs(replicas: int = 10, pds: int | None = 10, paused: bool = False, partition: Any = 0, conditions: list[Obj] | None = None, current: str = "1", update: str = "1", **counts: int) -> Obj:
    spec: Obj = {"replicas": replicas, "updateStrategy": {"paused": paused, "partition": partition}}
    if pds is not None:
        spec["progressDeadlineSeconds"] = pds
    st: Obj = {"currentRevision": current, "updateRevision": update, **counts}
    if conditions:
        st["conditions"] = conditions
    return {"metadata": {"name": "c", "generation": 1}, "spec": spec, "status": st}


def new_status(replicas: int, ready: int, available: int, updated: int, updated_ready: int, updated_available: int, expected: int, current: str, update: str) -> Obj:
    return {
        "replicas": replicas,
        "readyReplicas": ready,
        "availableReplicas": available,
        "updatedReplicas": updated,
        "updatedReadyReplicas": updated_ready,
        "updatedAvailableReplicas": updated_available,
        "expectedUpdatedReplicas": expected,
        "currentRevision": current,
        "updateRevision": update,
    }


def cond(reason: str, at: float, status_: str = "True") -> Obj:
    return {"type": "Progressing", "status": status_, "reason": reason, "lastUpdateTime": format_time(at), "lastTransitionTime": format_time(at)}


@pytest.mark.parametrize(
    "obj, new, now, reason, message, requeue",
    [
        pytest.param(cs(pds=None), new_status(5, 4, 3, 2, 1, 1, 2, "1", "2"), T0, None, None, None, id="legacy cs starts with nil pds, should remove the condition"),
        pytest.param(cs(pds=MAX_INT32), new_status(5, 4, 3, 2, 1, 1, 2, "1", "2"), T0, None, None, None, id="legacy cs starts with MaxInt32 pds, should remove the condition"),
        pytest.param(cs(), new_status(5, 4, 3, 2, 1, 1, 2, "1", "2"), T0, "CloneSetUpdated", "CloneSet is progressing", 11, id="legacy cs starts deploying"),
        pytest.param(cs(paused=True), new_status(5, 4, 3, 2, 1, 1, 2, "1", "1"), T0, "CloneSetPaused", "CloneSet is paused", None, id="legacy cs starts paused"),
        pytest.param(cs(), new_status(10, 10, 10, 10, 10, 10, 10, "1", "1"), T0, "CloneSetAvailable", "CloneSet is available", None, id="legacy cs is available"),
        pytest.param(cs(replicas=1, current="2", update="2"), new_status(10, 9, 8, 10, 9, 8, 10, "2", "2"), T0, "CloneSetUpdated", "CloneSet is progressing", 11, id="legacy cs is scaling"),
        pytest.param(cs(replicas=1, paused=True, update="2"), new_status(10, 8, 7, 6, 5, 5, 6, "1", "2"), T0, "CloneSetPaused", "CloneSet is paused", None, id="legacy cs is paused"),
        pytest.param(
            cs(partition="90%", update="2"),
            new_status(10, 10, 10, 1, 1, 1, 1, "1", "2"),
            T0,
            "ProgressPartitionAvailable",
            "CloneSet has been paused due to partition ready",
            None,
            id="legacy cs is available, and CloneSet is paused due to partition available",
        ),
        pytest.param(cs(pds=None, conditions=[cond("CloneSetAvailable", T0 + 10)]), new_status(5, 0, 0, 0, 0, 0, 0, "1", "1"), T0, None, None, None, id="startup with CloneSetAvailable condition, and pds is updated to nil"),
        pytest.param(
            cs(conditions=[cond("CloneSetUpdated", T0 - 3600)]),
            new_status(10, 8, 8, 10, 8, 8, 10, "1", "1"),
            T0,
            "ProgressDeadlineExceeded",
            "CloneSet revision 1 has timed out progressing",
            None,
            id="startup with CloneSetAvailable condition, and CloneSet scales up replicas, timeout",
        ),
        pytest.param(
            cs(conditions=[cond("CloneSetAvailable", T0 + 10)], replicas=1),
            new_status(1, 0, 0, 0, 0, 0, 1, "1", "2"),
            T0 + 5,
            "CloneSetUpdated",
            "CloneSet is progressing",
            11,
            id="startup with CloneSetAvailable condition, and CloneSet reconciles with a new revision",
        ),
    ],
)
def test_sync_progressing_status(obj: Obj, new: Obj, now: float, reason: str | None, message: str | None, requeue: float | None) -> None:
    """openkruise/kruise:pkg/controller/cloneset/cloneset_status_test.go TestSyncProgressingStatus"""
    plan = progress.progressing(obj, params_of(obj), new, obj["status"], now)
    if reason is None:
        assert plan.condition is None
        return
    assert plan.condition is not None
    assert (plan.condition["reason"], plan.condition["message"]) == (reason, message)
    assert plan.condition["status"] == ("False" if reason == "ProgressDeadlineExceeded" else "True")
    assert plan.requeue_after == requeue


def test_the_same_reason_keeps_its_times_unless_the_status_is_written_anyway() -> None:
    """Progress (any count change) refreshes lastUpdateTime; a pass that changes nothing does not write."""
    old = dict(new_status(3, 1, 1, 1, 1, 1, 3, "1", "2"), conditions=[cond("CloneSetUpdated", T0)], observedGeneration=1)
    obj = cs(replicas=3, update="2", conditions=old["conditions"])
    same = dict(new_status(3, 1, 1, 1, 1, 1, 3, "1", "2"), observedGeneration=1)
    same["conditions"] = [progress.progressing(obj, params_of(obj), same, old, T0 + 5).condition]
    assert not status.needs_write(old, same)
    moved = dict(new_status(3, 2, 2, 2, 2, 2, 3, "1", "2"), observedGeneration=1)
    c = progress.progressing(obj, params_of(obj), moved, old, T0 + 5).condition
    assert c is not None and c["lastUpdateTime"] == format_time(T0 + 5) and c["lastTransitionTime"] == format_time(T0)
    moved["conditions"] = [c]
    assert status.needs_write(old, moved)


def test_failed_update_stays_until_the_next_status_write() -> None:
    """kruise rebuilds conditions each pass but writes only an inconsistent status: a pass without
    the error and without a count change leaves the stored FailedUpdate where it is."""
    stored = dict(new_status(3, 3, 3, 0, 0, 0, 3, "1", "2"), observedGeneration=1)
    stored["conditions"] = [{"type": "FailedUpdate", "status": "True", "message": "find Pod x update strategy is InPlaceOnly but can not update in-place"}]
    calm = dict(new_status(3, 3, 3, 0, 0, 0, 3, "1", "2"), observedGeneration=1)
    assert not status.needs_write(stored, calm)
    assert status.needs_write(stored, dict(calm, readyReplicas=2))


def test_a_stuck_rollout_exceeds_its_deadline_and_rollout_status_fails() -> None:
    c = CloneSetCluster(Behaviour(start_seconds=1), {"app:v2": Behaviour(never_ready=True)})
    obj = cloneset("web", 3, max_unavailable=1)
    obj["spec"]["progressDeadlineSeconds"] = 30
    c.store.create(obj)
    assert c.run_until(lambda: c.snapshot().complete)
    got = progress.get_condition(c.get()["status"])
    assert got is not None and got["reason"] == "CloneSetAvailable"

    def change(obj: Obj) -> None:
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = "app:v2"

    c.edit("web", change)
    started = c.now
    assert c.run_until(lambda: c.snapshot().failed)
    assert c.now == started + 30 + 1  # the first look past the deadline
    got = progress.get_condition(c.get()["status"])
    assert got is not None and (got["status"], got["reason"]) == ("False", "ProgressDeadlineExceeded")
    with pytest.raises(RolloutFailed, match='cloneset "web" exceeded its progress deadline'):
        rollout.status_message(c.get())
