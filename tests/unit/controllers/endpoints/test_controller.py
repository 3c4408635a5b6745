"""The endpoints controller against a store: addresses, slices following pods, no idle writes."""

from __future__ import annotations

from typing import Any

import graceroll.api.builtin  # noqa: F401
from graceroll.api.meta import clone
from graceroll.clock import VirtualClock, format_time
from graceroll.controllers.endpoints.controller import EndpointsController
from graceroll.controllers.runtime import Manager
from graceroll.store.base import WatchEvent
from graceroll.store.memory import MemoryStore

Obj = dict[str, Any]
Conditions = tuple[bool, bool, bool]  # ready, serving, terminating


class World:
    def __init__(self) -> None:
        self.clock = VirtualClock()
        self.store = MemoryStore(self.clock, seed=0)
        self.controller = EndpointsController(self.store, self.clock)
        self.manager = Manager(self.store, self.clock, [self.controller])
        self.writes: list[tuple[str, str, str]] = []
        self.store.subscribe(self._record)

    def _record(self, e: WatchEvent) -> None:
        if e.object["kind"] != "Event":
            self.writes.append((e.type, e.object["kind"], e.object["metadata"]["name"]))

    def settle(self) -> None:
        self.manager.run_pending()

    def service(self, name: str = "web", labels: Obj | None = None, **spec: Any) -> Obj:
        body = {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}], **spec}
        md = {"name": name, "namespace": "default", "labels": labels or {}}
        self.store.create({"apiVersion": "v1", "kind": "Service", "metadata": md, "spec": body})
        self.settle()
        return self.store.get("Service", "default", name)

    def pod(self, name: str, ip: str, ready: bool = True, port: int = 8080, labels: Obj | None = None) -> None:
        self.store.create(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name, "namespace": "default", "labels": labels or {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "demo:v1", "ports": [{"name": "http", "containerPort": port}]}]},
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

    def slices(self) -> list[Obj]:
        return self.store.list("EndpointSlice", "default")

    def endpoints(self) -> list[tuple[str, Conditions]]:
        (s,) = self.slices()
        return [(e["addresses"][0], (e["conditions"]["ready"], e["conditions"]["serving"], e["conditions"]["terminating"])) for e in s["endpoints"]]

    def warnings(self) -> list[tuple[str, str]]:
        return [(e["involvedObject"]["name"], e["reason"]) for e in self.store.list("Event", "default") if e["type"] == "Warning"]


# --- addresses -----------------------------------------------------------------------------------


def test_a_new_service_gets_a_loopback_address_and_distinct_ones_after_it() -> None:
    w = World()
    w.service("a")
    w.service("b")
    assert [(s["spec"]["clusterIP"], s["spec"]["clusterIPs"]) for s in w.store.list("Service", "default")] == [
        ("127.1.0.1", ["127.1.0.1"]),
        ("127.1.0.2", ["127.1.0.2"]),
    ]


def test_a_node_port_service_gets_a_node_port_unique_across_services() -> None:
    w = World()
    w.service("a", type="NodePort", ports=[{"name": "http", "port": 80, "nodePort": 30000}])
    b = w.service("b", type="NodePort")
    assert b["spec"]["ports"][0]["nodePort"] == 30001


def test_a_given_address_that_clashes_is_kept_and_warned_about_once() -> None:
    w = World()
    w.service("a")
    b = w.service("b", clusterIP="127.1.0.1")
    assert b["spec"]["clusterIP"] == "127.1.0.1"
    w.manager.enqueue_all()
    w.settle()
    assert w.warnings() == [("b", "ClusterIPAlreadyAllocated")]


def test_headless_and_external_name_services_get_no_address_and_no_writes() -> None:
    w = World()
    headless = w.service("h", clusterIP="None")
    external = w.service("x", type="ExternalName", externalName="example.com")
    assert headless["spec"]["clusterIP"] == "None" and "clusterIPs" not in headless["spec"]
    assert "clusterIP" not in external["spec"]
    assert [kind for _, kind, name in w.writes if name == "x"] == ["Service"]  # its creation only


def test_creating_a_service_writes_its_address_then_its_slice_then_its_endpoints() -> None:
    w = World()
    w.pod("web-1", "127.10.0.1")
    w.writes.clear()
    w.service()
    assert [(t, k) for t, k, _ in w.writes] == [
        ("ADDED", "Service"),
        ("MODIFIED", "Service"),
        ("ADDED", "EndpointSlice"),
        ("ADDED", "Endpoints"),
    ]


# --- slices following pods -----------------------------------------------------------------------


def test_a_pod_that_becomes_ready_turns_ready_in_the_slice() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1", ready=False)
    assert w.endpoints() == [("127.10.0.1", (False, False, False))]
    assert "addresses" not in w.store.get("Endpoints", "default", "web")["subsets"][0]
    w.set_ready("web-1", True)
    assert w.endpoints() == [("127.10.0.1", (True, True, False))]
    assert [a["ip"] for a in w.store.get("Endpoints", "default", "web")["subsets"][0]["addresses"]] == ["127.10.0.1"]


