"""The deprecated rollback annotation, ``deprecated.deployment.rollback.to``, as upstream's
controller still honours it (kubernetes/kubernetes:pkg/controller/deployment/rollback.go)."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.api.meta import clone
from graceroll.controllers.deployment import rollback, util

from ..harness import Cluster, deployment

Obj = dict[str, Any]


def events(c: Cluster, reason: str) -> list[str]:
    found = sorted(c.store.list("Event"), key=lambda e: int(e["metadata"]["resourceVersion"]))
    return [e["message"] for e in found if e["reason"] == reason]


def rolled_to_v2() -> Cluster:
    c = Cluster()
    c.store.create(deployment(replicas=2))
    assert c.run_until(lambda: c.snapshot().complete)

    def v2(d: Obj) -> None:
        d["spec"]["template"]["spec"]["containers"][0]["image"] = "app:v2"

    c.edit("web", v2)
    assert c.run_until(lambda: c.snapshot().complete)
    return c


def annotate(c: Cluster, value: str) -> None:
    c.edit("web", lambda d: d["metadata"].setdefault("annotations", {}).update({util.ROLLBACK_TO_ANNOTATION: value}))


@pytest.mark.parametrize("value", ["1", "0"], ids=["to revision 1", "0: the one before"])
def test_the_annotation_rolls_back_and_is_cleared(value: str) -> None:
    c = rolled_to_v2()
    annotate(c, value)
    assert c.run_until(lambda: c.snapshot().complete)
    d = c.get()
    assert util.ROLLBACK_TO_ANNOTATION not in (d["metadata"].get("annotations") or {})
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "app:v1"
    assert util.POD_TEMPLATE_HASH_LABEL not in d["spec"]["template"]["metadata"]["labels"]
    assert events(c, "DeploymentRollback") == ['Rolled back deployment "web" to revision 1']
    assert d["metadata"]["annotations"][util.REVISION_ANNOTATION] == "3"  # RS1 renumbered, as any undo
    assert {p["spec"]["containers"][0]["image"] for p in c.store.list("Pod") if not p["metadata"].get("deletionTimestamp")} == {"app:v1"}


def test_an_unknown_revision_is_a_warning_and_the_annotation_goes() -> None:
    c = rolled_to_v2()
    annotate(c, "7")
    d = c.get()
    assert util.ROLLBACK_TO_ANNOTATION not in d["metadata"]["annotations"]
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "app:v2"
    assert events(c, "DeploymentRollbackRevisionNotFound") == ["Unable to find the revision to rollback to."]


def test_the_running_revision_is_a_warning() -> None:
    c = rolled_to_v2()
    annotate(c, "2")
    assert events(c, "DeploymentRollbackTemplateUnchanged") == ['The rollback revision contains the same template as current deployment "web"']
    assert util.ROLLBACK_TO_ANNOTATION not in c.get()["metadata"]["annotations"]


def test_no_earlier_revision_is_a_warning() -> None:
    c = Cluster()
    c.store.create(deployment(replicas=1))
    assert c.run_until(lambda: c.snapshot().complete)
    annotate(c, "0")
    assert events(c, "DeploymentRollbackRevisionNotFound") == ["Unable to find last revision."]


def test_a_paused_deployment_keeps_the_annotation_until_resumed() -> None:
    c = rolled_to_v2()
    c.edit("web", lambda d: d["spec"].update(paused=True))
    annotate(c, "1")
    assert c.get()["metadata"]["annotations"][util.ROLLBACK_TO_ANNOTATION] == "1"
    c.edit("web", lambda d: d["spec"].update(paused=False))
    assert c.run_until(lambda: c.snapshot().complete)
    assert c.get()["spec"]["template"]["spec"]["containers"][0]["image"] == "app:v1"


def test_a_value_that_is_not_a_number_is_ignored() -> None:
    d = deployment()
    d["metadata"]["annotations"] = {util.ROLLBACK_TO_ANNOTATION: "latest"}
    assert rollback.rollback_to(d) is None
    assert rollback.rollback_to(clone(deployment())) is None
