"""Service + pods → EndpointSlices and Endpoints, and Service address allocation (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.endpoints import addresses, plan

Obj = dict[str, Any]


def service(ports: list[Obj] | None = None, publish: bool = False, **spec: Any) -> Obj:
    s: Obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default", "uid": "svc-uid", "labels": {"tier": "front"}},
        "spec": {"selector": {"app": "web"}, "ports": ports or [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}], **spec},
    }
    if publish:
        s["spec"]["publishNotReadyAddresses"] = True
    return s


def pod(name: str, ip: str | None = "127.10.0.1", ready: bool = True, deleting: bool = False, phase: str = "Running", port: int = 8080, labels: Obj | None = None) -> Obj:
    md: Obj = {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": labels if labels is not None else {"app": "web"}}
    if deleting:
        md["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    status: Obj = {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if ip:
        status["podIP"] = ip
    return {"metadata": md, "spec": {"containers": [{"name": "app", "ports": [{"name": "http", "containerPort": port}]}]}, "status": status}


@pytest.mark.parametrize(
    "ready, deleting, publish, want",
    [
        (True, False, False, {"ready": True, "serving": True, "terminating": False}),
        (False, False, False, {"ready": False, "serving": False, "terminating": False}),
        (True, True, False, {"ready": False, "serving": True, "terminating": True}),
        (False, True, False, {"ready": False, "serving": False, "terminating": True}),
        (False, False, True, {"ready": True, "serving": False, "terminating": False}),
        (True, True, True, {"ready": True, "serving": True, "terminating": True}),
    ],
)
def test_endpoint_conditions_follow_upstream(ready: bool, deleting: bool, publish: bool, want: Obj) -> None:
    (s,) = plan.desired_slices(service(publish=publish), [pod("a", ready=ready, deleting=deleting)])
    assert s["endpoints"][0]["conditions"] == want


def test_pods_without_an_ip_finished_or_unselected_are_left_out() -> None:
    pods = [pod("a"), pod("b", ip=None), pod("c", phase="Succeeded"), pod("d", phase="Failed"), pod("e", labels={"app": "other"})]
    (s,) = plan.desired_slices(service(), pods)
    assert [e["targetRef"]["name"] for e in s["endpoints"]] == ["a"]


def test_a_named_target_port_resolves_per_pod_and_splits_slices_by_port_set() -> None:
    pods = [pod("a", ip="127.10.0.1", port=8080), pod("b", ip="127.10.0.2", port=9090), pod("c", ip="127.10.0.3", port=8080)]
    slices = plan.desired_slices(service(), pods)
    by_port = {s["ports"][0]["port"]: [e["addresses"][0] for e in s["endpoints"]] for s in slices}
    assert by_port == {8080: ["127.10.0.1", "127.10.0.3"], 9090: ["127.10.0.2"]}
    assert len({s["metadata"]["name"] for s in slices}) == 2
    assert all(s["metadata"]["name"].startswith("web-") for s in slices)


def test_a_pod_lacking_the_named_port_is_left_out_of_that_port() -> None:
    p = pod("a")
    p["spec"]["containers"][0]["ports"] = []
    ports = [{"name": "http", "port": 80, "targetPort": "http"}, {"name": "raw", "port": 81, "targetPort": 7000}]
    (s,) = plan.desired_slices(service(ports), [p])
    assert s["ports"] == [{"name": "raw", "port": 7000, "protocol": "TCP"}]


def test_slices_are_owned_by_the_service_and_labelled_for_it() -> None:
    (s,) = plan.desired_slices(service([{"name": "http", "port": 80, "targetPort": 8080, "appProtocol": "http"}]), [pod("a")])
    assert s["metadata"]["labels"]["kubernetes.io/service-name"] == "web"
    assert s["metadata"]["ownerReferences"][0]["uid"] == "svc-uid"
    assert s["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP", "appProtocol": "http"}]


def test_legacy_endpoints_split_ready_and_not_ready_and_drop_terminating() -> None:
    pods = [pod("a", ip="127.10.0.1"), pod("b", ip="127.10.0.2", ready=False), pod("c", ip="127.10.0.3", deleting=True)]
    ep = plan.desired_endpoints(service(), pods)
    (subset,) = ep["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == ["127.10.0.1"]
    assert [a["ip"] for a in subset["notReadyAddresses"]] == ["127.10.0.2"]
    assert ep["metadata"]["labels"] == {"tier": "front"}
    assert "subsets" not in plan.desired_endpoints(service(), [])


def test_cluster_ips_are_the_lowest_free_skipping_0_and_255() -> None:
    assert addresses.next_cluster_ip(set()) == "127.1.0.1"
    used = {f"127.1.0.{i}" for i in range(1, 255)}
    assert addresses.next_cluster_ip(used) == "127.1.1.1"


def test_assign_keeps_a_given_address_and_allocates_node_ports_once() -> None:
    s = service(type="NodePort", clusterIP="127.1.7.7", ports=[{"port": 80}, {"port": 81, "nodePort": 30000}])
    assert addresses.assign(s, [])
    assert s["spec"]["clusterIP"] == "127.1.7.7"
    assert [p["nodePort"] for p in s["spec"]["ports"]] == [30001, 30000]
    assert not addresses.assign(s, [])


def test_headless_and_external_name_services_get_no_address() -> None:
    assert not addresses.assign(service(clusterIP="None"), [])
    assert not addresses.assign(service(type="ExternalName"), [])


def test_an_exhausted_node_port_range_says_so() -> None:
    with pytest.raises(addresses.RangeExhausted, match="no free node port in 30000-32767"):
        addresses.next_node_port(set(range(30000, 32768)))
