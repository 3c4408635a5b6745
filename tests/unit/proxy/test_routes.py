"""Services + EndpointSlices → listeners, backends and modes (pure)."""

from __future__ import annotations

from typing import Any

from graceroll.proxy import routes

Obj = dict[str, Any]


def svc(name: str = "web", ip: str | None = "127.1.0.1", ports: list[Obj] | None = None) -> Obj:
    spec: Obj = {"ports": ports or [{"name": "http", "port": 80, "protocol": "TCP"}]}
    if ip:
        spec["clusterIP"] = ip
    return {"metadata": {"name": name, "namespace": "default"}, "spec": spec}


def slice_(service: str = "web", port: int = 8080, eps: list[tuple[str, Obj]] | None = None, app: str | None = None) -> Obj:
    p: Obj = {"name": "http", "port": port}
    if app:
        p["appProtocol"] = app
    return {
        "metadata": {"name": f"{service}-x", "namespace": "default", "labels": {"kubernetes.io/service-name": service}},
        "ports": [p],
        "endpoints": [{"addresses": [a], "conditions": c} for a, c in eps or []],
    }


def test_only_ready_endpoints_are_backends_sorted_by_address() -> None:
    eps = [("127.10.0.10", {"ready": True}), ("127.10.0.9", {}), ("127.10.0.2", {"ready": False, "terminating": True})]
    (route,) = routes.build([svc()], [slice_(eps=eps)]).values()
    assert route.backends == (("127.10.0.9", 8080), ("127.10.0.10", 8080))
    assert route.mode == "l4"


def test_listeners_on_the_cluster_ip_and_the_node_port() -> None:
    table = routes.build([svc(ports=[{"name": "http", "port": 80, "nodePort": 30080}])], [slice_()])
    assert set(table) == {("127.1.0.1", 80), ("127.0.0.1", 30080)}


def test_app_protocol_http_on_the_service_or_the_slice_selects_http_mode() -> None:
    on_service = routes.build([svc(ports=[{"name": "http", "port": 80, "appProtocol": "HTTP"}])], [slice_()])
    on_slice = routes.build([svc()], [slice_(app="http")])
    assert [r.mode for r in on_service.values()] == ["http"]
    assert [r.mode for r in on_slice.values()] == ["http"]


def test_services_without_an_address_and_udp_ports_get_no_listener() -> None:
    table = routes.build([svc(ip=None), svc("headless", ip="None"), svc("dns", "127.1.0.3", [{"name": "d", "port": 53, "protocol": "UDP"}])], [])
    assert table == {}


def test_slices_of_other_services_do_not_leak() -> None:
    (route,) = routes.build([svc()], [slice_("other", eps=[("127.10.0.1", {})])]).values()
    assert route.backends == ()
