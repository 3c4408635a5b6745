"""``get endpoints`` / ``get endpointslices``: kubectl's columns and its "+ N more..." lists."""

from __future__ import annotations

from typing import Any

from graceroll.clock import parse_time
from graceroll.printers import (
    builtin,  # noqa: F401  (registers the tables)
    tables,
)

Obj = dict[str, Any]
CREATED = "2026-01-01T00:00:00Z"
NOW = parse_time(CREATED) + 300


def endpoints(subsets: list[Obj] | None) -> Obj:
    obj: Obj = {"kind": "Endpoints", "metadata": {"name": "web", "namespace": "default", "creationTimestamp": CREATED}}
    if subsets is not None:
        obj["subsets"] = subsets
    return obj


def addrs(*ips: str) -> list[Obj]:
    return [{"ip": ip} for ip in ips]


def test_endpoints_list_ready_addresses_with_their_port() -> None:
    ep = endpoints([{"addresses": addrs("127.10.0.1", "127.10.0.2"), "notReadyAddresses": addrs("127.10.0.3"), "ports": [{"port": 8080}]}])
    assert tables.render([ep], NOW).splitlines() == [
        "NAME   ENDPOINTS                         AGE",
        "web    127.10.0.1:8080,127.10.0.2:8080   5m",
    ]


def test_endpoints_show_three_then_how_many_more() -> None:
    ep = endpoints(
        [
            {"addresses": addrs("127.10.0.1", "127.10.0.2"), "ports": [{"port": 8080}, {"port": 9090}]},
            {"addresses": addrs("127.10.0.3"), "ports": [{"port": 7070}]},
        ]
    )
    assert tables.render([ep], NOW).splitlines()[1].split() == ["web", "127.10.0.1:8080,127.10.0.2:8080,127.10.0.1:9090", "+", "2", "more...", "5m"]


def test_endpoints_without_ready_addresses_show_none() -> None:
    for ep in (endpoints(None), endpoints([{"notReadyAddresses": addrs("127.10.0.1"), "ports": [{"port": 80}]}])):
        assert tables.render([ep], NOW).splitlines()[1].split() == ["web", "<none>", "5m"]


def test_endpoints_of_a_service_without_ports_are_bare_addresses() -> None:
    ep = endpoints([{"addresses": addrs("127.10.0.1")}])
    assert tables.render([ep], NOW).splitlines()[1].split()[1] == "127.10.0.1"


def endpoint_slice(ports: list[Obj], ips: list[str]) -> Obj:
    return {
        "kind": "EndpointSlice",
        "metadata": {"name": "web-x7k2p", "namespace": "default", "creationTimestamp": CREATED},
        "addressType": "IPv4",
        "ports": ports,
        "endpoints": [{"addresses": [ip], "conditions": {"ready": False}} for ip in ips],
    }


def test_slices_list_ports_and_every_address_ready_or_not() -> None:
    s = endpoint_slice([{"name": "http", "port": 8080}], ["127.10.0.1", "127.10.0.2"])
    lines = tables.render([s], NOW).splitlines()
    assert lines[0].split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    assert lines[1].split() == ["web-x7k2p", "IPv4", "8080", "127.10.0.1,127.10.0.2", "5m"]


def test_slices_show_three_then_how_many_more_and_unset_when_empty() -> None:
    many = endpoint_slice([{"port": p} for p in (1, 2, 3, 4)], [f"127.10.0.{i}" for i in range(1, 6)])
    assert tables.render([many, endpoint_slice([], [])], NOW).splitlines() == [
        "NAME        ADDRESSTYPE   PORTS               ENDPOINTS                                      AGE",
        "web-x7k2p   IPv4          1,2,3 + 1 more...   127.10.0.1,127.10.0.2,127.10.0.3 + 2 more...   5m",
        "web-x7k2p   IPv4          <unset>             <unset>                                        5m",
    ]
