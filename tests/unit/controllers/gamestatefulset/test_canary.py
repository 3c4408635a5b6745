"""The step-by-step canary: the pure state machine and the set end to end."""

from __future__ import annotations

import json
from typing import Any

from graceroll.controllers.canary.state import PAUSED_BY_HOOK, PAUSED_BY_STEP
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
