"""Service addresses: loopback cluster IPs and node ports, allocated once and never shared."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from graceroll.controllers.endpoints import addresses

Obj = dict[str, Any]
ALL_CLUSTER_IPS = {
    str(ipaddress.IPv4Address(n))
    for n in range(addresses.CLUSTER_IP_FIRST, addresses.CLUSTER_IP_LAST + 1)
    if n & 0xFF not in (0, 255)
}


def service(name: str = "web", created: str = "2026-01-01T00:00:00Z", ports: list[Obj] | None = None, **spec: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "creationTimestamp": created},
        "spec": {"type": "ClusterIP", "ports": ports or [{"name": "http", "port": 80}], **spec},
    }


# --- cluster IPs ---------------------------------------------------------------------------------


def test_the_first_service_gets_the_first_address() -> None:
    s = service()
    assert addresses.assign(s, [])
    assert (s["spec"]["clusterIP"], s["spec"]["clusterIPs"]) == ("127.1.0.1", ["127.1.0.1"])


def test_each_service_gets_an_address_no_other_holds() -> None:
    others = [service("a", clusterIP="127.1.0.1"), service("b", clusterIP="127.1.0.3"), service("h", clusterIP="None")]
    s = service()
    addresses.assign(s, others)
    assert s["spec"]["clusterIP"] == "127.1.0.2"


@pytest.mark.parametrize(
    "used, want",
    [
        pytest.param({f"127.1.0.{i}" for i in range(1, 255)}, "127.1.1.1", id="after 127.1.0.254 comes 127.1.1.1, not .255 or .0"),
        pytest.param({f"127.1.7.{i}" for i in range(1, 255)}, "127.1.0.1", id="holes below are filled first"),
    ],
)
def test_addresses_ending_in_0_or_255_are_skipped(used: set[str], want: str) -> None:
    assert addresses.next_cluster_ip(used) == want


def test_the_range_holds_65024_addresses_none_ending_in_0_or_255() -> None:
    assert len(ALL_CLUSTER_IPS) == 256 * 254
    assert not any(ip.endswith((".0", ".255")) for ip in ALL_CLUSTER_IPS)
    assert addresses.next_cluster_ip(ALL_CLUSTER_IPS - {"127.1.255.254"}) == "127.1.255.254"


def test_an_exhausted_address_range_says_what_to_do() -> None:
    with pytest.raises(addresses.RangeExhausted, match=r"no free Service address in 127\.1\.0\.1-127\.1\.255\.254: delete Services"):
        addresses.next_cluster_ip(ALL_CLUSTER_IPS)


def test_a_given_address_is_kept_and_mirrored_into_cluster_ips() -> None:
    s = service(clusterIP="127.1.7.7")
    assert addresses.assign(s, [service("a", clusterIP="127.1.7.7")])
    assert (s["spec"]["clusterIP"], s["spec"]["clusterIPs"]) == ("127.1.7.7", ["127.1.7.7"])
    assert not addresses.assign(s, [])


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param({"clusterIP": "None"}, id="headless"),
        pytest.param({"type": "ExternalName", "externalName": "example.com"}, id="ExternalName"),
    ],
)
def test_headless_and_external_name_services_get_no_address(spec: Obj) -> None:
    s = service(**spec)
    assert not addresses.assign(s, [])
    assert s["spec"].get("clusterIP") in (None, "None") and "clusterIPs" not in s["spec"]


# --- node ports ----------------------------------------------------------------------------------


def test_node_ports_are_allocated_once_around_the_ones_given() -> None:
    s = service(type="NodePort", ports=[{"name": "a", "port": 80}, {"name": "b", "port": 81, "nodePort": 30000}])
    others = [service("x", type="NodePort", ports=[{"port": 80, "nodePort": 30001}])]
    assert addresses.assign(s, others)
    assert [p["nodePort"] for p in s["spec"]["ports"]] == [30002, 30000]
    assert not addresses.assign(s, others)


@pytest.mark.parametrize(
    "spec, want",
    [
        pytest.param({"type": "ClusterIP"}, None, id="ClusterIP gets none"),
        pytest.param({"type": "NodePort"}, 30000, id="NodePort gets one"),
        pytest.param({"type": "LoadBalancer"}, 30000, id="LoadBalancer gets one"),
        pytest.param({"type": "LoadBalancer", "allocateLoadBalancerNodePorts": False}, None, id="LoadBalancer that opts out gets none"),
    ],
)
def test_which_types_get_node_ports(spec: Obj, want: int | None) -> None:
    s = service(**spec)
    addresses.assign(s, [])
    assert s["spec"]["ports"][0].get("nodePort") == want


def test_an_exhausted_node_port_range_says_so() -> None:
    with pytest.raises(addresses.RangeExhausted, match="no free node port in 30000-32767"):
        addresses.next_node_port(set(range(30000, 32768)))


# --- clashes -------------------------------------------------------------------------------------


def test_a_clash_is_reported_by_the_younger_service_only() -> None:
    old = service("old", clusterIP="127.1.0.5", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])
    young = service("young", created="2026-01-01T00:00:01Z", clusterIP="127.1.0.5", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])
    assert addresses.clashes(old, [young]) == []
    assert [(c.reason, c.value, c.holder) for c in addresses.clashes(young, [old])] == [
        ("ClusterIPAlreadyAllocated", "127.1.0.5", "default/old"),
        ("PortAlreadyAllocated", "30080", "default/old"),
    ]


def test_services_created_in_the_same_second_are_ordered_by_name() -> None:
    a, b = service("a", clusterIP="127.1.0.5"), service("b", clusterIP="127.1.0.5")
    assert addresses.clashes(a, [b]) == []
    (clash,) = addresses.clashes(b, [a])
    assert clash.message == "Cluster IP 127.1.0.5 was assigned to multiple services (default/a has it); please recreate service"


def test_headless_services_never_clash() -> None:
    assert addresses.clashes(service("b", clusterIP="None"), [service("a", clusterIP="None")]) == []
