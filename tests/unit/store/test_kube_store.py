"""KubeStore's cache rules against a fake REST side: read-your-writes, stale versions ignored,
relists diffed into events, the owner index, admission of custom resources on entry."""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.api.meta import clone
from graceroll.api.selectors import Selector
from graceroll.clock import VirtualClock
from graceroll.errors import Conflict, NotFound
from graceroll.store.base import Expired, WatchEvent
from graceroll.store.deletion import Propagation, gone_after_delete
from graceroll.store.kube import KubeStore, same_but_status
from graceroll.store.kube_cache import relist_diff

Obj = dict[str, Any]


def pod(name: str, rv: int, uid: str | None = None, owner: str | None = None, labels: dict[str, str] | None = None) -> Obj:
    md: Obj = {"name": name, "namespace": "ns", "uid": uid or f"uid-{name}", "resourceVersion": str(rv), "labels": labels or {}}
    if owner:
        md["ownerReferences"] = [{"uid": owner, "kind": "CloneSet", "name": "cs", "controller": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": {"containers": [{"name": "c", "image": "demo:v1"}]}, "status": {}}


def raw_cloneset(name: str, rv: int, update_type: str = "InPlaceIfPossible") -> Obj:
    return {
        "apiVersion": "apps.kruise.io/v1alpha1",
        "kind": "CloneSet",
        "metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}", "resourceVersion": str(rv)},
        "spec": {
            "replicas": 1,
            "updateStrategy": {"type": update_type},
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "demo:v1"}]}},
        },
    }


