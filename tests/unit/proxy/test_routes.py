"""Services + EndpointSlices → listeners, backends and modes; and what a sync does to listeners."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.proxy import routes
from graceroll.proxy.routes import ListenerPlan, Route

Obj = dict[str, Any]


def svc(name: str = "web", ip: str | None = "127.1.0.1", ports: list[Obj] | None = None, ns: str = "default") -> Obj:
    spec: Obj = {"ports": ports or [{"name": "http", "port": 80, "protocol": "TCP"}]}
    if ip:
        spec["clusterIP"] = ip
    return {"metadata": {"name": name, "namespace": ns}, "spec": spec}


def ep(ip: str, **conditions: bool) -> Obj:
    return {"addresses": [ip], "conditions": conditions}


def slice_(service: str = "web", ports: list[Obj] | None = None, eps: list[Obj] | None = None, ns: str = "default") -> Obj:
    return {
        "metadata": {"name": f"{service}-x", "namespace": ns, "labels": {"kubernetes.io/service-name": service}},
        "ports": ports if ports is not None else [{"name": "http", "port": 8080}],
        "endpoints": eps or [],
    }


def only(table: dict[tuple[str, int], Route]) -> Route:
    (route,) = table.values()
    return route


def test_ready_endpoints_are_backends_in_address_order_and_missing_ready_counts_as_ready() -> None:
    eps = [ep("127.10.0.10", ready=True), ep("127.10.0.9"), ep("127.10.0.2", ready=False, terminating=True)]
    route = only(routes.build([svc()], [slice_(eps=eps)]))
    assert route == Route("default/web:http", "http", (("127.10.0.9", 8080), ("127.10.0.10", 8080)))


def test_serving_but_terminating_endpoints_get_no_new_work() -> None:
    eps = [ep("127.10.0.1", ready=False, serving=True, terminating=True)]
    assert only(routes.build([svc()], [slice_(eps=eps)])).backends == ()


def test_each_slice_resolves_the_port_name_to_its_own_number() -> None:
    slices = [
        {**slice_(eps=[ep("127.10.0.1")]), "metadata": {**slice_()["metadata"], "name": "a"}},
        {**slice_(ports=[{"name": "http", "port": 9090}], eps=[ep("127.10.0.2")]), "metadata": {**slice_()["metadata"], "name": "b"}},
        {**slice_(ports=[{"name": "metrics", "port": 9100}], eps=[ep("127.10.0.3")]), "metadata": {**slice_()["metadata"], "name": "c"}},
    ]
    assert only(routes.build([svc()], slices)).backends == (("127.10.0.1", 8080), ("127.10.0.2", 9090))


def test_one_listener_per_tcp_port_and_one_on_the_node_port() -> None:
    ports = [
        {"name": "http", "port": 80, "protocol": "TCP", "nodePort": 30080},
        {"name": "grpc", "port": 81, "protocol": "TCP"},
        {"name": "dns", "port": 53, "protocol": "UDP"},
    ]
    table = routes.build([svc(ports=ports)], [slice_()])
    assert set(table) == {("127.1.0.1", 80), ("127.0.0.1", 30080), ("127.1.0.1", 81)}
    assert table[("127.0.0.1", 30080)] is table[("127.1.0.1", 80)]


@pytest.mark.parametrize(
    ("port_name", "service_app", "slice_app", "mode"),
    [
        pytest.param("web", "HTTP", None, "http", id="appProtocol http on the Service port, any case"),
        pytest.param("web", None, "http", "http", id="appProtocol http on the slice port"),
        pytest.param("web", "kubernetes.io/ws", None, "http", id="WebSocket is HTTP with Upgrade"),
        pytest.param("web", "kubernetes.io/h2c", None, "l4", id="h2c is relayed as L4"),
        pytest.param("web", "kubernetes.io/wss", None, "l4", id="WebSocket over TLS is L4"),
        pytest.param("web", "grpc", None, "l4", id="gRPC is L4"),
        pytest.param("web", "tcp", None, "l4", id="tcp is L4"),
        pytest.param("http", "tcp", None, "l4", id="appProtocol wins over an http name"),
        pytest.param("web", "tcp", "http", "l4", id="the Service port's appProtocol wins over the slice's"),
        pytest.param("http", None, None, "http", id="a port named http is HTTP"),
        pytest.param("http-admin", None, None, "http", id="a port named http-suffix is HTTP"),
        pytest.param("http2", None, None, "auto", id="http2 is not the http- convention: sniffed"),
        pytest.param("web", None, None, "auto", id="otherwise sniffed"),
        pytest.param("", None, None, "auto", id="an unnamed port is sniffed"),
    ],
)
def test_the_mode_follows_app_protocol_then_the_port_name(port_name: str, service_app: str | None, slice_app: str | None, mode: str) -> None:
    sp: Obj = {"name": port_name, "port": 80, "protocol": "TCP"}
    if service_app:
        sp["appProtocol"] = service_app
    pp: Obj = {"name": port_name, "port": 8080}
    if slice_app:
        pp["appProtocol"] = slice_app
    assert only(routes.build([svc(ports=[sp])], [slice_(ports=[pp])])).mode == mode


def test_services_without_an_address_get_no_listener() -> None:
    headless = svc("headless", ip="None")
    assert routes.build([svc(ip=None), headless], []) == {}


def test_slices_of_other_services_or_namespaces_do_not_leak() -> None:
    slices = [slice_("other", eps=[ep("127.10.0.1")]), slice_("web", eps=[ep("127.10.0.2")], ns="prod")]
    assert only(routes.build([svc()], slices)).backends == ()


def test_when_two_services_claim_an_address_the_first_by_name_wins() -> None:
    table = routes.build([svc("zeta"), svc("alpha")], [])
    assert only(table).service == "default/alpha:http"


def test_addresses_in_lists_every_endpoint_ready_or_not() -> None:
    s = slice_(eps=[ep("127.10.0.1"), ep("127.10.0.2", ready=False, terminating=True)])
    assert routes.addresses_in([s]) == {"127.10.0.1", "127.10.0.2"}


def test_http_backends_are_those_of_http_and_sniffed_routes() -> None:
    table = {
        ("127.1.0.1", 80): Route("a", "http", (("127.10.0.1", 8080),)),
        ("127.1.0.2", 80): Route("b", "l4", (("127.10.0.2", 8080),)),
        ("127.1.0.3", 80): Route("c", "auto", (("127.10.0.3", 8080),)),
    }
    assert routes.http_backends(table) == {("127.10.0.1", 8080), ("127.10.0.3", 8080)}


A, B, C = ("127.1.0.1", 80), ("127.1.0.2", 80), ("127.1.0.3", 80)


@pytest.mark.parametrize(
    ("listening", "wanted", "plan"),
    [
        pytest.param({}, {A: "l4"}, ListenerPlan(open=(A,)), id="a new Service port is opened"),
        pytest.param({A: "l4"}, {A: "l4"}, ListenerPlan(update=(A,)), id="an unchanged one gets its backends swapped"),
        pytest.param({A: "l4"}, {}, ListenerPlan(close=(A,)), id="a deleted one is closed"),
        pytest.param({A: "l4"}, {A: "http"}, ListenerPlan(close=(A,), open=(A,)), id="a mode change closes then opens"),
        pytest.param({A: "auto"}, {A: "http"}, ListenerPlan(close=(A,), open=(A,)), id="so does naming a sniffed port http"),
        pytest.param({A: "l4", B: "http"}, {B: "http", C: "l4"}, ListenerPlan((A,), (C,), (B,)), id="all at once"),
    ],
)
def test_plan_listeners(listening: dict[tuple[str, int], routes.Mode], wanted: dict[tuple[str, int], routes.Mode], plan: ListenerPlan) -> None:
    table = {a: Route("s", mode, ()) for a, mode in wanted.items()}
    assert routes.plan_listeners(listening, table) == plan
