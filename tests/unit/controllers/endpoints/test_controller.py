"""The endpoints controller against a store: addresses, slices following pods, no idle writes."""

from __future__ import annotations

from typing import Any

import graceroll.api.builtin  # noqa: F401
from graceroll.api.meta import clone
from graceroll.clock import VirtualClock, format_time
from graceroll.controllers.endpoints.controller import EndpointsController
from graceroll.controllers.runtime import Manager
from graceroll.store.memory import MemoryStore

Obj = dict[str, Any]


class World:
    def __init__(self) -> None:
        self.clock = VirtualClock()
        self.store = MemoryStore(self.clock, seed=0)
        self.manager = Manager(self.store, self.clock, [EndpointsController(self.store, self.clock)])

    def settle(self) -> None:
        self.manager.run_pending()

    def service(self, name: str = "web", **spec: Any) -> Obj:
        body = {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}], **spec}
        obj = self.store.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"}, "spec": body})
        self.settle()
        return obj

    def pod(self, name: str, ip: str, ready: bool = True) -> None:
        self.store.create(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "demo:v1", "ports": [{"name": "http", "containerPort": 8080}]}]},
            }
        )
        self.set_ready(name, ready, ip)

    def set_ready(self, name: str, ready: bool, ip: str | None = None) -> None:
        p = clone(self.store.get("Pod", "default", name))
        status = p.setdefault("status", {})
        status["phase"] = "Running"
        if ip:
            status["podIP"] = ip
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": format_time(self.clock.now())}]
        self.store.update_status(p)
        self.settle()

    def endpoints(self) -> list[tuple[str, Obj]]:
        (s,) = self.store.list("EndpointSlice", "default")
        return [(e["addresses"][0], e["conditions"]) for e in s["endpoints"]]


def test_a_new_service_gets_a_loopback_address_and_distinct_ones_after_it() -> None:
    w = World()
    w.service("a")
    w.service("b")
    ips = [s["spec"]["clusterIP"] for s in w.store.list("Service", "default")]
    assert ips == ["127.1.0.1", "127.1.0.2"]


def test_slices_follow_readiness_and_termination() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1")
    w.pod("web-2", "127.10.0.2", ready=False)
    assert w.endpoints() == [
        ("127.10.0.1", {"ready": True, "serving": True, "terminating": False}),
        ("127.10.0.2", {"ready": False, "serving": False, "terminating": False}),
    ]
    w.set_ready("web-2", True)
    assert w.endpoints()[1][1]["ready"] is True
    w.store.delete("Pod", "default", "web-1", grace_period_seconds=30)
    w.settle()
    assert w.endpoints()[0] == ("127.10.0.1", {"ready": False, "serving": True, "terminating": True})
    ep = w.store.get("Endpoints", "default", "web")
    assert [a["ip"] for a in ep["subsets"][0]["addresses"]] == ["127.10.0.2"]


def test_a_label_change_removes_the_pod() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1")
    p = clone(w.store.get("Pod", "default", "web-1"))
    p["metadata"]["labels"] = {"app": "other"}
    w.store.update(p)
    w.settle()
    (s,) = w.store.list("EndpointSlice", "default")
    assert s["endpoints"] == []


def test_nothing_is_written_in_a_steady_state() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1")
    rv = w.store.resource_version
    w.manager.enqueue_all()
    w.settle()
    assert w.store.resource_version == rv


def test_deleting_the_service_removes_its_slices_and_endpoints() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1")
    w.store.delete("Service", "default", "web")
    w.settle()
    assert w.store.list("EndpointSlice", "default") == []
    assert w.store.try_get("Endpoints", "default", "web") is None


def test_a_user_edit_of_a_slice_is_reverted() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1")
    (s,) = w.store.list("EndpointSlice", "default")
    s = clone(s)
    s["endpoints"] = []
    w.store.update(s)
    w.settle()
    assert [a for a, _ in w.endpoints()] == ["127.10.0.1"]
