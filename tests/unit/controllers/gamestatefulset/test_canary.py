"""The step-by-step canary: the pure state machine and the set end to end."""

from __future__ import annotations

import json
from typing import Any

from graceroll.controllers.canary import state as canary
from graceroll.controllers.canary.state import PAUSED_BY_HOOK, PAUSED_BY_STEP, CanaryState
from graceroll.controllers.gamestatefulset.canary import current_partition
from graceroll.controllers.hookrun.fetch import Response
from graceroll.verbs import rollout

from .harness import GSCluster, gsts, web_template

Obj = dict[str, Any]
STEPS: list[Obj] = [{"partition": 3}, {"pause": {}}, {"hook": {"templateName": "check"}}, {"partition": 0}]


def images(c: GSCluster) -> list[str]:
    return [p["spec"]["containers"][0]["image"] for p in c.pods()]


def status(c: GSCluster) -> Obj:
    st: Obj = c.get()["status"]
    return st


def canary_set(steps: list[Obj] | None = None, ok: bool = True) -> GSCluster:
    c = GSCluster()
    template = web_template("check", url="http://check/")
    template["spec"]["args"] = []  # a canary step has no pod to fill PodName from
    c.store.create(template)
    c.fetcher.respond("http://check/", Response(200, json.dumps({"ok": ok})))
    c.store.create(gsts(policy="Parallel", max_unavailable=2, steps=STEPS if steps is None else steps))
    assert c.run_until(lambda: c.snapshot().complete)
    return c


# ---- pure ----------------------------------------------------------------------------------------


def test_current_partition_follows_the_nearest_partition_step() -> None:
    spec = {"replicas": 5, "updateStrategy": {"canary": {"steps": STEPS}}}
    assert [current_partition(spec, {"currentStepIndex": i}) for i in range(5)] == [3, 3, 3, 0, 0]
    paused_first = {"replicas": 5, "updateStrategy": {"canary": {"steps": [{"pause": {}}, {"partition": 1}]}}}
    assert current_partition(paused_first, {"currentStepIndex": 0}) == 5  # nothing is updated
    plain = {"replicas": 5, "updateStrategy": {"rollingUpdate": {"partition": "50%"}}}
    assert current_partition(plain, {}) == 2


def test_reset_first_sync_skips_the_steps() -> None:
    state = canary.reset(STEPS, CanaryState(), "rev-1", "")
    assert state is not None and (state.revision, state.step_index) == ("rev-1", 4)


def test_reset_a_new_revision_restarts_at_step_0_and_a_return_to_stable_skips() -> None:
    digest = canary.steps_hash(STEPS)
    running = CanaryState(revision="rev-1", step_index=4, step_hash=digest)
    assert canary.reset(STEPS, running, "rev-1", "rev-1") is None
    fresh = canary.reset(STEPS, running, "rev-2", "rev-1")
    assert fresh is not None and (fresh.revision, fresh.step_index) == ("rev-1", 0)
    back = canary.reset(STEPS, CanaryState("rev-1", 1, digest), "rev-1", "rev-2")
    assert back is not None and back.step_index == 4


def test_reset_editing_the_steps_restarts_them() -> None:
    old = CanaryState("rev-1", 2, canary.steps_hash(STEPS))
    edited = STEPS + [{"pause": {"duration": 5}}]
    state = canary.reset(edited, old, "rev-2", "rev-2")
    assert state is not None and state.step_index == 0 and state.step_hash == canary.steps_hash(edited)


def test_advance_walks_the_steps() -> None:
    """(step i/n) as the status writer sees it, 5 replicas."""
    s0 = CanaryState("rev-1", 0, "h")
    a = canary.advance(STEPS, s0, "rev-2", False, 5, 1, 3, None, 0.0)
    assert a.moved_to is None and not a.paused  # (step 1/6) partition 3: 1 of 2 updated
    a = canary.advance(STEPS, s0, "rev-2", False, 5, 2, 3, None, 0.0)
    assert a.moved_to == 1  # (step 2/6) converged
    a = canary.advance(STEPS, a.state, "rev-2", False, 5, 2, 3, None, 10.0)
    assert a.paused and a.state.pauses[0]["reason"] == PAUSED_BY_STEP  # (step 3/6) pause added
    a2 = canary.advance(STEPS, a.state, "rev-2", True, 5, 2, 3, None, 20.0)
    assert a2.moved_to is None and a2.paused  # (step 4/6) still paused while spec.paused is true
    a = canary.advance(STEPS, a.state, "rev-2", False, 5, 2, 3, None, 30.0)
    assert a.moved_to == 2 and not a.paused  # (step 5/6) resumed
    a = canary.advance(STEPS, a.state, "rev-2", False, 5, 2, 3, "Successful", 31.0)
    assert a.moved_to == 3 and a.state.revision == "rev-1"  # (step 6/6) hook passed
    a = canary.advance(STEPS, a.state, "rev-2", False, 5, 5, 0, None, 40.0)
    assert a.moved_to == 4 and a.state.revision == "rev-2"  # the last step makes rev-2 stable


def test_advance_a_failed_hook_pauses_and_resume_overrides_it() -> None:
    at_hook = CanaryState("rev-1", 2, "h")
    a = canary.advance(STEPS, at_hook, "rev-2", False, 5, 2, 3, "Failed", 0.0)
    assert a.paused and a.state.pauses[0]["reason"] == PAUSED_BY_HOOK
    a = canary.advance(STEPS, a.state, "rev-2", False, 5, 2, 3, "Failed", 1.0)
    assert a.moved_to == 3


