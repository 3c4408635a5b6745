"""Canary steps on a CloneSet (graceroll's extension): Kruise's partition arithmetic, the user's own
``paused``, resume / promote / cancel, traffic steps, the judge's abort, the writes in order."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.api.admission import admit
from graceroll.api.meta import clone
from graceroll.controllers.canary.abort import ROLLOUT_ABORTED
from graceroll.controllers.canary.state import PAUSED_BY_STEP
from graceroll.controllers.canary.traffic import TRAFFIC_ROUTING_UPDATED
from graceroll.controllers.cloneset import canary
from graceroll.controllers.cloneset.controller import CloneSetController
from graceroll.dashboard import actions
from graceroll.verbs import rollout

from ..canary.synthetic import Answer
from ..gamestatefulset.harness import judge_template
from ..recording import WriteRecorder
from .harness import CloneSetCluster, cloneset

Obj = dict[str, Any]
STEPS: list[Obj] = [{"partition": "90%"}, {"trafficWeight": 10}, {"pause": {}}, {"partition": 5}, {"pause": {"duration": 30}}, {"partition": 0}]


def started(steps: list[Obj] | None = STEPS, answers: dict[str, Answer] | None = None, replicas: int = 10) -> CloneSetCluster:
    c = CloneSetCluster(answers=answers)
    strategy = {"canary": {"steps": steps}} if steps is not None else {}
    c.store.create(cloneset(replicas=replicas, max_unavailable=2, **strategy))
    assert c.run_until(lambda: c.snapshot().complete)
    return c


def set_image(c: CloneSetCluster, image: str) -> None:
    new = clone(c.get())
    new["spec"]["template"]["spec"]["containers"][0]["image"] = image
    c.store.update(admit(new, c.get()))
    c.manager.run_pending()


def images(c: CloneSetCluster) -> list[str]:
    return sorted(p["spec"]["containers"][0]["image"] for p in c.pods())


def paused(c: CloneSetCluster) -> bool:
    return bool(c.get()["spec"]["updateStrategy"].get("paused"))


@pytest.mark.parametrize(
    ("value", "replicas", "kept"),
    [
        pytest.param(9, 10, 9, id="an int"),
        pytest.param("90%", 10, 9, id="a percent"),
        pytest.param("99%", 10, 9, id="below 100% one pod is still updated (Kruise)"),
        pytest.param("100%", 10, 10, id="100% keeps every pod"),
        pytest.param(12, 10, 10, id="clamped to replicas"),
    ],
)
def test_a_partition_step_uses_kruise_arithmetic(value: Any, replicas: int, kept: int) -> None:
    assert canary.partition_value(value, replicas) == kept


def test_first_creation_skips_the_steps_and_a_cloneset_without_steps_keeps_upstreams_status() -> None:
    c = started()
    st = c.get()["status"]
    assert st["currentStepIndex"] == len(STEPS) and st["canary"] == {"revision": st["updateRevision"]}
    plain = started(None)
    assert not set(canary.STATUS_KEYS) & set(plain.get()["status"])


def test_partition_traffic_pause_resume_timed_pause_then_the_rest() -> None:
    c = started()
    set_image(c, "app:v2")
    c.advance(60)
    st = c.get()["status"]
    new = st["updateRevision"]
    assert images(c) == ["app:v1"] * 9 + ["app:v2"] and st["expectedUpdatedReplicas"] == 1
    assert st["currentStepIndex"] == 2 and [p["reason"] for p in st["pauseConditions"]] == [PAUSED_BY_STEP] and paused(c)
    assert st["trafficRouting"] == {"canaryRevision": new, "weight": 10}
    message, done = rollout.status(c.store, "cloneset", "web")
    assert not done and message == f'canary step 2/6 (pause; traffic: 10% to revision {new}): cloneset "web" is paused (PausedByCanaryPauseStep); "rollout resume" goes on'
    assert rollout.resume(c.store, "cloneset", "web") == "cloneset.apps.kruise.io/web resumed"
    c.advance(10)
    st = c.get()["status"]
    assert st["currentStepIndex"] == 4 and images(c).count("app:v2") == 5 and paused(c)  # the timed pause pauses too
    assert c.run_until(lambda: c.snapshot().complete)
    st = c.get()["status"]
    assert images(c) == ["app:v2"] * 10 and not paused(c) and "trafficRouting" not in st and "pauseConditions" not in st
    assert st["canary"] == {"revision": new} and c.events("SetStepIndex") == [f"set current step index {i}" for i in range(1, 7)]


def test_a_users_own_pause_holds_the_canary_and_is_left_alone() -> None:
    c = started([{"partition": 5}, {"partition": 0}])
    rollout.pause(c.store, "cloneset", "web")
    set_image(c, "app:v2")
    c.advance(60)
    assert images(c) == ["app:v1"] * 10 and paused(c)  # Kruise's pause: no update at all
    rollout.resume(c.store, "cloneset", "web")
    assert c.run_until(lambda: c.snapshot().complete)
    assert images(c) == ["app:v2"] * 10 and not paused(c)


def test_promote_resumes_the_paused_canary_and_cancel_goes_back_to_the_stable_revision() -> None:
    c = started()
    stable = c.get()["status"]["updateRevision"]
    set_image(c, "app:v2")
    c.advance(60)
    assert actions.run(c.store, "promote", "CloneSet", "default", "web") == "cloneset.apps.kruise.io/web resumed"
    c.advance(10)
    assert c.get()["status"]["currentStepIndex"] == 4
    canary_rev = c.get()["status"]["updateRevision"]
    assert actions.run(c.store, "cancel", "CloneSet", "default", "web") == "cloneset.apps.kruise.io/web rolled back to the stable revision"
    assert c.run_until(lambda: c.snapshot().complete)
    st = c.get()["status"]
    assert images(c) == ["app:v1"] * 10 and st["updateRevision"] == stable and st["currentStepIndex"] == len(STEPS)
    assert "trafficRouting" not in st and not paused(c)
    assert c.events(TRAFFIC_ROUTING_UPDATED)[-2:] == [
        f"traffic routing: 0% to revision {canary_rev} (was 10% to revision {canary_rev})",
        f"traffic routing cleared: requests go to every ready pod (was 0% to revision {canary_rev})",
    ]
    assert rollout.cancel(c.store, "cloneset", "web") == "cloneset.apps.kruise.io/web skipped cancel (already at the stable revision)"


def test_promote_without_steps_sets_the_partition_to_0() -> None:
    c = CloneSetCluster()
    c.store.create(cloneset(replicas=4, partition=4))
    c.run_until(lambda: c.snapshot().complete)
    actions.run(c.store, "promote", "CloneSet", "default", "web")
    assert c.get()["spec"]["updateStrategy"]["partition"] == 0


def test_removing_the_steps_drops_the_canary_status_and_a_pause_it_made() -> None:
    c = started()
    set_image(c, "app:v2")
    c.advance(60)
    assert paused(c)
    new = clone(c.get())
    del new["spec"]["updateStrategy"]["canary"]
    c.store.update(admit(new, c.get()))
    assert c.run_until(lambda: c.snapshot().complete)
    assert not set(canary.STATUS_KEYS) & set(c.get()["status"]) and not paused(c) and images(c) == ["app:v2"] * 10


def test_the_writes_of_a_pause_step_in_order() -> None:
    """The status with its pause condition, then ``paused: true``: one write each."""
    c = started([{"pause": {}}, {"partition": 0}])
    set_image(c, "app:v2")
    c.store.update_status(dict(c.get(), status=dict(c.get()["status"], pauseConditions=[])))  # back before the pause
    before = clone(c.get())
    before["spec"]["updateStrategy"]["paused"] = False
    c.store.update(before)
    recorder = WriteRecorder(c.store)
    CloneSetController(recorder, c.clock).reconcile(("default", "web"))
    assert recorder.writes == [("update", "CloneSet", "web", "status"), ("update", "CloneSet", "web", "")]
    assert c.get()["status"]["pauseConditions"][0]["reason"] == PAUSED_BY_STEP and paused(c)


def test_a_bad_canary_is_judged_failed_and_aborted() -> None:
    steps: list[Obj] = [{"partition": 9}, {"trafficWeight": 10}, {"hook": {"templateName": "judge", "onFailure": "Abort"}}, {"partition": 0}]
    c = started(steps, answers={"app:bad": Answer(fail_rate=0.2)})
    c.store.create(judge_template(service="web", minRequests=50))
    stable = c.get()["status"]["updateRevision"]
    set_image(c, "app:bad")
    canary_rev = c.get()["status"]["updateRevision"]
    assert c.run_until(lambda: bool(c.events(ROLLOUT_ABORTED)), limit=120)
    assert c.traffic is not None
    at_abort = c.traffic.revisions[canary_rev].requests
    assert c.run_until(lambda: c.snapshot().complete)
    c.advance(60)
    st = c.get()["status"]
    assert images(c) == ["app:v1"] * 10 and st["updateRevision"] == stable and "trafficRouting" not in st
    assert c.traffic.revisions[canary_rev].requests == at_abort and c.traffic.revisions[stable].failures == 0


def test_without_steps_a_routing_written_by_another_stays_and_removed_steps_take_theirs_along() -> None:
    plain = started(None)
    routing = {"canaryRevision": "web-elsewhere", "weight": 30}
    plain.store.update_status(dict(plain.get(), status=dict(plain.get()["status"], trafficRouting=routing)))
    set_image(plain, "app:v2")
    assert plain.run_until(lambda: plain.snapshot().complete)
    assert plain.get()["status"]["trafficRouting"] == routing  # the controller wrote the status, and kept it

    c = started()
    set_image(c, "app:v2")
    c.advance(60)
    assert c.get()["status"]["trafficRouting"]["weight"] == 10
    new = clone(c.get())
    del new["spec"]["updateStrategy"]["canary"]
    c.store.update(admit(new, c.get()))
    c.manager.run_pending()
    assert "trafficRouting" not in c.get()["status"]  # the steps' routing went with the steps
