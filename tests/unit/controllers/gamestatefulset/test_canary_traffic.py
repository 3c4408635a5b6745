"""Traffic steps and the built-in judge on a GameStatefulSet: status.trafficRouting as the steps go,
the writes in order, a cancel, and a bad canary aborted by its judge (a synthetic data plane)."""

from __future__ import annotations

from typing import Any

from graceroll.api.meta import clone
from graceroll.controllers.canary.abort import ROLLOUT_ABORTED
from graceroll.controllers.canary.state import PAUSED_BY_HOOK
from graceroll.controllers.canary.traffic import TRAFFIC_ROUTING_UPDATED
from graceroll.controllers.gamestatefulset.controller import GameStatefulSetController
from graceroll.verbs import rollout

from ..canary.synthetic import Answer
from ..recording import WriteRecorder
from .harness import GSCluster, gsts, judge_template

Obj = dict[str, Any]
BETA: list[Obj] = [{"headerName": "X-Beta", "headerValue": {"exact": "1"}}]
STEPS: list[Obj] = [{"partition": 4}, {"trafficWeight": 10}, {"pause": {}}, {"trafficHeaderRoute": {"name": "beta", "match": BETA}}, {"partition": 0}]


def started(steps: list[Obj], answers: dict[str, Answer] | None = None, replicas: int = 5) -> GSCluster:
    c = GSCluster(answers=answers)
    c.store.create(gsts(replicas=replicas, policy="Parallel", max_unavailable=2, steps=steps))
    assert c.run_until(lambda: c.snapshot().complete)
    return c


def images(c: GSCluster) -> list[str]:
    return [p["spec"]["containers"][0]["image"] for p in c.pods()]


def test_traffic_steps_set_the_routing_keep_it_through_a_pause_and_clear_it_when_done() -> None:
    c = started(STEPS)
    c.set_image("app:v2")
    c.advance(60)
    st = c.get()["status"]
    new = st["updateRevision"]
    assert st["currentStepIndex"] == 2 and st["trafficRouting"] == {"canaryRevision": new, "weight": 10}
    assert images(c).count("app:v2") == 1
    message, done = rollout.status(c.store, "gamestatefulset", "gs")
    assert not done and message.startswith(f"canary step 2/5 (pause; traffic: 10% to revision {new}): ")
    rollout.resume(c.store, "gamestatefulset", "gs")
    assert c.run_until(lambda: c.snapshot().complete)
    assert "trafficRouting" not in c.get()["status"] and images(c) == ["app:v2"] * 5
    assert c.events(TRAFFIC_ROUTING_UPDATED) == [
        f"traffic routing: 10% to revision {new} (was every ready pod)",
        f"traffic routing: 10% and header route beta to revision {new} (was 10% to revision {new})",
        f"traffic routing cleared: requests go to every ready pod (was 10% and header route beta to revision {new})",
    ]


def test_the_writes_of_a_traffic_step_in_order() -> None:
    """(step 1/3) the reset pass already routes: the current step is the traffic step; (step 2/3)
    it completes at once; (step 3/3) the pause step pauses the set."""
    c = started([{"trafficWeight": 10}, {"pause": {}}])
    new = clone(c.get())
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "app:v2"
    c.store.update(new)  # no reconcile yet: the recorder's controller takes every pass
    recorder = WriteRecorder(c.store)
    controller = GameStatefulSetController(recorder, c.clock)
    passes = []
    for _ in range(3):
        recorder.writes.clear()
        controller.reconcile(("default", "gs"))
        passes.append([w for w in recorder.writes if w[1] != "ControllerRevision"])
    rev = c.get()["status"]["updateRevision"]
    assert passes == [
        [("update", "GameStatefulSet", "gs", "status"), ("create", "Event", f"{TRAFFIC_ROUTING_UPDATED}: traffic routing: 10% to revision {rev} (was every ready pod)", "")],
        [("create", "Event", "SetStepIndex: set current step index 1", ""), ("update", "GameStatefulSet", "gs", "status")],
        [("update", "GameStatefulSet", "gs", "status"), ("update", "GameStatefulSet", "gs", "")],  # the pause condition, then paused: true
    ]


