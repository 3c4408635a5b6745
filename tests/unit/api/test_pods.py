"""A new Pod's status and ServiceAccount, its QoS class, and what an update may change."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.api.admission import admit
from graceroll.api.meta import clone
from graceroll.api.pod_status import prepare_for_create, qos_class
from graceroll.errors import Invalid


def pod(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "image": "demo:v1", "ports": [{"containerPort": 8080}]}], **spec}}


def resources(requests: dict[str, str] | None = None, limits: dict[str, str] | None = None) -> dict[str, Any]:
    return {"spec": {"containers": [{"name": "a", "resources": {k: v for k, v in (("requests", requests), ("limits", limits)) if v}}]}}


@pytest.mark.parametrize(
    "spec, qos",
    [
        pytest.param(resources(), "BestEffort", id="nothing asked"),
        pytest.param(resources({"cpu": "100m"}), "Burstable", id="a request"),
        pytest.param(resources(limits={"cpu": "1", "memory": "1Gi"}), "Guaranteed", id="limits only: requests equal them"),
        pytest.param(resources({"cpu": "1000m", "memory": "1024Mi"}, {"cpu": "1", "memory": "1Gi"}), "Guaranteed", id="the same amounts spelt otherwise"),
        pytest.param(resources({"cpu": "500m", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"}), "Burstable", id="a request below its limit"),
        pytest.param(resources(limits={"cpu": "1"}), "Burstable", id="no memory limit"),
    ],
)
def test_qos_class(spec: dict[str, Any], qos: str) -> None:
    assert qos_class(spec["spec"]) == qos


def test_a_new_pod_is_pending_and_names_its_service_account() -> None:
    p = pod()
    p["status"] = {"phase": "Running"}
    prepare_for_create(p)
    assert p["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert (p["spec"]["serviceAccountName"], p["spec"]["serviceAccount"]) == ("default", "default")
    legacy = pod(serviceAccount="builder")
    prepare_for_create(legacy)
    assert legacy["spec"]["serviceAccountName"] == "builder"


def update_errors(change: Any, **spec: Any) -> list[str]:
    old = admit(pod(**spec))
    new = clone(old)
    change(new["spec"])
    try:
        admit(new, old)
    except Invalid as e:
        return [str(c) for c in e.causes]
    return []


@pytest.mark.parametrize(
    "change, spec",
    [
        pytest.param(lambda s: s["containers"][0].update(image="demo:v2"), {}, id="an image"),
        pytest.param(lambda s: s.update(activeDeadlineSeconds=30), {"activeDeadlineSeconds": 60}, id="a shorter deadline"),
        pytest.param(lambda s: s.update(tolerations=[{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Exists"}]), {"tolerations": [{"key": "a", "operator": "Exists"}]}, id="a toleration added"),
    ],
)
def test_what_a_pod_update_may_change(change: Any, spec: dict[str, Any]) -> None:
    assert update_errors(change, **spec) == []


@pytest.mark.parametrize(
    "change, spec, message",
    [
        pytest.param(lambda s: s["containers"][0]["ports"][0].update(containerPort=9090), {}, "spec.containers[0].ports[0].containerPort", id="a port"),
        pytest.param(lambda s: s["containers"].append({"name": "b", "image": "x"}), {}, "pod updates may not add or remove containers", id="a container"),
        pytest.param(lambda s: s.update(activeDeadlineSeconds=90), {"activeDeadlineSeconds": 60}, "must be less than or equal to previous value", id="a longer deadline"),
        pytest.param(lambda s: s.update(tolerations=[]), {"tolerations": [{"key": "a", "operator": "Exists"}]}, "existing toleration can not be modified", id="a toleration removed"),
    ],
)
def test_what_a_pod_update_may_not_change(change: Any, spec: dict[str, Any], message: str) -> None:
    errs = update_errors(change, **spec)
    assert errs and message in errs[0]
    if "ports" in message:
        assert errs[0].startswith("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,")


def test_a_pod_the_store_created_undefaulted_can_still_be_labelled() -> None:
    raw = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"containers": [{"name": "a", "image": "x"}]}}
    labelled = clone(raw)
    labelled["metadata"]["labels"] = {"tier": "front"}
    assert admit(labelled, raw)["metadata"]["labels"] == {"tier": "front"}
