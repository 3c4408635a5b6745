"""The routing table from store objects: each backend's pod and revision (by its owner's kind), the
split of the pods' workload, and what the watcher reacts to (cheaply: pod status writes do not
recompute the table)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.api.meta import clone
from graceroll.clock import VirtualClock
from graceroll.proxy.owners import Owners, revision_of
from graceroll.proxy.routes import Endpoint
from graceroll.proxy.split import Split
from graceroll.proxy.table import Table, compute
from graceroll.proxy.watcher import RouteWatcher
from graceroll.store.memory import MemoryStore

Obj = dict[str, Any]
SERVICE = ("127.1.0.1", 80)


def owner_ref(obj: Obj) -> Obj:
    md = obj["metadata"]
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": md["name"], "uid": md["uid"], "controller": True}


def workload(store: MemoryStore, kind: str, name: str, api: str = "apps/v1", owner: Obj | None = None) -> Obj:
    md: Obj = {"name": name, "namespace": "default"}
    if owner is not None:
        md["ownerReferences"] = [owner_ref(owner)]
    return store.create({"apiVersion": api, "kind": kind, "metadata": md, "spec": {}})


def pod(store: MemoryStore, name: str, owner: Obj | None, labels: dict[str, str], ip: str) -> Obj:
    md: Obj = {"name": name, "namespace": "default", "labels": labels}
    if owner is not None:
        md["ownerReferences"] = [owner_ref(owner)]
    created = store.create({"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": {"containers": [{"name": "app", "image": "x"}]}})
    return store.update_status(dict(created, status={"podIP": ip}))


def service_and_slice(store: MemoryStore, pods: list[Obj]) -> None:
    store.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"}, "spec": {"clusterIP": SERVICE[0], "ports": [{"name": "http", "port": 80}]}})
    endpoints = [{"addresses": [p["status"]["podIP"]], "conditions": {"ready": True}, "targetRef": {"kind": "Pod", "namespace": "default", "name": p["metadata"]["name"]}} for p in pods]
    store.create(
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {"name": "web-abc", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
            "addressType": "IPv4",
            "ports": [{"name": "http", "port": 8080}],
            "endpoints": endpoints,
        }
    )


def set_routing(store: MemoryStore, obj: Obj, routing: Obj | None) -> None:
    current = clone(store.get(obj["kind"], "default", obj["metadata"]["name"]))
    current["status"] = {**(current.get("status") or {}), "trafficRouting": routing}
    store.update_status(current)


def table_of(store: MemoryStore) -> tuple[Table, Owners]:
    owners = Owners(store.try_get)
    return compute(store.list("Service"), store.list("EndpointSlice"), owners), owners


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(VirtualClock(), seed=0)


def deployment_pods(store: MemoryStore) -> tuple[Obj, list[Obj]]:
    d = workload(store, "Deployment", "web")
    old, new = workload(store, "ReplicaSet", "web-aaa", owner=d), workload(store, "ReplicaSet", "web-bbb", owner=d)
    pods = [pod(store, f"web-aaa-{i}", old, {"pod-template-hash": "aaa"}, f"127.10.0.{i}") for i in range(1, 4)]
    pods.append(pod(store, "web-bbb-1", new, {"pod-template-hash": "bbb"}, "127.10.0.9"))
    return d, pods


def test_a_deployments_pods_carry_their_revision_and_its_routing_splits_the_route(store: MemoryStore) -> None:
    d, pods = deployment_pods(store)
    service_and_slice(store, pods)
    route = table_of(store)[0].routes[SERVICE]
    assert route.endpoints[("127.10.0.9", 8080)] == Endpoint("web-bbb-1", "bbb")
    assert route.revision(("127.10.0.1", 8080)) == "aaa" and route.split is None
    set_routing(store, d, {"canaryRevision": "bbb", "weight": 10})
    table, owners = table_of(store)
    assert table.routes[SERVICE].split == Split("bbb", (("127.10.0.9", 8080),), 10)
    assert owners.seen_workloads == {("Deployment", "default", "web"): {"canaryRevision": "bbb", "weight": 10}}
    assert Table.from_json(table.to_json()) == table


def test_revisions_by_owner_kind() -> None:
    def p(kind: str | None, labels: dict[str, str]) -> Obj:
        refs = [{"kind": kind, "name": "app-v17", "uid": "u", "controller": True}] if kind else []
        return {"metadata": {"name": "x", "labels": labels, "ownerReferences": refs}}

    both = {"pod-template-hash": "5d8c", "controller-revision-hash": "web-7f9b"}
    assert revision_of(p("ReplicaSet", both)) == "5d8c"
    assert revision_of(p("CloneSet", both)) == "web-7f9b"
    assert revision_of(p("GameStatefulSet", {"controller-revision-hash": "gs-1"})) == "gs-1"
    assert revision_of(p("Application", both)) == "app-v17"  # a Mesos taskgroup: its application
    assert revision_of(p(None, {})) == ""


def test_a_cloneset_routing_and_a_bad_one_that_is_ignored(store: MemoryStore) -> None:
    cs = workload(store, "CloneSet", "web", "apps.kruise.io/v1alpha1")
    pods = [pod(store, f"web-{i}", cs, {"controller-revision-hash": "web-1" if i else "web-2"}, f"127.10.0.{i + 1}") for i in range(3)]
    service_and_slice(store, pods)
    set_routing(store, cs, {"canaryRevision": "web-2", "weight": 150})
    table, owners = table_of(store)
    assert table.routes[SERVICE].split is None
    assert owners.errors == {("CloneSet", "default", "web"): "status.trafficRouting.weight: Invalid value: 150: must be an integer from 0 to 100"}
    set_routing(store, cs, {"canaryRevision": "web-2", "headerRoutes": [{"name": "b", "match": [{"headerName": "X", "headerValue": {"exact": "1"}}]}]})
    split = table_of(store)[0].routes[SERVICE].split
    assert split is not None and split.canary == (("127.10.0.1", 8080),) and split.weight is None and split.header_routes[0].name == "b"


def test_pods_of_another_workload_are_not_canary_even_with_the_same_revision(store: MemoryStore) -> None:
    a, b = workload(store, "CloneSet", "a", "apps.kruise.io/v1alpha1"), workload(store, "CloneSet", "b", "apps.kruise.io/v1alpha1")
    pods = [pod(store, "a-0", a, {"controller-revision-hash": "r2"}, "127.10.0.1"), pod(store, "b-0", b, {"controller-revision-hash": "r2"}, "127.10.0.2")]
    service_and_slice(store, pods)
    set_routing(store, b, {"canaryRevision": "r2", "weight": 50})
    split = table_of(store)[0].routes[SERVICE].split
    assert split is not None and split.canary == (("127.10.0.2", 8080),)


class CountingPlane:
    def __init__(self) -> None:
        self.tables: list[Table] = []

    async def start(self) -> None: ...

    async def apply(self, table: Table) -> None:
        self.tables.append(table)

    async def drained(self, pod_ip: str, timeout: float) -> bool:
        return True

    async def stop(self) -> None: ...


@pytest.mark.asyncio
async def test_the_watcher_recomputes_only_for_changes_that_touch_the_table(store: MemoryStore, caplog: pytest.LogCaptureFixture) -> None:
    d, pods = deployment_pods(store)
    service_and_slice(store, pods)
    plane = CountingPlane()
    watcher = RouteWatcher(store, plane)
    await watcher.start()
    assert len(plane.tables) == 1

    async def applies_after(change: Any) -> int:
        before = len(plane.tables)
        change()
        await watcher.wait_synced()
        await asyncio.sleep(0)
        return len(plane.tables) - before

    def status_write(p: Obj) -> None:
        current = clone(store.get("Pod", "default", p["metadata"]["name"]))
        current["status"]["phase"] = "Running"
        store.update_status(current)

    def relabel(p: Obj) -> None:
        current = clone(store.get("Pod", "default", p["metadata"]["name"]))
        current["metadata"]["labels"]["pod-template-hash"] = "ccc"
        store.update(current)

    stranger = workload(store, "CloneSet", "other", "apps.kruise.io/v1alpha1")
    assert await applies_after(lambda: status_write(pods[0])) == 0  # a pod status write: nothing to do
    assert await applies_after(lambda: pod(store, "other-0", stranger, {}, "127.10.0.50")) == 0  # a pod no Service has
    assert await applies_after(lambda: set_routing(store, stranger, {"canaryRevision": "x"})) == 0
    assert await applies_after(lambda: relabel(pods[3])) == 1  # a backend's revision changed
    assert plane.tables[-1].routes[SERVICE].revision(("127.10.0.9", 8080)) == "ccc"
    assert await applies_after(lambda: set_routing(store, d, {"canaryRevision": "ccc", "weight": 5})) == 1
    assert plane.tables[-1].routes[SERVICE].split == Split("ccc", (("127.10.0.9", 8080),), 5)
    with caplog.at_level(logging.WARNING, "graceroll.proxy"):
        assert await applies_after(lambda: set_routing(store, d, {"canaryRevision": ""})) == 1
    assert plane.tables[-1].routes[SERVICE].split is None
    assert "Deployment default/web: status.trafficRouting.canaryRevision: Required value" in caplog.text
    await watcher.stop()
