"""One ``Update()`` on one pod: ``TestUpdate`` TU1–TU16 and ``TestSyncCloneSet`` SY5–SY6 (§5.6, §5.9).

Origin: openkruise/kruise@v1.9.0:pkg/controller/cloneset/sync/cloneset_update_test.go. Upstream
runs the whole ``Update``; here its two parts are checked one by one — ``refresh_pod`` (any write
ends the pass) and then, for the selected pod, ``decide``. TU7/TU8 (the grace period) and the
object written by TU5/TU6 are in tests/unit/controllers/inplace/test_pod.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers import lifecycle
from graceroll.controllers.cloneset import refresh, update
from graceroll.controllers.cloneset.params import params_of
from graceroll.controllers.inplace import pod as inplace

from .builders import NEW, OLD, cloneset, pod

NOW = 100.0
Obj = dict[str, Any]


def template(image: str = "foo1", env: bool = False) -> Obj:
    c: Obj = {"name": "c1", "image": image}
    if env:
        c["env"] = [{"name": "A", "value": "1"}]
    return {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [c]}}


def gated(rev: str, state: str = lifecycle.NORMAL, condition: str | None = "True", node: bool = True, **kw: Any) -> Obj:
    p = pod("demo-0", rev, state=state, **kw)
    p["metadata"]["labels"]["pod-template-hash"] = rev
    p["spec"]["readinessGates"] = [{"conditionType": inplace.READINESS_GATE}]
    if node:
        p["spec"]["nodeName"] = "node-1"
    if condition is not None:
        p["status"]["conditions"].append({"type": inplace.READINESS_GATE, "status": condition})
    return p


def test_tu1_up_to_date_pod_only_gets_its_hash_label() -> None:
    p = gated(NEW)
    del p["metadata"]["labels"]["pod-template-hash"]
    w = refresh.refresh_pod(cloneset(1), p, NEW, NOW)
    assert w.status is None and w.pod is not None
    assert w.pod["metadata"]["labels"]["pod-template-hash"] == NEW  # the text after the last "-"


def test_tu2_missing_gate_condition_is_set_true() -> None:
    p = gated(NEW, condition=None)
    w = refresh.refresh_pod(cloneset(1), p, NEW, NOW)
    assert w.pod is None and w.status is not None
    assert inplace.condition(dict(p, status=w.status)) == {"type": inplace.READINESS_GATE, "status": "True", "lastTransitionTime": "1970-01-01T00:01:40Z"}


@pytest.mark.parametrize(
    ("type_", "new", "action"),
    [
        pytest.param("ReCreate", template("foo2"), "recreate", id="TU3 ReCreate marks the pod for deletion"),
        pytest.param("InPlaceIfPossible", template("foo1", env=True), "recreate", id="TU4 not in-place-able falls back to recreate"),
        pytest.param("InPlaceIfPossible", template("foo2"), "in-place", id="TU5 image change in place"),
        pytest.param("InPlaceOnly", template("foo1", env=True), "refuse", id="InPlaceOnly refuses what it cannot do in place"),
    ],
)
def test_update_decision(type_: str, new: Obj, action: str) -> None:
    cs = cloneset(1, type=type_)
    decision = update.decide(cs, gated(OLD), template(), new, NEW)
    assert decision.action == action
    if action == "in-place":
        assert decision.spec is not None and dict(decision.spec.container_images) == {"c1": "foo2"}


def test_tu6_grace_period_is_carried_in_the_spec() -> None:
    cs = cloneset(1, type="InPlaceIfPossible", inPlaceUpdateStrategy={"gracePeriodSeconds": 3630})
    decision = update.decide(cs, gated(OLD), template(), template("foo2"), NEW)
    assert decision.spec is not None and decision.spec.grace_seconds == 3630


PRE_NORMAL_LABEL = {"preNormal": {"labelsHandler": {"ready-to-serve": "true"}}}
HOOKS = {"preNormal": {"finalizersHandler": ["slb/online"]}, "inPlaceUpdate": {"finalizersHandler": ["slb/online"]}}


@pytest.mark.parametrize(
    ("hooks", "labels", "finalizers", "node", "after"),
    [
        pytest.param(None, {}, [], True, lifecycle.NORMAL, id="TU9 scheduled, no hooks: Normal"),
        pytest.param(PRE_NORMAL_LABEL, {}, [], True, None, id="TU10 preNormal not satisfied: stays"),
        pytest.param(PRE_NORMAL_LABEL, {"ready-to-serve": "true"}, [], True, lifecycle.NORMAL, id="TU11 preNormal satisfied: Normal"),
        pytest.param(HOOKS, {}, ["slb/online"], True, lifecycle.NORMAL, id="TU14 preNormal finalizer present: Normal (and the pass ends)"),
        pytest.param(None, {}, [], False, None, id="TU16 not scheduled: stays"),
    ],
)
def test_preparing_normal_transitions(hooks: Obj | None, labels: dict[str, str], finalizers: list[str], node: bool, after: str | None) -> None:
    cs = cloneset(1)
    if hooks:
        cs["spec"]["lifecycle"] = hooks
    p = gated(NEW, state=lifecycle.PREPARING_NORMAL, node=node, labels=labels)
    if finalizers:
        p["metadata"]["finalizers"] = finalizers
    w = refresh.refresh_pod(cs, p, NEW, NOW)
    assert (lifecycle.state(w.pod) if w.pod is not None else None) == after


def test_tu12_recreate_of_a_preparing_normal_pod() -> None:
    cs = cloneset(1, type="ReCreate")
    cs["spec"]["lifecycle"] = {"preNormal": {"finalizersHandler": ["slb/online"]}}
    p = gated(OLD, state=lifecycle.PREPARING_NORMAL)
    assert not refresh.refresh_pod(cs, p, NEW, NOW).changed
    assert update.decide(cs, p, template(), template("foo2"), NEW).action == "recreate"


def test_tu13_preparing_normal_pod_is_updated_in_place() -> None:
    cs = cloneset(1, type="InPlaceIfPossible")
    cs["spec"]["lifecycle"] = {"preNormal": {"finalizersHandler": ["slb/online"]}}
    p = gated(OLD, state=lifecycle.PREPARING_NORMAL)
    assert update.decide(cs, p, template(), template("foo2"), NEW).action == "in-place"


def test_tu15_in_place_hook_parks_the_pod_in_preparing_update() -> None:
    cs = cloneset(1, type="InPlaceIfPossible")
    cs["spec"]["lifecycle"] = HOOKS
    p = gated(OLD)
    p["metadata"]["finalizers"] = ["slb/online"]
    assert update.decide(cs, p, template(), template("foo2"), NEW).action == "prepare-update"


def test_updating_pod_goes_normal_once_complete() -> None:
    p = gated(NEW, state=lifecycle.UPDATING, condition="False")
    w = refresh.refresh_pod(cloneset(1), p, NEW, NOW)  # no state annotation: complete
    assert w.pod is not None and lifecycle.state(w.pod) == lifecycle.NORMAL
    assert w.status is not None


@pytest.mark.parametrize(
    ("cur", "upd", "chosen"),
    [pytest.param(5, 0, 1, id="SY5 ReCreate with maxUnavailable 1 marks one pod"), pytest.param(0, 5, 0, id="SY6 all updated: nothing")],
)
def test_sync_recreate(cur: int, upd: int, chosen: int) -> None:
    cs = cloneset(5, type="ReCreate", max_unavailable=1)
    pods = [pod(f"cur-{i}", OLD, ready=False, phase="Running") for i in range(cur)] + [pod(f"upd-{i}", NEW, ready=False, phase="Running") for i in range(upd)]
    selection = update.select(cs, params_of(cs), pods, OLD, NEW, NOW)
    assert len(selection.indexes) == chosen
    assert all(update.decide(cs, pods[i], template(), template("foo2"), NEW).action == "recreate" for i in selection.indexes)
