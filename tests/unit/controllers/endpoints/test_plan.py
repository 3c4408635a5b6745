"""Service + pods → EndpointSlices and Endpoints, and which writes bring the store there (pure)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from graceroll.api.meta import clone
from graceroll.controllers.endpoints import plan

Obj = dict[str, Any]
NAME = re.compile(r"^web-[bcdfghjklmnpqrstvwxz2456789]{5}$")


def service(ports: list[Obj] | None = None, publish: bool = False, uid: str = "svc-uid", **spec: Any) -> Obj:
    s: Obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default", "uid": uid, "labels": {"tier": "front"}},
        "spec": {"selector": {"app": "web"}, "ports": ports or [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}], **spec},
    }
    if publish:
        s["spec"]["publishNotReadyAddresses"] = True
    return s


def pod(
    name: str,
    ip: str | None = "127.10.0.1",
    ready: bool = True,
    deleting: bool = False,
    phase: str = "Running",
    port: int | None = 8080,
    labels: Obj | None = None,
    node: str | None = None,
) -> Obj:
    md: Obj = {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": labels if labels is not None else {"app": "web"}}
    if deleting:
        md["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    status: Obj = {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if ip:
        status["podIP"] = ip
    ports = [{"name": "http", "containerPort": port}] if port else []
    spec: Obj = {"containers": [{"name": "app", "ports": ports}]}
    if node:
        spec["nodeName"] = node
    return {"metadata": md, "spec": spec, "status": status}


def addresses_of(s: Obj) -> list[str]:
    return [e["addresses"][0] for e in s["endpoints"]]


# --- conditions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ready, deleting, publish, want",
    [
        pytest.param(True, False, False, (True, True, False), id="ready pod: ready and serving"),
        pytest.param(False, False, False, (False, False, False), id="not ready pod: neither"),
        pytest.param(True, True, False, (False, True, True), id="terminating ready pod: serving, not ready"),
        pytest.param(False, True, False, (False, False, True), id="terminating not-ready pod: only terminating"),
        pytest.param(False, False, True, (True, False, False), id="publishNotReadyAddresses makes a not-ready pod ready"),
        pytest.param(True, True, True, (True, True, True), id="publishNotReadyAddresses keeps a terminating pod ready"),
        pytest.param(False, True, True, (True, False, True), id="publishNotReadyAddresses: ready even when neither serving nor staying"),
    ],
)
def test_endpoint_conditions_follow_upstream(ready: bool, deleting: bool, publish: bool, want: tuple[bool, bool, bool]) -> None:
    (s,) = plan.desired_slices(service(publish=publish), [pod("a", ready=ready, deleting=deleting)])
    assert s["endpoints"][0]["conditions"] == dict(zip(("ready", "serving", "terminating"), want))


def test_a_pod_without_a_ready_condition_is_not_serving() -> None:
    p = pod("a")
    p["status"]["conditions"] = []
    (s,) = plan.desired_slices(service(), [p])
    assert s["endpoints"][0]["conditions"] == {"ready": False, "serving": False, "terminating": False}


@pytest.mark.parametrize(
    "left_out",
    [
        pytest.param(pod("x", ip=None), id="no pod IP yet"),
        pytest.param(pod("x", phase="Succeeded"), id="succeeded"),
        pytest.param(pod("x", phase="Failed"), id="failed"),
        pytest.param(pod("x", labels={"app": "other"}), id="labels do not match"),
        pytest.param(pod("x", labels={}), id="no labels"),
    ],
)
def test_pods_that_cannot_take_traffic_are_left_out(left_out: Obj) -> None:
    (s,) = plan.desired_slices(service(), [pod("a"), left_out])
    assert [e["targetRef"]["name"] for e in s["endpoints"]] == ["a"]


def test_a_service_without_a_selector_selects_nothing() -> None:
    svc = service()
    del svc["spec"]["selector"]
    assert not plan.has_selector(svc)
    assert plan.endpoint(svc, pod("a")) is None


# --- slices --------------------------------------------------------------------------------------


def test_an_endpoint_names_its_pod_and_node() -> None:
    (s,) = plan.desired_slices(service(), [pod("a", node="local")])
    assert s["endpoints"] == [
        {
            "addresses": ["127.10.0.1"],
            "conditions": {"ready": True, "serving": True, "terminating": False},
            "targetRef": {"kind": "Pod", "namespace": "default", "name": "a", "uid": "uid-a"},
            "nodeName": "local",
        }
    ]


def test_endpoints_are_sorted_by_pod_name() -> None:
    pods = [pod("web-c", ip="127.10.0.1"), pod("web-a", ip="127.10.0.3"), pod("web-b", ip="127.10.0.2")]
    (s,) = plan.desired_slices(service(), pods)
    assert [e["targetRef"]["name"] for e in s["endpoints"]] == ["web-a", "web-b", "web-c"]


def test_a_slice_is_named_after_the_service_owned_by_it_and_labelled_for_it() -> None:
    (s,) = plan.desired_slices(service([{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP", "appProtocol": "http"}]), [pod("a")])
    md = s["metadata"]
    assert NAME.match(md["name"])
    assert md["labels"] == {"kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.graceroll.dev"}
    assert md["ownerReferences"] == [{"apiVersion": "v1", "kind": "Service", "name": "web", "uid": "svc-uid", "controller": True, "blockOwnerDeletion": True}]
    assert s["addressType"] == "IPv4"
    assert s["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP", "appProtocol": "http"}]


def test_the_slice_name_is_derived_from_the_service_uid() -> None:
    first = plan.desired_slices(service(), [pod("a")])[0]["metadata"]["name"]
    assert plan.desired_slices(service(), [pod("b", ip="127.10.0.9")])[0]["metadata"]["name"] == first
    assert plan.desired_slices(service(uid="other-uid"), [pod("a")])[0]["metadata"]["name"] != first


def test_a_service_that_selects_nothing_gets_one_empty_slice() -> None:
    (s,) = plan.desired_slices(service(), [])
    assert NAME.match(s["metadata"]["name"])
    assert (s["ports"], s["endpoints"]) == ([], [])


def test_a_numeric_target_port_is_used_as_is_and_defaults_to_the_port() -> None:
    ports = [{"name": "a", "port": 80, "targetPort": 9000, "protocol": "TCP"}, {"name": "b", "port": 81, "protocol": "UDP"}]
    (s,) = plan.desired_slices(service(ports), [pod("p", port=None)])
    assert s["ports"] == [{"name": "a", "port": 9000, "protocol": "TCP"}, {"name": "b", "port": 81, "protocol": "UDP"}]


def test_a_named_target_port_resolves_per_pod_and_splits_slices_by_port_set() -> None:
    pods = [pod("a", ip="127.10.0.1", port=8080), pod("b", ip="127.10.0.2", port=9090), pod("c", ip="127.10.0.3", port=8080)]
    slices = plan.desired_slices(service(), pods)
    by_port = {s["ports"][0]["port"]: addresses_of(s) for s in slices}
    assert by_port == {8080: ["127.10.0.1", "127.10.0.3"], 9090: ["127.10.0.2"]}
    names = [s["metadata"]["name"] for s in slices]
    assert len(set(names)) == 2 and all(NAME.match(n) for n in names)
    again = plan.desired_slices(service(), list(reversed(pods)))
    assert [s["metadata"]["name"] for s in again] == names


def test_a_pod_lacking_the_named_port_is_left_out_of_that_port() -> None:
    ports = [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}, {"name": "raw", "port": 81, "targetPort": 7000, "protocol": "TCP"}]
    slices = plan.desired_slices(service(ports), [pod("a", ip="127.10.0.1"), pod("b", ip="127.10.0.2", port=None)])
    by_ports = {tuple(p["port"] for p in s["ports"]): addresses_of(s) for s in slices}
    assert by_ports == {(8080, 7000): ["127.10.0.1"], (7000,): ["127.10.0.2"]}


def test_the_first_container_declaring_a_port_name_wins() -> None:
    p = pod("a")
    p["spec"]["containers"].append({"name": "side", "ports": [{"name": "http", "containerPort": 9999}]})
    (s,) = plan.desired_slices(service(), [p])
    assert s["ports"][0]["port"] == 8080


# --- slice writes --------------------------------------------------------------------------------


def stored(obj: Obj) -> Obj:
    """``obj`` as the store hands it back: with server-set metadata."""
    out = clone(obj)
    out["metadata"].update(uid="slice-uid", resourceVersion="7", creationTimestamp="2026-01-01T00:00:00Z")
    return out


def test_slices_that_match_need_no_write() -> None:
    desired = plan.desired_slices(service(), [pod("a")])
    assert plan.slice_writes(desired, [stored(s) for s in desired]).empty


def test_a_changed_slice_is_updated_in_place_keeping_its_resource_version() -> None:
    before = stored(plan.desired_slices(service(), [pod("a", ready=False)])[0])
    desired = plan.desired_slices(service(), [pod("a")])
    writes = plan.slice_writes(desired, [before])
    (new,) = writes.update
    assert (writes.create, writes.delete) == ((), ())
    assert new["metadata"]["resourceVersion"] == "7"
    assert new["endpoints"][0]["conditions"]["ready"] is True


def test_a_user_label_edit_is_reverted() -> None:
    have = stored(plan.desired_slices(service(), [pod("a")])[0])
    have["metadata"]["labels"]["kubernetes.io/service-name"] = "other"
    (new,) = plan.slice_writes(plan.desired_slices(service(), [pod("a")]), [have]).update
    assert new["metadata"]["labels"]["kubernetes.io/service-name"] == "web"


def test_a_port_set_change_creates_the_new_slice_and_deletes_the_old() -> None:
    old = stored(plan.desired_slices(service(), [pod("a", port=8080)])[0])
    desired = plan.desired_slices(service(), [pod("a", port=9090)])
    writes = plan.slice_writes(desired, [old])
    assert [s["metadata"]["name"] for s in writes.create] == [desired[0]["metadata"]["name"]]
    assert writes.delete == (old["metadata"]["name"],)
    assert writes.update == ()


# --- Endpoints -----------------------------------------------------------------------------------


def test_legacy_endpoints_split_ready_and_not_ready_and_drop_terminating() -> None:
    pods = [pod("a", ip="127.10.0.1", node="local"), pod("b", ip="127.10.0.2", ready=False), pod("c", ip="127.10.0.3", deleting=True)]
    ep = plan.desired_endpoints(service(), pods)
    assert ep["metadata"] == {"name": "web", "namespace": "default", "labels": {"tier": "front"}}
    assert ep["subsets"] == [
        {
            "addresses": [{"ip": "127.10.0.1", "nodeName": "local", "targetRef": {"kind": "Pod", "namespace": "default", "name": "a", "uid": "uid-a"}}],
            "notReadyAddresses": [{"ip": "127.10.0.2", "targetRef": {"kind": "Pod", "namespace": "default", "name": "b", "uid": "uid-b"}}],
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
        }
    ]


def test_legacy_endpoints_have_one_subset_per_port_set() -> None:
    ep = plan.desired_endpoints(service(), [pod("a", ip="127.10.0.1", port=8080), pod("b", ip="127.10.0.2", port=9090)])
    assert [(s["ports"][0]["port"], s["addresses"][0]["ip"]) for s in ep["subsets"]] == [(8080, "127.10.0.1"), (9090, "127.10.0.2")]


def test_publish_not_ready_addresses_lists_every_pod_as_ready_in_endpoints() -> None:
    ep = plan.desired_endpoints(service(publish=True), [pod("a", ready=False), pod("b", ip="127.10.0.2", deleting=True)])
    assert [a["ip"] for a in ep["subsets"][0]["addresses"]] == ["127.10.0.1", "127.10.0.2"]
    assert "notReadyAddresses" not in ep["subsets"][0]


def test_endpoints_without_subsets_leave_the_field_out() -> None:
    assert "subsets" not in plan.desired_endpoints(service(), [])
    assert "subsets" not in plan.desired_endpoints(service(), [pod("a", deleting=True)])


def test_endpoints_writes_create_then_update_only_on_change() -> None:
    desired = plan.desired_endpoints(service(), [pod("a")])
    assert plan.endpoints_writes(desired, None).create == (desired,)
    assert plan.endpoints_writes(desired, stored(desired)).empty
    emptied = plan.desired_endpoints(service(), [])
    (new,) = plan.endpoints_writes(emptied, stored(desired)).update
    assert "subsets" not in new and new["metadata"]["resourceVersion"] == "7"