class FakeRest:
    """The API server as KubeStore sees it: objects by (kind, ns, name) and a global version."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], Obj] = {}
        self.rv = itertools.count(100)
        self.calls: list[tuple[str, Any]] = []
        self.fail_next_update_with: Callable[[Obj], None] | None = None

    def _key(self, obj: Obj) -> tuple[str, str, str]:
        return obj["kind"], obj["metadata"].get("namespace") or "default", obj["metadata"]["name"]

    def _store(self, obj: Obj) -> Obj:
        obj = clone(obj)
        obj["metadata"]["resourceVersion"] = str(next(self.rv))
        obj["metadata"].setdefault("name", obj["metadata"].get("generateName", "") + obj["metadata"]["resourceVersion"])
        obj["metadata"].setdefault("uid", "uid-" + obj["metadata"]["name"])
        self.objects[self._key(obj)] = obj
        return clone(obj)

    def get(self, kind: str, namespace: str, name: str) -> Obj:
        found = self.try_get(kind, namespace, name)
        if found is None:
            raise NotFound(kind, name)
        return found

    def try_get(self, kind: str, namespace: str, name: str) -> Obj | None:
        self.calls.append(("get", (kind, name)))
        found = self.objects.get((kind, namespace, name))
        return clone(found) if found else None

    def list(self, kind: str, namespace: str | None = None, selector: Selector | None = None, name: str | None = None) -> builtins.list[Obj]:
        return [clone(o) for k, o in self.objects.items() if k[0] == kind]

    def list_at(self, kind: str, namespace: str | None = None) -> tuple[builtins.list[Obj], int]:
        return self.list(kind), next(self.rv)

    def watch(self, kind: str, namespace: str | None = None, name: str | None = None, resource_version: str = "", timeout: float = 3600, on_open: Callable[[httpx.Response], None] | None = None) -> Iterator[WatchEvent]:
        return iter(())

    def create(self, obj: Obj) -> Obj:
        self.calls.append(("create", obj))
        return self._store(obj)

    def update(self, obj: Obj) -> Obj:
        self.calls.append(("update", obj))
        current = self.objects[self._key(obj)]
        if obj["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
            raise Conflict(obj["kind"], obj["metadata"]["name"], "the object has been modified")
        return self._store(dict(obj, status=current.get("status")))

    def update_status(self, obj: Obj) -> Obj:
        self.calls.append(("update_status", obj))
        return self._store(dict(self.objects[self._key(obj)], status=obj.get("status")))

    def delete(self, kind: str, namespace: str, name: str, grace_period_seconds: int | None = None, propagation: Propagation = "Background", uid: str | None = None) -> Obj | None:
        self.calls.append(("delete", {"name": name, "uid": uid}))
        self.objects.pop((kind, namespace, name), None)
        return None


@pytest.fixture
def rest() -> FakeRest:
    return FakeRest()


@pytest.fixture
def store(rest: FakeRest) -> KubeStore:
    return KubeStore(rest, VirtualClock(), ["Pod", "CloneSet"], deliver=lambda fn: fn())


def seen(store: KubeStore) -> list[tuple[str, str, int]]:
    events: list[tuple[str, str, int]] = []
    store.subscribe(lambda e: events.append((e.type, e.object["metadata"]["name"], e.resource_version)))
    return events


def test_a_watch_event_older_than_the_cached_version_is_ignored(store: KubeStore) -> None:
    events = seen(store)
    store.observe_event(WatchEvent("ADDED", pod("a", 5), 5))
    store.observe_event(WatchEvent("MODIFIED", pod("a", 4), 4))
    assert store.get("Pod", "ns", "a")["metadata"]["resourceVersion"] == "5"
    assert events == [("ADDED", "a", 5)]
    assert store.resource_version == 5


def test_a_write_is_readable_at_once_and_its_watch_echo_changes_nothing(store: KubeStore, rest: FakeRest) -> None:
    events = seen(store)
    created = store.create(pod("a", 0))
    assert store.get("Pod", "ns", "a") == created
    store.observe_event(WatchEvent("ADDED", clone(rest.objects[("Pod", "ns", "a")]), int(created["metadata"]["resourceVersion"])))
    assert [e[0] for e in events] == ["ADDED"]


def test_a_relist_emits_deleted_for_what_is_gone_and_keeps_what_is_newer_than_the_list(store: KubeStore) -> None:
    store.observe_list("Pod", [pod("a", 3), pod("b", 4)], 4)
    store.observe_event(WatchEvent("ADDED", pod("late", 9), 9))  # created after the next list was taken
    events = seen(store)
    store.observe_list("Pod", [pod("b", 6), pod("c", 7)], 8)
    assert sorted(events) == [("ADDED", "c", 7), ("DELETED", "a", 8), ("MODIFIED", "b", 6)]
    assert [p["metadata"]["name"] for p in store.list("Pod")] == ["b", "c", "late"]


def test_relist_diff_sees_a_recreated_object_as_deleted_then_added() -> None:
    old, new = pod("a", 3, uid="1"), pod("a", 7, uid="2")
    assert [(e.type, e.object["metadata"]["uid"]) for e in relist_diff([old], [new], 8)] == [("DELETED", "1"), ("ADDED", "2")]


def test_list_owned_answers_from_the_owner_index(store: KubeStore) -> None:
    store.observe_list("Pod", [pod("a", 1, owner="cs-1"), pod("b", 2, owner="cs-2"), pod("c", 3, owner="cs-1")], 3)
    assert [p["metadata"]["name"] for p in store.list_owned("Pod", "cs-1")] == ["a", "c"]
    store.observe_event(WatchEvent("DELETED", pod("a", 4, owner="cs-1"), 4))
    assert [p["metadata"]["name"] for p in store.list_owned("Pod", "cs-1")] == ["c"]
    assert store.list_owned("CloneSet", "cs-1") == []


def test_label_selectors_filter_the_cache(store: KubeStore) -> None:
    from graceroll.api.selectors import parse

    store.observe_list("Pod", [pod("a", 1, labels={"app": "x"}), pod("b", 2, labels={"app": "y"})], 2)
    assert [p["metadata"]["name"] for p in store.list("Pod", "ns", parse("app=y"))] == ["b"]


def test_custom_resources_are_defaulted_as_they_enter_the_cache(store: KubeStore) -> None:
    store.observe_list("CloneSet", [raw_cloneset("web", 1)], 1)
    cs = store.get("CloneSet", "ns", "web")
    assert cs["spec"]["updateStrategy"]["maxUnavailable"] == "20%"
    assert cs["spec"]["revisionHistoryLimit"] == 10


def test_an_invalid_custom_resource_is_hidden_and_warned_about_once_per_version(store: KubeStore, rest: FakeRest) -> None:
    store.observe_event(WatchEvent("ADDED", raw_cloneset("web", 1), 1))
    events = seen(store)
    store.observe_event(WatchEvent("MODIFIED", raw_cloneset("web", 2, update_type="Bogus"), 2))
    store.observe_list("CloneSet", [raw_cloneset("web", 2, update_type="Bogus")], 3)  # a relist: same version, no second warning
    assert store.try_get("CloneSet", "ns", "web") is None
    assert events == [("DELETED", "web", 2)]
    warnings = [o for c, o in rest.calls if c == "create" and o["kind"] == "Event"]
    assert len(warnings) == 1
    assert warnings[0]["type"] == "Warning" and warnings[0]["involvedObject"]["name"] == "web"
    assert "spec.updateStrategy.type: Unsupported value" in warnings[0]["message"]
    store.observe_event(WatchEvent("MODIFIED", raw_cloneset("web", 4, update_type="Bogus"), 4))
    assert len([o for c, o in rest.calls if c == "create" and o["kind"] == "Event"]) == 2


def test_delete_sends_the_uid_precondition_and_late_news_cannot_bring_the_object_back(store: KubeStore, rest: FakeRest) -> None:
    created = store.create(pod("a", 0))
    stale = clone(created)
    assert store.delete("Pod", "ns", "a", uid=created["metadata"]["uid"]) is None
    assert rest.calls[-1] == ("delete", {"name": "a", "uid": "uid-a"})
    store.observe_event(WatchEvent("MODIFIED", stale, int(stale["metadata"]["resourceVersion"])))
    store.observe_list("Pod", [stale], 1)  # a list taken before the delete
    assert store.try_get("Pod", "ns", "a") is None


def test_an_update_racing_a_status_write_is_retried_on_the_newer_version(store: KubeStore, rest: FakeRest) -> None:
    created = store.create(pod("a", 0))
    rest._store(dict(rest.objects[("Pod", "ns", "a")], status={"phase": "Running"}))  # the kubelet reports
    changed = clone(created)
    changed["spec"]["containers"][0]["image"] = "demo:v2"
    out = store.update(changed)
    assert out["spec"]["containers"][0]["image"] == "demo:v2"
    assert out["status"] == {"phase": "Running"}
    assert store.get("Pod", "ns", "a") == out


def test_a_real_conflict_refreshes_the_cache_and_goes_to_the_caller(store: KubeStore, rest: FakeRest) -> None:
    created = store.create(pod("a", 0))
    rest._store(dict(rest.objects[("Pod", "ns", "a")], metadata=dict(rest.objects[("Pod", "ns", "a")]["metadata"], labels={"x": "y"})))
    with pytest.raises(Conflict):
        store.update(clone(created))
    assert store.get("Pod", "ns", "a")["metadata"]["labels"] == {"x": "y"}  # the retry reads the new version


def test_unwatched_kinds_go_to_the_api_and_history_is_never_replayed(store: KubeStore, rest: FakeRest) -> None:
    store.create({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e", "namespace": "ns"}})
    assert [o["metadata"]["name"] for o in store.list("Event")] == ["e"]
    with pytest.raises(Expired):
        store.events_since(0)


def test_synced_once_every_kind_has_listed(store: KubeStore) -> None:
    calls: list[str] = []
    store.when_synced(lambda: calls.append("synced"))
    store.observe_list("Pod", [], 1)
    assert not store.synced and calls == []
    store.observe_list("CloneSet", [], 2)
    assert store.synced and calls == ["synced"]


def test_pure_rules() -> None:
    terminating = pod("a", 1)
    terminating["metadata"].update(deletionTimestamp="2024-01-01T00:00:00Z", deletionGracePeriodSeconds=30)
    assert gone_after_delete(None) and gone_after_delete(pod("a", 1)) and not gone_after_delete(terminating)
    assert same_but_status(pod("a", 1), dict(pod("a", 2), status={"phase": "Running"}))
    assert not same_but_status(pod("a", 1), pod("a", 1, labels={"x": "y"}))
