"""Starting, refreshing and completing an in-place update on one pod (reference §3.3–§3.5).

Origin: openkruise/kruise@v1.9.0:pkg/util/inplaceupdate/inplace_update_test.go
``TestCheckInPlaceUpdateCompleted`` and ``TestRefresh`` (RF rows, §5.9), plus the pod-level
effects of ``TestUpdate`` TU5/TU6/TU8 (cloneset_update_test.go).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from graceroll.clock import format_time
from graceroll.controllers.inplace import pod as inplace
from graceroll.controllers.inplace.spec import UpdateSpec

NOW = 1_000_000.0
Obj = dict[str, Any]


def make_pod(
    gate: bool = True,
    condition: str | None = None,
    state: Obj | None = None,
    grace: Obj | None = None,
    containers: list[tuple[str, str]] = (("c1", "c1-img1"),),  # type: ignore[assignment]
    statuses: list[tuple[str, str, str]] | None = None,  # (name, image, imageID)
) -> Obj:
    ann = {}
    if state is not None:
        ann[inplace.STATE_ANNOTATION] = json.dumps(state)
    if grace is not None:
        ann[inplace.GRACE_ANNOTATION] = json.dumps(grace)
    p: Obj = {
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default", "labels": {"controller-revision-hash": "rev_new"}, "annotations": ann},
        "spec": {"containers": [{"name": n, "image": i} for n, i in containers]},
        "status": {},
    }
    if gate:
        p["spec"]["readinessGates"] = [{"conditionType": inplace.READINESS_GATE}]
    if condition is not None:
        p["status"]["conditions"] = [{"type": inplace.READINESS_GATE, "status": condition}]
    if statuses is not None:
        p["status"]["containerStatuses"] = [{"name": n, "image": i, "imageID": d} for n, i, d in statuses]
    return p


# ---- completion --------------------------------------------------------------------------------


def test_completed_without_state() -> None:
    """(a) no state annotation: nothing in flight."""
    assert inplace.is_completed(make_pod())


def test_completed_when_the_image_id_changed() -> None:
    """(b) recorded img01, reported img02."""
    pod = make_pod(state={"lastContainerStatuses": {"c1": {"imageID": "img01"}}}, statuses=[("c1", "image02", "img02")])
    assert inplace.is_completed(pod)


def test_not_completed_while_the_image_id_is_the_old_one() -> None:
    """(c) imageID still img01 and the reported image differs from the spec (no spec containers: "")."""
    pod = make_pod(state={"lastContainerStatuses": {"c1": {"imageID": "img01"}}}, containers=[], statuses=[("c1", "image01", "img01")])
    assert not inplace.is_completed(pod)


def test_not_completed_without_container_statuses() -> None:
    """(d) the state lists c1 but the pod reports no containers."""
    assert not inplace.is_completed(make_pod(state={"lastContainerStatuses": {"c1": {"imageID": "img01"}}}))


def test_a_retag_with_the_same_image_id_completes_once_the_new_name_is_reported() -> None:
    """Issue #635's case: same imageID, but status.image already shows the spec's image."""
    pod = make_pod(state={"lastContainerStatuses": {"c1": {"imageID": "id"}}}, containers=[("c1", "app:v2")], statuses=[("c1", "app:v2", "id")])
    assert inplace.is_completed(pod)


# ---- refresh (RF rows) -------------------------------------------------------------------------


def test_rf1_no_readiness_gate_no_change() -> None:
    assert not inplace.refresh(make_pod(gate=False), NOW).changed


def test_rf2_not_complete_no_change() -> None:
    assert not inplace.refresh(make_pod(state={"lastContainerStatuses": {"c1": {"imageID": "img01"}}}), NOW).changed


@pytest.mark.parametrize("before", [pytest.param(None, id="RF3 condition added"), pytest.param("False", id="RF4 condition set True")])
def test_gate_is_opened(before: str | None) -> None:
    w = inplace.refresh(make_pod(condition=before), NOW)
    assert w.pod is None and w.status is not None
    assert w.status["conditions"] == [{"type": inplace.READINESS_GATE, "status": "True", "lastTransitionTime": format_time(NOW)}]


def test_rf5_gate_already_open_no_write() -> None:
    assert not inplace.refresh(make_pod(condition="True"), NOW).changed


def _grace(seconds: int) -> tuple[Obj, Obj]:
    state = {"revision": "rev_new", "updateTimestamp": format_time(NOW - 10), "updateImages": True}
    grace = {"revision": "rev_new", "containerImages": {"main": "img-name02"}, "graceSeconds": seconds}
    return state, grace


def test_rf6_still_in_grace_comes_back_when_it_ends() -> None:
    state, grace = _grace(30)
    w = inplace.refresh(make_pod(condition="False", state=state, grace=grace, containers=[("main", "img-name01")]), NOW)
    assert not w.changed and w.requeue_after == 20


def test_rf7_grace_over_patches_the_image() -> None:
    state, grace = _grace(5)
    pod = make_pod(condition="False", state=state, grace=grace, containers=[("main", "img-name01")], statuses=[("main", "img-name01", "id-01")])
    pod["metadata"]["labels"]["lifecycle.apps.kruise.io/state"] = "Updating"
    w = inplace.refresh(pod, NOW)
    assert w.status is None and w.pod is not None
    assert w.pod["spec"]["containers"][0]["image"] == "img-name02"
    assert inplace.GRACE_ANNOTATION not in w.pod["metadata"]["annotations"]
    new_state = json.loads(w.pod["metadata"]["annotations"][inplace.STATE_ANNOTATION])
    assert new_state["containerBatchesRecord"] == [{"timestamp": format_time(NOW), "containers": ["main"]}]
    assert new_state["lastContainerStatuses"] == {"main": {"imageID": "id-01"}}
    assert w.pod["metadata"]["labels"]["lifecycle.apps.kruise.io/state"] == "Updating"