def test_advance_a_timed_pause_requeues_for_the_rest() -> None:
    steps = [{"pause": {"duration": 20}}]
    a = canary.advance(steps, CanaryState("rev-1", 0, "h"), "rev-2", False, 5, 0, 5, None, 100.0)
    assert a.paused and a.requeue_after == 20.0
    b = canary.advance(steps, a.state, "rev-2", True, 5, 0, 5, None, 112.0)
    assert b.moved_to is None and b.requeue_after == 8.0
    assert canary.advance(steps, a.state, "rev-2", True, 5, 0, 5, None, 120.0).moved_to == 1


# ---- end to end ----------------------------------------------------------------------------------


def test_first_creation_skips_the_steps() -> None:
    c = canary_set()
    st = status(c)
    assert st["currentStepIndex"] == 4 and st["canary"]["revision"] == st["updateRevision"]
    assert images(c) == ["app:v1"] * 5 and c.events("SetStepIndex") == []


def test_canary_partition_pause_resume_hook_then_the_rest() -> None:
    c = canary_set()
    stable = status(c)["updateRevision"]
    c.set_image("app:v2")
    c.advance(60)
    st = status(c)
    assert images(c) == ["app:v1"] * 3 + ["app:v2"] * 2
    assert st["currentStepIndex"] == 1 and st["pauseConditions"][0]["reason"] == PAUSED_BY_STEP
    assert c.get()["spec"]["updateStrategy"]["paused"] is True and st["canary"]["revision"] == stable
    message, done = rollout.status(c.store, "gamestatefulset", "gs")
    assert not done and message.startswith("canary step 1/4 (pause):")
    rollout.resume(c.store, "gamestatefulset", "gs")
    assert c.run_until(lambda: c.snapshot().complete)
    st = status(c)
    assert images(c) == ["app:v2"] * 5 and st["currentStepIndex"] == 4 and st["canary"]["revision"] == st["updateRevision"]
    assert c.events("SetStepIndex") == [f"set current step index {i}" for i in (1, 2, 3, 4)]
    assert rollout.status(c.store, "gamestatefulset", "gs")[1]


def test_a_failed_hook_step_pauses_and_resume_goes_on_regardless() -> None:
    c = canary_set([{"partition": 3}, {"hook": {"templateName": "check"}}, {"partition": 0}], ok=False)
    c.set_image("app:v2")
    c.advance(30)
    st = status(c)
    assert st["currentStepIndex"] == 1 and [p["reason"] for p in st["pauseConditions"]] == [PAUSED_BY_HOOK]
    assert c.get()["spec"]["updateStrategy"]["paused"] is True and images(c).count("app:v2") == 2
    rollout.resume(c.store, "gamestatefulset", "gs")
    assert c.run_until(lambda: c.snapshot().complete)
    assert images(c) == ["app:v2"] * 5


def test_an_unreachable_hook_step_ends_in_error_pauses_and_resume_goes_on() -> None:
    """Upstream ``reconcileStepHookRun``: a step HookRun that ends Error pauses the set
    (``PausedByStepBasedHook``); ``paused: false`` is the manual override."""
    c = canary_set([{"partition": 3}, {"hook": {"templateName": "check"}}, {"partition": 0}])
    c.fetcher.routes.clear()  # the check endpoint is gone: every GET is refused
    c.set_image("app:v2")
    c.advance(30)
    st = status(c)
    run = c.store.get("HookRun", "default", st["canary"]["currentStepHookRun"])
    assert run["status"]["phase"] == "Error"
    assert st["currentStepIndex"] == 1 and [p["reason"] for p in st["pauseConditions"]] == [PAUSED_BY_HOOK]
    assert c.get()["spec"]["updateStrategy"]["paused"] is True
    message, done = rollout.status(c.store, "gamestatefulset", "gs")
    assert not done and "paused" in message
    rollout.resume(c.store, "gamestatefulset", "gs")
    assert c.run_until(lambda: c.snapshot().complete)
    assert images(c) == ["app:v2"] * 5 and status(c)["currentStepIndex"] == 3


def test_a_rollback_to_the_stable_revision_skips_the_steps() -> None:
    c = canary_set()
    c.set_image("app:v2")
    c.advance(60)
    assert status(c)["currentStepIndex"] == 1
    out = rollout.cancel(c.store, "gamestatefulset", "gs")
    assert out == "gamestatefulset.tkex.tencent.com/gs rolled back to the stable revision"
    assert c.run_until(lambda: c.snapshot().complete)
    assert images(c) == ["app:v1"] * 5 and status(c)["currentStepIndex"] == 4
    assert c.get()["spec"]["updateStrategy"]["paused"] is False


def test_editing_the_steps_restarts_them_at_step_0() -> None:
    c = canary_set([{"partition": 4}, {"pause": {}}, {"partition": 0}])
    c.set_image("app:v2")
    c.advance(30)
    assert status(c)["currentStepIndex"] == 1 and images(c).count("app:v2") == 1
    c.change(lambda gs: gs["spec"]["updateStrategy"]["canary"].update(steps=[{"partition": 2}, {"pause": {}}, {"partition": 0}]))
    c.advance(30)
    st = status(c)
    assert st["currentStepIndex"] == 1 and images(c).count("app:v2") == 3 and st["pauseConditions"]


def test_a_timed_pause_moves_on_by_itself() -> None:
    c = canary_set([{"partition": 3}, {"pause": {"duration": 20}}, {"partition": 0}])
    c.set_image("app:v2")
    assert c.run_until(lambda: c.snapshot().complete)
    assert images(c) == ["app:v2"] * 5
    assert 20 <= c.now - 2 <= 25


def test_rollout_pause_is_refused_because_the_operator_owns_paused() -> None:
    c = canary_set()
    try:
        rollout.pause(c.store, "gamestatefulset", "gs")
    except Exception as e:  # noqa: BLE001
        assert "managed by the operator" in str(e)
    else:
        raise AssertionError("rollout pause was accepted")