def test_a_cancel_turns_the_canary_to_weight_0_until_its_pods_are_back_then_clears_it() -> None:
    c = started(STEPS)
    c.set_image("app:v2")
    c.advance(60)
    canary = c.get()["status"]["updateRevision"]
    rollout.cancel(c.store, "gamestatefulset", "gs")
    assert c.run_until(lambda: c.snapshot().complete)
    assert images(c) == ["app:v1"] * 5 and "trafficRouting" not in c.get()["status"]
    assert c.events(TRAFFIC_ROUTING_UPDATED)[1:] == [
        f"traffic routing: 0% to revision {canary} (was 10% to revision {canary})",
        f"traffic routing cleared: requests go to every ready pod (was 0% to revision {canary})",
    ]


JUDGED: list[Obj] = [{"partition": 4}, {"trafficWeight": 20}, {"hook": {"templateName": "judge", "onFailure": "Abort"}}, {"partition": 0}]


def test_a_bad_canary_is_judged_failed_and_aborted_back_to_the_stable_revision() -> None:
    """5xx on 20% of the canary's requests: the judge fails it, the set goes back to app:v1, the
    canary gets no more requests from the abort on, and no stable request ever failed."""
    c = started(JUDGED, answers={"app:bad": Answer(fail_rate=0.2)})
    c.store.create(judge_template(service="gs"))
    stable = c.get()["status"]["updateRevision"]
    c.set_image("app:bad")
    canary = c.get()["status"]["updateRevision"]
    assert c.run_until(lambda: bool(c.events(ROLLOUT_ABORTED)), limit=120)
    assert c.traffic is not None
    at_abort = c.traffic.revisions[canary].requests
    assert at_abort >= 200  # 20% of 100 requests a second for the judge's 10 s
    assert c.run_until(lambda: c.snapshot().complete)
    c.advance(60)
    st = c.get()["status"]
    assert images(c) == ["app:v1"] * 5 and st["updateRevision"] == stable and "trafficRouting" not in st
    assert st["currentStepIndex"] == len(JUDGED)  # a return to the stable revision skips the steps
    assert c.store.list("HookRun") == []  # the failed revision's runs are gone with it
    (message,) = c.events(ROLLOUT_ABORTED)
    assert message.startswith(f"canary step 2 (HookRun canary-{canary}-step2-judge) ended Failed: back to the stable revision {stable}")
    assert c.traffic.revisions[canary].requests == at_abort  # weight 0 from the abort on
    assert c.traffic.revisions[stable].failures == 0 and c.traffic.revisions[stable].requests > 0


def test_a_healthy_canary_passes_its_judge_and_rolls_on() -> None:
    c = started(JUDGED, answers={"app:v2": Answer()})
    c.store.create(judge_template(service="gs"))
    c.set_image("app:v2")
    assert c.run_until(lambda: c.snapshot().complete, limit=300)
    assert images(c) == ["app:v2"] * 5 and c.events(ROLLOUT_ABORTED) == []


def test_without_on_failure_abort_a_failed_judge_pauses_as_bcs_does() -> None:
    steps = [dict(s) for s in JUDGED]
    steps[2] = {"hook": {"templateName": "judge"}}
    c = started(steps, answers={"app:bad": Answer(fail_rate=0.2)})
    c.store.create(judge_template(service="gs"))
    c.set_image("app:bad")
    c.advance(60)
    st = c.get()["status"]
    assert [p["reason"] for p in st["pauseConditions"]] == [PAUSED_BY_HOOK] and images(c).count("app:bad") == 1
    assert st["trafficRouting"]["weight"] == 20 and c.events(ROLLOUT_ABORTED) == []


def test_without_steps_a_routing_written_by_another_stays_and_removed_steps_take_theirs_along() -> None:
    plain = started([])
    routing = {"canaryRevision": "gs-elsewhere", "weight": 30}
    plain.store.update_status(dict(plain.get(), status=dict(plain.get()["status"], trafficRouting=routing)))
    plain.set_image("app:v2")
    assert plain.run_until(lambda: plain.snapshot().complete)
    assert plain.get()["status"]["trafficRouting"] == routing

    c = started(STEPS)
    c.set_image("app:v2")
    c.advance(60)
    assert c.get()["status"]["trafficRouting"]["weight"] == 10
    new = clone(c.get())
    new["spec"]["updateStrategy"]["canary"]["steps"] = []
    c.store.update(new)
    c.manager.run_pending()
    assert "trafficRouting" not in c.get()["status"]