def test_a_gracefully_deleted_pod_stays_terminating_and_serving_follows_readiness() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1")
    w.pod("web-2", "127.10.0.2")
    w.store.delete("Pod", "default", "web-1", grace_period_seconds=30)
    w.settle()
    assert w.endpoints() == [("127.10.0.1", (False, True, True)), ("127.10.0.2", (True, True, False))]
    w.set_ready("web-1", False)
    assert w.endpoints()[0] == ("127.10.0.1", (False, False, True))
    ep = w.store.get("Endpoints", "default", "web")
    assert [a["ip"] for a in ep["subsets"][0]["addresses"]] == ["127.10.0.2"]
    assert "notReadyAddresses" not in ep["subsets"][0]
    w.store.delete("Pod", "default", "web-1", grace_period_seconds=0)
    w.settle()
    assert [ip for ip, _ in w.endpoints()] == ["127.10.0.2"]


def test_a_label_change_removes_the_pod() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1")
    p = clone(w.store.get("Pod", "default", "web-1"))
    p["metadata"]["labels"] = {"app": "other"}
    w.store.update(p)
    w.settle()
    (s,) = w.slices()
    assert s["endpoints"] == []
    assert "subsets" not in w.store.get("Endpoints", "default", "web")


def test_a_pod_event_concerns_the_services_selecting_it_and_those_still_listing_it() -> None:
    w = World()
    w.service("web")
    w.service("other", selector={"app": "other"})
    w.pod("web-1", "127.10.0.1")
    p = clone(w.store.get("Pod", "default", "web-1"))
    p["metadata"]["labels"] = {"app": "other"}
    event = WatchEvent("MODIFIED", p, w.store.resource_version)
    assert list(w.controller.keys_for(event)) == [("default", "other"), ("default", "web")]


def test_pods_with_different_named_ports_get_one_slice_per_port_set() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1", port=8080)
    w.pod("web-2", "127.10.0.2", port=9090)
    assert sorted((s["ports"][0]["port"], len(s["endpoints"])) for s in w.slices()) == [(8080, 1), (9090, 1)]
    w.store.delete("Pod", "default", "web-1")
    w.settle()
    (s,) = w.slices()
    assert s["ports"][0]["port"] == 9090


# --- ownership and reverting edits ---------------------------------------------------------------


def test_deleting_the_service_removes_its_slices_and_endpoints() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1", port=8080)
    w.pod("web-2", "127.10.0.2", port=9090)
    assert len(w.slices()) == 2
    w.store.delete("Service", "default", "web")
    w.settle()
    assert w.slices() == []
    assert w.store.try_get("Endpoints", "default", "web") is None


def test_a_user_edit_of_a_slice_or_of_the_endpoints_is_reverted() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1")
    (s,) = w.slices()
    s = clone(s)
    s["endpoints"] = []
    w.store.update(s)
    ep = clone(w.store.get("Endpoints", "default", "web"))
    del ep["subsets"]
    w.store.update(ep)
    w.settle()
    assert [ip for ip, _ in w.endpoints()] == ["127.10.0.1"]
    assert w.store.get("Endpoints", "default", "web")["subsets"][0]["addresses"][0]["ip"] == "127.10.0.1"


def test_a_deleted_slice_comes_back() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1")
    (s,) = w.slices()
    w.store.delete("EndpointSlice", "default", s["metadata"]["name"])
    w.settle()
    assert [x["metadata"]["name"] for x in w.slices()] == [s["metadata"]["name"]]


def test_a_service_without_a_selector_keeps_the_endpoints_its_user_wrote() -> None:
    w = World()
    w.service("ext", selector=None)
    assert w.slices() == []
    mine = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "ext", "namespace": "default"}, "subsets": [{"addresses": [{"ip": "127.0.0.9"}], "ports": [{"port": 80}]}]}
    w.store.create(mine)
    w.settle()
    assert w.store.get("Endpoints", "default", "ext")["subsets"] == mine["subsets"]


def test_endpoints_carry_the_service_labels_and_no_owner() -> None:
    w = World()
    w.service(labels={"tier": "front"})
    ep = w.store.get("Endpoints", "default", "web")
    assert ep["metadata"]["labels"] == {"tier": "front"}
    assert not ep["metadata"].get("ownerReferences")


# --- steady state --------------------------------------------------------------------------------


def test_nothing_is_written_in_a_steady_state() -> None:
    w = World()
    w.service()
    w.service("np", type="NodePort")
    w.pod("web-1", "127.10.0.1")
    w.pod("web-2", "127.10.0.2", ready=False)
    rv = w.store.resource_version
    w.manager.enqueue_all()
    assert w.manager.run_pending() == 2
    assert w.store.resource_version == rv


def test_a_pod_change_that_does_not_concern_endpoints_writes_nothing() -> None:
    w = World()
    w.service()
    w.pod("web-1", "127.10.0.1")
    p = clone(w.store.get("Pod", "default", "web-1"))
    p["metadata"]["annotations"] = {"note": "x"}
    w.store.update(p)
    rv = w.store.resource_version
    w.settle()
    assert w.store.resource_version == rv
