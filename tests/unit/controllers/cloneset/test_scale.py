"""Scale planning: ``TestScale`` (SC) and the Scale half of ``TestSyncCloneSet`` (SY), §5.6.

Origin: openkruise/kruise@v1.9.0:pkg/controller/cloneset/sync/cloneset_scale_test.go and
pkg/controller/cloneset/cloneset_controller_test.go. SY rows whose outcome comes from Update
(SY5, SY6) are in test_update.py.
"""

from __future__ import annotations

import pytest

from graceroll.controllers.cloneset import scale
from graceroll.controllers.cloneset.params import params_of

from .builders import NEW, OLD, cloneset, pod

NOW = 10.0


def five_ready() -> list[dict]:  # type: ignore[type-arg]
    return [pod(f"sample-{i}", NEW, ready_since=0.0) for i in range(5)]


@pytest.mark.parametrize(
    ("min_ready", "specified", "left"),
    [
        pytest.param(9999, False, 5, id="SC1 all unavailable: no ready pod may be deleted"),
        pytest.param(0, True, 4, id="SC2 the specified pod goes first, alone"),
        pytest.param(0, False, 3, id="SC3 scale down by 2"),
    ],
)
def test_scale(min_ready: int, specified: bool, left: int) -> None:
    cs = cloneset(3, max_unavailable="20%")
    cs["spec"]["minReadySeconds"] = min_ready
    pods = five_ready()
    if specified:
        pods[0] = pod("sample-0", NEW, specified_delete=True)
    plan = scale.plan(cs, params_of(cs), pods, NEW, NEW, NOW)
    assert plan.modified is (left < 5)
    assert 5 - len(plan.delete) == left
    if specified:
        assert plan.delete == ("sample-0",)


def not_ready(cur: int, upd: int) -> list[dict]:  # type: ignore[type-arg]
    return [pod(f"cur-{i}", OLD, ready=False, phase="Running") for i in range(cur)] + [
        pod(f"upd-{i}", NEW, ready=False, phase="Running") for i in range(upd)
    ]


@pytest.mark.parametrize(
    ("replicas", "cur", "upd", "after"),
    [
        pytest.param(5, 5, 0, (5, 0), id="SY1 nothing to scale"),
        pytest.param(5, 3, 0, (3, 2), id="SY2 scale-up uses the update revision"),
        pytest.param(6, 3, 5, (1, 5), id="SY3 scale-down takes old pods first"),
        pytest.param(4, 3, 5, (0, 4), id="SY4 then updated ones"),
    ],
)
def test_sync_scale_on_delete(replicas: int, cur: int, upd: int, after: tuple[int, int]) -> None:
    cs = cloneset(replicas, type="OnDelete")
    pods = not_ready(cur, upd)
    plan = scale.plan(cs, params_of(cs), pods, OLD, NEW, NOW)
    deleted = set(plan.delete)
    left_cur = sum(1 for p in pods if p["metadata"]["name"].startswith("cur") and p["metadata"]["name"] not in deleted)
    left_upd = sum(1 for p in pods if p["metadata"]["name"].startswith("upd") and p["metadata"]["name"] not in deleted)
    assert (left_cur + plan.create_current, left_upd + plan.create_update) == after


def test_scale_up_limited_by_scale_max_unavailable() -> None:
    cs = cloneset(5)
    cs["spec"]["scaleStrategy"] = {"maxUnavailable": 2}
    plan = scale.plan(cs, params_of(cs), [], NEW, NEW, NOW)
    assert (plan.create_update, plan.limited) == (2, True)


def test_pre_delete_hook_holds_the_pod() -> None:
    cs = cloneset(2)
    cs["spec"]["lifecycle"] = {"preDelete": {"finalizersHandler": ["example.com/drain"]}}
    pods = five_ready()[:3]
    pods[2]["metadata"]["finalizers"] = ["example.com/drain"]
    pods[2]["metadata"]["labels"]["apps.kruise.io/specified-delete"] = "true"
    plan = scale.plan(cs, params_of(cs), pods, NEW, NEW, NOW)
    assert (plan.delete, plan.prepare_delete) == ((), ("sample-2",))


def test_crowded_nodes_lose_pods_first() -> None:
    pods = five_ready()[:3]
    pods[0]["spec"]["nodeName"] = "a"
    pods[1]["spec"]["nodeName"] = "b"
    pods[2]["spec"]["nodeName"] = "b"
    chosen = scale.choose_pods_to_delete(pods, 1, 0, NEW, 0, NOW)
    assert chosen[0]["spec"]["nodeName"] == "b"