def _batched(c1_image_id: str) -> Obj:
    state = {
        "revision": "rev_new",
        "updateTimestamp": format_time(NOW - 10),
        "lastContainerStatuses": {"c1": {"imageID": "c1-img1-ID"}},
        "nextContainerImages": {"c2": "c2-img2"},
        "containerBatchesRecord": [{"timestamp": format_time(NOW - 10), "containers": ["c1"]}],
    }
    return make_pod(
        condition="False",
        state=state,
        containers=[("c1", "c1-img2"), ("c2", "c2-img1")],
        statuses=[("c1", "c1-img1", c1_image_id), ("c2", "c2-img1", "c2-img1-ID")],
    )


def test_rf8_next_batch_waits_for_the_first() -> None:
    assert not inplace.refresh(_batched("c1-img1-ID"), NOW).changed


def test_rf9_next_batch_after_the_first_completes() -> None:
    w = inplace.refresh(_batched("c1-img2-ID"), NOW)
    assert w.pod is not None and w.status is None  # the gate stays False
    assert [c["image"] for c in w.pod["spec"]["containers"]] == ["c1-img2", "c2-img2"]
    state = json.loads(w.pod["metadata"]["annotations"][inplace.STATE_ANNOTATION])
    assert "nextContainerImages" not in state
    assert state["lastContainerStatuses"] == {"c1": {"imageID": "c1-img1-ID"}, "c2": {"imageID": "c2-img1-ID"}}
    assert [r["containers"] for r in state["containerBatchesRecord"]] == [["c1"], ["c2"]]


# ---- start (TU5, TU6, TU8 at pod level) --------------------------------------------------------


def _ready_pod() -> Obj:
    pod = make_pod(condition="True", containers=[("c1", "foo1")], statuses=[("c1", "foo1", "image-id-xyz")])
    pod["metadata"]["labels"]["controller-revision-hash"] = "rev_old"
    pod["status"]["conditions"].append({"type": "ContainersReady", "status": "True"})
    return pod


LABELS = {"controller-revision-hash": "rev_new"}


def test_tu5_start_without_grace_patches_at_once() -> None:
    w = inplace.start(_ready_pod(), UpdateSpec("rev_new", {"c1": "foo2"}), LABELS, NOW)
    assert w.pod is not None and w.status is not None and w.requeue_after is None
    assert w.pod["metadata"]["labels"]["controller-revision-hash"] == "rev_new"
    assert w.pod["spec"]["containers"][0]["image"] == "foo2"
    assert json.loads(w.pod["metadata"]["annotations"][inplace.STATE_ANNOTATION]) == {
        "revision": "rev_new",
        "updateTimestamp": format_time(NOW),
        "lastContainerStatuses": {"c1": {"imageID": "image-id-xyz"}},
        "updateImages": True,
        "containerBatchesRecord": [{"timestamp": format_time(NOW), "containers": ["c1"]}],
    }
    gate = next(c for c in w.status["conditions"] if c["type"] == inplace.READINESS_GATE)
    assert (gate["status"], gate["reason"]) == ("False", "StartInPlaceUpdate")
    assert next(c for c in w.status["conditions"] if c["type"] == "Ready")["status"] == "False"


def test_tu6_start_with_grace_keeps_the_image() -> None:
    w = inplace.start(_ready_pod(), UpdateSpec("rev_new", {"c1": "foo2"}, grace_seconds=3630), LABELS, NOW)
    assert w.pod is not None and w.requeue_after == 3630
    assert w.pod["spec"]["containers"][0]["image"] == "foo1"
    ann = w.pod["metadata"]["annotations"]
    assert ann[inplace.GRACE_ANNOTATION] == '{"revision":"rev_new","containerImages":{"c1":"foo2"},"graceSeconds":3630}'
    assert json.loads(ann[inplace.STATE_ANNOTATION]) == {"revision": "rev_new", "updateTimestamp": format_time(NOW), "updateImages": True}


@pytest.mark.parametrize(("elapsed", "patched"), [pytest.param(3610, False, id="TU7 within grace"), pytest.param(3660, True, id="TU8 grace over")])
def test_grace_measured_from_the_update_timestamp(elapsed: float, patched: bool) -> None:
    started = inplace.start(_ready_pod(), UpdateSpec("rev_new", {"c1": "foo2"}, grace_seconds=3630), LABELS, NOW)
    assert started.pod is not None
    pod = dict(started.pod, status=_ready_pod()["status"])
    w = inplace.refresh(pod, NOW + elapsed)
    assert w.changed is patched
    if patched:
        assert w.pod is not None and w.pod["spec"]["containers"][0]["image"] == "foo2"
        assert inplace.GRACE_ANNOTATION not in w.pod["metadata"]["annotations"]


def test_a_newer_revision_drops_a_pending_grace() -> None:
    started = inplace.start(_ready_pod(), UpdateSpec("rev_new", {"c1": "foo2"}, grace_seconds=30), LABELS, NOW)
    assert started.pod is not None
    pod = dict(started.pod, status={})
    pod["metadata"]["labels"]["controller-revision-hash"] = "rev_newer"
    w = inplace.refresh(pod, NOW + 1)
    assert w.pod is not None and inplace.GRACE_ANNOTATION not in w.pod["metadata"]["annotations"]
    assert w.pod["spec"]["containers"][0]["image"] == "foo1"
