"""Automatic rollback of a Deployment (``controllers/deployment/autorollback.py``): the planner as a
table, then the controller on virtual time — a progress deadline, a failed judge, a paused
Deployment, never a second undo."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.api.admission import admit
from graceroll.controllers.bcshook import runs as hookruns
from graceroll.controllers.deployment import autorollback as ar
from graceroll.controllers.deployment import util
from graceroll.controllers.deployment.controller import DeploymentController
from graceroll.controllers.deployment.progress import TIMED_OUT
from graceroll.node.sim import Behaviour

from ..canary.synthetic import Answer
from ..gamestatefulset.harness import judge_template
from ..harness import Cluster, deployment
from ..recording import WriteRecorder

Obj = dict[str, Any]
NOW = 1_000.0


# ---- the planner ---------------------------------------------------------------------------------


def rs(hash_: str, revision: int, available: int = 0) -> Obj:
    return {
        "metadata": {"name": f"web-{hash_}", "uid": f"uid-{hash_}", "annotations": {util.REVISION_ANNOTATION: str(revision), "kubernetes.io/change-cause": f"to {hash_}"}},
        "spec": {"replicas": available, "template": {"metadata": {"labels": {"app": "web", util.POD_TEMPLATE_HASH_LABEL: hash_}}, "spec": {"containers": [{"name": "app", "image": f"app:{hash_}"}]}}},
        "status": {"availableReplicas": available},
    }


def d(annotations: Obj, conditions: list[Obj] | None = None, complete: bool = False, paused: bool = False) -> Obj:
    counts = {"replicas": 4, "updatedReplicas": 4, "availableReplicas": 4} if complete else {"replicas": 5, "updatedReplicas": 1, "availableReplicas": 4}
    return {
        "metadata": {"name": "web", "namespace": "default", "generation": 2, "annotations": {ar.AUTO_ROLLBACK_ANNOTATION: "true", **annotations}},
        "spec": {"replicas": 4, "paused": paused, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "app:b2"}]}}},
        "status": {"observedGeneration": 2, **counts, "conditions": conditions or []},
    }


def timed_out(name: str) -> Obj:
    return {"type": "Progressing", "status": "False", "reason": TIMED_OUT, "message": f'ReplicaSet "{name}" has timed out progressing.'}


def run(hash_: str, phase: str, terminate: bool = False) -> Obj:
    labels = {hookruns.TYPE_LABEL: ar.JUDGE_RUN_TYPE, hookruns.REVISION_LABEL: hash_}
    return {"metadata": {"name": f"judge-{hash_}-judge", "labels": labels, "resourceVersion": "1"}, "spec": {"terminate": terminate}, "status": {"phase": phase, "message": "canary success rate 80.00% < stable 100.00% - tolerance 1.00%"}}


STABLE = {ar.STABLE_REVISION_ANNOTATION: "a1"}
JUDGE = {**STABLE, ar.JUDGE_ANNOTATION: "judge"}
OLD, NEW = rs("a1", 1, available=4), rs("b2", 2, available=1)


@pytest.mark.parametrize(
    ("deploy", "runs", "want"),
    [
        pytest.param(dict(d({}), metadata={"name": "web", "annotations": {}}), [], ar.Plan(), id="not opted in: nothing"),
        pytest.param(d(STABLE, complete=True), [], ar.Plan(record_stable="b2"), id="a completed rollout records its revision as stable"),
        pytest.param(d(JUDGE), [], ar.Plan(create_run=("b2", "a1")), id="a progressing revision gets its judge"),
        pytest.param(d(JUDGE), [run("b2", "Running"), run("z9", "Failed")], ar.Plan(delete_runs=(run("z9", "Failed"),)), id="runs of other revisions go"),
        pytest.param(d(JUDGE), [run("b2", "Inconclusive")], ar.Plan(), id="an Inconclusive judge does nothing"),
        pytest.param(d({**JUDGE, ar.AUTO_ROLLBACK_ANNOTATION: "false"}), [run("b2", "Failed")], ar.Plan(), id="without auto-rollback a failed judge only reports"),
        pytest.param(d({**JUDGE, ar.STABLE_REVISION_ANNOTATION: "b2"}, complete=True), [run("b2", "Running")], ar.Plan(terminate_runs=(run("b2", "Running"),)), id="a complete rollout ends its judge"),
        pytest.param(d(STABLE, [timed_out("web-z9")]), [], ar.Plan(), id="a deadline of another ReplicaSet does not count"),
        pytest.param(d(STABLE, [{"type": ar.ROLLED_BACK, "status": "True", "reason": TIMED_OUT}]), [], ar.Plan(clear_condition=True), id="RolledBack goes when another rollout starts"),
    ],
)
def test_plan(deploy: Obj, runs: list[Obj], want: ar.Plan) -> None:
    assert ar.plan(deploy, [OLD, NEW], NEW, runs, NOW) == want


@pytest.mark.parametrize(
    ("annotations", "conditions", "runs", "reason"),
    [
        pytest.param(STABLE, [timed_out("web-b2")], [], TIMED_OUT, id="the progress deadline"),
        pytest.param(JUDGE, [], [run("b2", "Failed")], ar.JUDGE_FAILED, id="a failed judge"),
        pytest.param(JUDGE, [], [run("b2", "Error")], ar.JUDGE_FAILED, id="a judge that could not measure"),
    ],
)
def test_plan_rolls_back_to_the_last_complete_revision(annotations: Obj, conditions: list[Obj], runs: list[Obj], reason: str) -> None:
    p = ar.plan(d(annotations, conditions, paused=True), [OLD, NEW], NEW, runs, NOW)
    assert p.rollback is not None
    back = p.rollback.deployment
    assert back["spec"]["template"] == {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "app:a1"}]}}
    assert back["spec"]["paused"] is False and "status" not in back
    assert back["metadata"]["annotations"]["kubernetes.io/change-cause"] == "to a1"  # rollout undo's annotations
    assert {k: back["metadata"]["annotations"].get(k) for k in annotations} == annotations  # graceroll's are kept
    assert (p.rollback.condition["type"], p.rollback.condition["reason"]) == (ar.ROLLED_BACK, reason)
    assert p.rollback.message.startswith('rolled back deployment "web" from revision 2 (b2) to the last complete revision 1 (a1): ')
    assert p.rollback.message.endswith("(and resumed it)")


def test_plan_never_rolls_back_a_stable_revision() -> None:
    """After the undo the new ReplicaSet is the stable one: its own stalled rollout is left alone."""
    back = d(STABLE, [timed_out("web-a1")])
    assert ar.plan(back, [OLD, NEW], OLD, [], NOW) == ar.Plan()


def test_without_a_record_the_stable_revision_is_the_newest_other_with_available_pods() -> None:
    older = rs("o0", 0, available=2)
    assert ar.stable_replica_set(d({}), [older, OLD, NEW], NEW) is OLD
    assert ar.stable_replica_set(d({}), [NEW], NEW) is None


# ---- the controller ------------------------------------------------------------------------------


def opted(c: Cluster, pds: int = 60, min_ready: int = 0, **annotations: str) -> None:
    spec = deployment(replicas=4, pds=pds, max_surge=1, max_unavailable=0, min_ready=min_ready)
    spec["metadata"]["annotations"] = {ar.AUTO_ROLLBACK_ANNOTATION: "true", **annotations}
    c.store.create(admit(spec))
    assert c.run_until(lambda: c.snapshot().complete)


def set_image(c: Cluster, image: str) -> None:
    c.edit("web", lambda x: x["spec"]["template"]["spec"]["containers"][0].__setitem__("image", image))


def events(c: Cluster, reason: str) -> list[str]:
    found = sorted(c.store.list("Event"), key=lambda e: int(e["metadata"]["resourceVersion"]))
    return [e["message"] for e in found if e["reason"] == reason]


def condition(c: Cluster, type_: str) -> Obj | None:
    return next((x for x in c.get()["status"].get("conditions") or () if x["type"] == type_), None)


def test_a_version_that_never_becomes_ready_is_undone_at_its_deadline_and_never_retried() -> None:
    c = Cluster(images={"app:stuck": Behaviour(never_ready=True)})
    opted(c)
    stable = c.get()["metadata"]["annotations"][ar.STABLE_REVISION_ANNOTATION]
    set_image(c, "app:stuck")
    assert c.run_until(lambda: condition(c, ar.ROLLED_BACK) is not None, limit=300)
    assert 60 < c.now < 62  # the deadline, then the next pass
    assert c.run_until(lambda: c.snapshot().complete)
    c.advance(3600)
    assert c.get()["spec"]["template"]["spec"]["containers"][0]["image"] == "app:v1"
    assert c.get()["metadata"]["annotations"][ar.STABLE_REVISION_ANNOTATION] == stable
    (message,) = events(c, ar.AUTO_ROLLBACK)
    assert message.startswith('rolled back deployment "web" from revision 2 (') and f"to the last complete revision 1 ({stable})" in message
    rolled = condition(c, ar.ROLLED_BACK)
    assert rolled is not None and rolled["reason"] == TIMED_OUT and rolled["message"] == message
    assert [p["spec"]["containers"][0]["image"] for p in c.store.list("Pod")] == ["app:v1"] * 4


def test_the_rollback_pass_writes_in_order() -> None:
    """Opting in after the deadline passed: with no recorded stable revision, the newest other
    ReplicaSet with available pods is the one to go back to."""
    c = Cluster(images={"app:stuck": Behaviour(never_ready=True)})
    c.store.create(admit(deployment(replicas=4, pds=60, max_surge=1, max_unavailable=0)))
    assert c.run_until(lambda: c.snapshot().complete)
    set_image(c, "app:stuck")
    assert c.run_until(lambda: c.snapshot().failed)
    late = c.get()
    late["metadata"]["annotations"][ar.AUTO_ROLLBACK_ANNOTATION] = "true"
    c.store.update(late)
    recorder = WriteRecorder(c.store)
    DeploymentController(recorder, c.clock).reconcile(("default", "web"))
    assert recorder.writes[0] == ("update", "Deployment", "web", "")
    assert recorder.writes[1] == ("update", "Deployment", "web", "status")
    assert recorder.writes[2][:2] == ("create", "Event") and recorder.writes[2][2].startswith(f"{ar.AUTO_ROLLBACK}: rolled back")
    assert len(recorder.writes) == 3


def test_a_paused_deployment_is_resumed_to_roll_back_when_its_judge_fails() -> None:
    c = Cluster(answers={"app:bad": Answer(fail_rate=0.2)})
    c.store.create(judge_template(service="web", minRequests=20))
    opted(c, pds=600, min_ready=30, **{ar.JUDGE_ANNOTATION: "judge"})
    set_image(c, "app:bad")
    c.advance(3)  # one new pod up (available only after 30 s), then pause as users do for a manual canary
    c.edit("web", lambda x: x["spec"].__setitem__("paused", True))
    assert c.run_until(lambda: bool(events(c, ar.AUTO_ROLLBACK)), limit=120)
    assert events(c, ar.AUTO_ROLLBACK)[0].endswith("(and resumed it)") and "judge HookRun judge-" in events(c, ar.AUTO_ROLLBACK)[0]
    assert c.run_until(lambda: c.snapshot().complete)
    assert c.get()["spec"]["paused"] is False and c.get()["spec"]["template"]["spec"]["containers"][0]["image"] == "app:v1"
    rolled = condition(c, ar.ROLLED_BACK)
    assert rolled is not None and rolled["reason"] == ar.JUDGE_FAILED
    assert c.store.list("HookRun") == []  # the failed revision's judge is gone: a new attempt is judged afresh
    set_image(c, "app:v3")  # another rollout: RolledBack goes
    assert c.run_until(lambda: c.snapshot().complete)
    assert condition(c, ar.ROLLED_BACK) is None


def test_without_the_annotation_a_deadline_only_sets_the_condition() -> None:
    c = Cluster(images={"app:stuck": Behaviour(never_ready=True)})
    c.store.create(admit(deployment(replicas=4, pds=60, max_surge=1, max_unavailable=0)))
    assert c.run_until(lambda: c.snapshot().complete)
    set_image(c, "app:stuck")
    c.advance(300)
    assert c.snapshot().failed and c.get()["spec"]["template"]["spec"]["containers"][0]["image"] == "app:stuck"
    assert ar.STABLE_REVISION_ANNOTATION not in (c.get()["metadata"].get("annotations") or {}) and events(c, ar.AUTO_ROLLBACK) == []
