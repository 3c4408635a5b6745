"""Store semantics (see ``store.base``), run against the in-memory store and the SQLite-backed one."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from graceroll.api.selectors import from_label_selector
from graceroll.clock import VirtualClock, format_time
from graceroll.errors import AlreadyExists, Conflict, Invalid, NotFound, StorageError
from graceroll.store.base import Expired, WatchEvent
from graceroll.store.index import Key
from graceroll.store.memory import NAME_ALPHABET, MemoryStore

from .builders import MakeStore, Obj, deployment, owner_ref, pod, replicaset, with_changes


def names(objs: Iterable[Obj]) -> list[str]:
    """``namespace/name`` of each object, in the order given."""
    return [f"{o['metadata'].get('namespace', '')}/{o['metadata']['name']}" for o in objs]


def record(store: MemoryStore) -> list[WatchEvent]:
    events: list[WatchEvent] = []
    store.subscribe(events.append)
    return events


def advance(clock: VirtualClock, seconds: float) -> float:
    clock.advance_to(clock.now() + seconds)
    return clock.now()


# ---- create ------------------------------------------------------------------------------------


def test_create_assigns_uid_resource_version_generation_and_creation_time(
    store: MemoryStore, clock: VirtualClock
) -> None:
    now = advance(clock, 5)
    created = store.create(pod("web"))
    md = created["metadata"]
    assert md["namespace"] == "default"
    assert md["generation"] == 1
    assert md["resourceVersion"] == str(store.resource_version) == "1"
    assert md["creationTimestamp"] == format_time(now)
    assert len(md["uid"]) == 36
    assert created["apiVersion"] == "v1"
    assert store.get("Pod", "default", "web") == created


def test_uids_are_unique_and_resource_versions_strictly_increase_across_every_verb(
    store: MemoryStore,
) -> None:
    versions: list[int] = []
    uids: set[str] = set()
    for i in range(50):
        created = store.create(pod(f"p{i}", labels={"i": str(i)}))
        versions.append(int(created["metadata"]["resourceVersion"]))
        uids.add(created["metadata"]["uid"])
    p0 = store.get("Pod", "default", "p0")
    versions.append(
        int(store.update(with_changes(p0, metadata={"labels": {"i": "x"}}))["metadata"]["resourceVersion"])
    )
    p0 = store.get("Pod", "default", "p0")
    versions.append(
        int(store.update_status(with_changes(p0, status={"phase": "Running"}))["metadata"]["resourceVersion"])
    )
    store.delete("Pod", "default", "p1")
    versions.append(store.resource_version)
    assert versions == list(range(1, 54))
    assert len(uids) == 50


def test_create_puts_namespaced_objects_without_a_namespace_in_default(store: MemoryStore) -> None:
    a = store.create(pod("web"))
    b = store.create(pod("web", namespace="prod"))
    assert (a["metadata"]["namespace"], b["metadata"]["namespace"]) == ("default", "prod")
    assert a["metadata"]["uid"] != b["metadata"]["uid"]
    assert store.get("Pod", "prod", "web") == b
    assert store.try_get("Pod", "", "web") is None


def test_create_of_an_existing_name_raises_already_exists(store: MemoryStore) -> None:
    store.create(pod("web"))
    with pytest.raises(AlreadyExists, match='pods "web" already exists'):
        store.create(pod("web", namespace="default"))


def test_create_without_name_or_generate_name_is_invalid(store: MemoryStore) -> None:
    with pytest.raises(Invalid, match="metadata.name: Required value"):
        store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {}, "spec": {}})
    assert store.resource_version == 0


def test_generate_name_appends_five_random_characters(store: MemoryStore) -> None:
    made = [
        store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "web-"}, "spec": {}})
        for _ in range(20)
    ]
    generated = {o["metadata"]["name"] for o in made}
    assert len(generated) == 20
    for n in generated:
        assert n.startswith("web-") and len(n) == len("web-") + 5
        assert set(n[len("web-") :]) <= set(NAME_ALPHABET)


def test_create_ignores_status_and_server_owned_metadata(store: MemoryStore) -> None:
    obj = pod("web")
    obj["status"] = {"phase": "Running"}
    obj["metadata"].update(
        uid="mine",
        resourceVersion="99",
        generation=7,
        deletionTimestamp="2020-01-01T00:00:00Z",
        deletionGracePeriodSeconds=3,
    )
    created = store.create(obj)
    md = created["metadata"]
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}  # the kind's own, not the client's
    assert "deletionTimestamp" not in md and "deletionGracePeriodSeconds" not in md
    assert (md["generation"], md["resourceVersion"]) == (1, "1")
    assert md["uid"] != "mine"
    assert obj["metadata"]["uid"] == "mine", "the caller's object is not modified"


# ---- update: generation and status -------------------------------------------------------------


def _set_replicas(o: Obj) -> None:
    o["spec"]["replicas"] = 5


def _set_image(o: Obj) -> None:
    o["spec"]["containers"][0]["image"] = "app:v2"


def _set_annotation(o: Obj) -> None:
    o["metadata"]["annotations"] = {"note": "hello"}


def _set_label(o: Obj) -> None:
    o["metadata"]["labels"] = {"team": "a"}


def _set_status(o: Obj) -> None:
    o["status"] = {"replicas": 9}


def _set_generation(o: Obj) -> None:
    o["metadata"]["generation"] = 10


@pytest.mark.parametrize(
    ("build", "change", "generation"),
    [
        pytest.param(deployment, _set_replicas, 2, id="Deployment: spec change bumps generation"),
        pytest.param(deployment, _set_annotation, 2, id="Deployment: annotation change bumps generation"),
        pytest.param(deployment, _set_label, 1, id="Deployment: label change keeps generation"),
        pytest.param(deployment, _set_status, 1, id="Deployment: status sent to update is ignored"),
        pytest.param(replicaset, _set_replicas, 2, id="ReplicaSet: spec change bumps generation"),
        pytest.param(replicaset, _set_annotation, 1, id="ReplicaSet: annotation change keeps generation"),
        pytest.param(pod, _set_image, 2, id="Pod: spec change bumps generation"),
        pytest.param(pod, _set_annotation, 1, id="Pod: annotation change keeps generation"),
        pytest.param(replicaset, _set_generation, 1, id="generation sent by the caller is ignored"),
    ],
)
def test_generation_follows_spec_changes(
    store: MemoryStore, build: Callable[[str], Obj], change: Callable[[Obj], None], generation: int
) -> None:
    stored = store.create(build("web"))
    sent = with_changes(stored)
    change(sent)
    updated = store.update(sent)
    assert updated["metadata"]["generation"] == generation


def test_generation_counts_every_spec_change(store: MemoryStore) -> None:
    rs = store.create(replicaset("web", 1))
    for replicas in (2, 3, 4):
        rs = store.update(with_changes(rs, spec=dict(rs["spec"], replicas=replicas)))
    assert rs["metadata"]["generation"] == 4


def test_empty_annotations_equal_no_annotations_for_deployment_generation(store: MemoryStore) -> None:
    d = store.create(deployment("web"))
    same = store.update(with_changes(d, metadata={"annotations": {}}))
    assert same["metadata"]["generation"] == 1


def test_update_keeps_the_stored_status_for_kinds_with_status(store: MemoryStore) -> None:
    rs = store.create(replicaset("web", 1))
    rs = store.update_status(with_changes(rs, status={"replicas": 1}))
    updated = store.update(with_changes(rs, spec=dict(rs["spec"], replicas=3), status={"replicas": 99}))
    assert updated["spec"]["replicas"] == 3
    assert updated["status"] == {"replicas": 1}


def test_update_status_writes_only_status(store: MemoryStore) -> None:
    rs = store.create(replicaset("web", 1))
    sent = with_changes(
        rs, spec=dict(rs["spec"], replicas=9), status={"replicas": 1}, metadata={"labels": {"x": "y"}}
    )
    updated = store.update_status(sent)
    assert updated["status"] == {"replicas": 1}
    assert updated["spec"] == rs["spec"]
    assert "labels" not in updated["metadata"]
    assert updated["metadata"]["generation"] == 1
    assert int(updated["metadata"]["resourceVersion"]) == int(rs["metadata"]["resourceVersion"]) + 1


@pytest.mark.parametrize("verb", ["update", "update_status"])
@pytest.mark.parametrize(
    "send_version", [True, False], ids=["with resourceVersion", "without resourceVersion"]
)
def test_a_write_that_changes_nothing_returns_the_stored_object_without_a_new_version(
    store: MemoryStore, verb: str, send_version: bool
) -> None:
    rs = store.create(replicaset("web", 1))
    rs = store.update_status(with_changes(rs, status={"replicas": 0}))
    before = store.resource_version
    events = record(store)
    sent = with_changes(rs)
    if not send_version:
        del sent["metadata"]["resourceVersion"]
    result = getattr(store, verb)(sent)
    assert result is store.get("ReplicaSet", "default", "web")
    assert result["metadata"]["resourceVersion"] == str(before)
    assert store.resource_version == before
    assert events == []


# ---- update: optimistic concurrency ------------------------------------------------------------


@pytest.mark.parametrize("verb", ["update", "update_status"])
def test_a_stale_resource_version_conflicts(store: MemoryStore, verb: str) -> None:
    stale = store.create(replicaset("web", 1))
    store.update(with_changes(stale, spec=dict(stale["spec"], replicas=2)))
    with pytest.raises(Conflict, match="the object has been modified"):
        getattr(store, verb)(
            with_changes(stale, spec=dict(stale["spec"], replicas=3), status={"replicas": 3})
        )
    current = store.get("ReplicaSet", "default", "web")
    assert current["spec"]["replicas"] == 2
    assert "status" not in current


def test_an_update_without_resource_version_wins_over_earlier_writes(store: MemoryStore) -> None:
    rs = store.create(replicaset("web", 1))
    for replicas in (2, 3):
        blind = with_changes(rs, spec=dict(rs["spec"], replicas=replicas))
        del blind["metadata"]["resourceVersion"]
        store.update(blind)
    assert store.get("ReplicaSet", "default", "web")["spec"]["replicas"] == 3


def test_an_update_for_a_deleted_and_recreated_object_conflicts_on_uid(store: MemoryStore) -> None:
    old = store.create(pod("web"))
    store.delete("Pod", "default", "web")
    store.create(pod("web"))
    blind = with_changes(old, metadata={"labels": {"a": "b"}})
    del blind["metadata"]["resourceVersion"]
    with pytest.raises(Conflict, match="deleted and recreated"):
        store.update(blind)


def test_update_cannot_change_server_owned_metadata(store: MemoryStore, clock: VirtualClock) -> None:
    p = store.create(pod("web"))
    advance(clock, 60)
    sent = with_changes(
        p,
        metadata={
            "uid": p["metadata"]["uid"],
            "creationTimestamp": "2000-01-01T00:00:00Z",
            "generation": 9,
            "deletionTimestamp": "2000-01-01T00:00:00Z",
            "labels": {"a": "b"},
        },
    )
    updated = store.update(sent)
    md = updated["metadata"]
    assert (md["creationTimestamp"], md["generation"], md["labels"]) == (
        p["metadata"]["creationTimestamp"],
        1,
        {"a": "b"},
    )
    assert "deletionTimestamp" not in md


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda s: s.update(pod("ghost")), id="update"),
        pytest.param(lambda s: s.update_status(pod("ghost")), id="update_status"),
        pytest.param(lambda s: s.delete("Pod", "default", "ghost"), id="delete"),
        pytest.param(lambda s: s.get("Pod", "default", "ghost"), id="get"),
    ],
)
def test_missing_objects_raise_not_found(store: MemoryStore, write: Callable[[MemoryStore], Any]) -> None:
    with pytest.raises(NotFound, match='pods "ghost" not found'):
        write(store)


# ---- list and list_owned -----------------------------------------------------------------------


@pytest.fixture
def labelled(store: MemoryStore) -> MemoryStore:
    """default/a {app=web,tier=fe}, default/b {app=web,tier=be}, default/c {app=db}, default/d {},
    other/e {app=web}; created out of order to show that list sorts."""
    store.create(pod("c", labels={"app": "db"}))
    store.create(pod("e", namespace="other", labels={"app": "web"}))
    store.create(pod("a", labels={"app": "web", "tier": "fe"}))
    store.create(pod("d"))
    store.create(pod("b", labels={"app": "web", "tier": "be"}))
    return store


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param(
            {},
            ["default/a", "default/b", "default/c", "default/d", "other/e"],
            id="empty selector selects everything",
        ),
        pytest.param(
            {"matchLabels": {"app": "web"}}, ["default/a", "default/b", "other/e"], id="matchLabels"
        ),
        pytest.param(
            {"matchLabels": {"app": "web", "tier": "fe"}},
            ["default/a"],
            id="matchLabels: every label must match",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]}]},
            ["default/a", "default/b"],
            id="In",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["fe"]}]},
            ["default/b", "default/c", "default/d", "other/e"],
            id="NotIn also selects objects without the key",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
            ["default/a", "default/b"],
            id="Exists",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]},
            ["default/c", "default/d", "other/e"],
            id="DoesNotExist",
        ),
        pytest.param(
            {
                "matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["be"]}],
            },
            ["default/a", "other/e"],
            id="matchLabels and matchExpressions must all hold",
        ),
    ],
)
def test_list_selects_by_labels(labelled: MemoryStore, selector: dict[str, Any], expected: list[str]) -> None:
    assert names(labelled.list("Pod", selector=from_label_selector(selector))) == expected


@pytest.mark.parametrize(
    ("namespace", "name", "labels", "expected"),
    [
        pytest.param(
            None,
            None,
            None,
            ["default/a", "default/b", "default/c", "default/d", "other/e"],
            id="all namespaces, sorted",
        ),
        pytest.param(
            "default", None, None, ["default/a", "default/b", "default/c", "default/d"], id="one namespace"
        ),
        pytest.param("other", None, None, ["other/e"], id="another namespace"),
        pytest.param("nowhere", None, None, [], id="an empty namespace"),
        pytest.param(None, "a", None, ["default/a"], id="metadata.name in all namespaces"),
        pytest.param("default", "b", None, ["default/b"], id="metadata.name in one namespace"),
        pytest.param("default", "e", None, [], id="metadata.name in the wrong namespace"),
        pytest.param(
            "default", "a", {"app": "db"}, [], id="metadata.name and a label selector must both hold"
        ),
    ],
)
def test_list_filters_by_namespace_and_name(
    labelled: MemoryStore,
    namespace: str | None,
    name: str | None,
    labels: dict[str, str] | None,
    expected: list[str],
) -> None:
    selector = from_label_selector({"matchLabels": labels}) if labels else None
    assert names(labelled.list("Pod", namespace=namespace, name=name, selector=selector)) == expected


def test_list_of_a_kind_with_no_objects_is_empty(store: MemoryStore) -> None:
    store.create(pod("a"))
    assert store.list("ReplicaSet") == []


def test_list_owned_returns_the_dependents_of_one_kind_and_owner(store: MemoryStore) -> None:
    rs1 = store.create(replicaset("rs1"))
    rs2 = store.create(replicaset("rs2"))
    store.create(pod("p1", owners=(rs1,)))
    store.create(pod("p2", owners=(rs2,)))
    store.create(pod("p3", owners=(rs1, rs2)))
    revision = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "revision": 1,
        "metadata": {"name": "rev", "ownerReferences": [owner_ref(rs1)]},
    }
    store.create(revision)
    rs1_uid = rs1["metadata"]["uid"]
    assert sorted(names(store.list_owned("Pod", rs1_uid))) == ["default/p1", "default/p3"]
    assert sorted(names(store.list_owned("Pod", rs2["metadata"]["uid"]))) == ["default/p2", "default/p3"]
    assert names(store.list_owned("ControllerRevision", rs1_uid)) == ["default/rev"]
    assert store.list_owned("Pod", "no-such-uid") == []
    p1 = store.get("Pod", "default", "p1")
    released = with_changes(p1)
    del released["metadata"]["ownerReferences"]
    store.update(released)
    assert names(store.list_owned("Pod", rs1_uid)) == ["default/p3"]


# ---- delete: grace periods ---------------------------------------------------------------------


def test_delete_without_a_grace_period_removes_at_once(store: MemoryStore) -> None:
    store.create(pod("web"))
    assert store.delete("Pod", "default", "web") is None
    assert store.try_get("Pod", "default", "web") is None
    with pytest.raises(NotFound):
        store.delete("Pod", "default", "web")


def test_graceful_deletion_marks_until_deleted_with_grace_zero(
    store: MemoryStore, clock: VirtualClock
) -> None:
    store.create(pod("web", grace=30))
    now = advance(clock, 5)
    marked = store.delete("Pod", "default", "web")
    assert marked is not None
    assert marked["metadata"]["deletionTimestamp"] == format_time(now + 30)
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 30
    assert store.get("Pod", "default", "web") == marked
    assert store.delete("Pod", "default", "web", grace_period_seconds=0) is None
    assert store.try_get("Pod", "default", "web") is None


def test_an_explicit_grace_period_overrides_the_pods_own(store: MemoryStore, clock: VirtualClock) -> None:
    store.create(pod("web", grace=30))
    marked = store.delete("Pod", "default", "web", grace_period_seconds=10)
    assert marked is not None
    assert marked["metadata"]["deletionTimestamp"] == format_time(clock.now() + 10)


def test_a_negative_grace_period_means_one_second(store: MemoryStore, clock: VirtualClock) -> None:
    store.create(pod("web"))
    marked = store.delete("Pod", "default", "web", grace_period_seconds=-5)
    assert marked is not None
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 1
    assert marked["metadata"]["deletionTimestamp"] == format_time(clock.now() + 1)


@pytest.mark.parametrize(
    ("grace", "deadline", "expected_grace"),
    [
        pytest.param(None, 30, 30, id="no grace period keeps the pending deletion"),
        pytest.param(60, 30, 30, id="a longer grace period is ignored"),
        pytest.param(30, 30, 30, id="the same grace period is ignored"),
        pytest.param(15, 15, 15, id="a shorter grace period counts from the first request"),
        pytest.param(5, 10, 1, id="a shorter grace period that has run out ends now, still graceful"),
        pytest.param(-3, 10, 1, id="a negative grace period is one second, which has run out"),
        pytest.param(0, None, None, id="grace 0 removes at once"),
    ],
)
def test_deleting_again_can_only_shorten_a_pending_graceful_deletion(
    store: MemoryStore,
    clock: VirtualClock,
    grace: int | None,
    deadline: int | None,
    expected_grace: int | None,
) -> None:
    """Marked at t0 with 30s; deleted again at t0+10."""
    store.create(pod("web", grace=30))
    t0 = clock.now()
    first = store.delete("Pod", "default", "web")
    advance(clock, 10)
    again = store.delete("Pod", "default", "web", grace_period_seconds=grace)
    if deadline is None:
        assert again is None and store.try_get("Pod", "default", "web") is None
        return
    assert again is not None
    assert again["metadata"]["deletionTimestamp"] == format_time(t0 + deadline)
    assert again["metadata"]["deletionGracePeriodSeconds"] == expected_grace
    if expected_grace == 30:
        assert again is first, "an ignored request writes nothing"


def test_delete_with_another_uid_precondition_conflicts(store: MemoryStore) -> None:
    store.create(pod("web"))
    with pytest.raises(Conflict, match="Precondition failed: UID in precondition: not-it"):
        store.delete("Pod", "default", "web", uid="not-it")
    assert store.try_get("Pod", "default", "web") is not None


# ---- delete: finalizers ------------------------------------------------------------------------


def test_finalizers_hold_a_deleted_object_until_the_last_is_removed(
    store: MemoryStore, clock: VirtualClock
) -> None:
    store.create(replicaset("web", finalizers=["example.com/a", "example.com/b"]))
    now = advance(clock, 7)
    marked = store.delete("ReplicaSet", "default", "web")
    assert marked is not None
    assert marked["metadata"]["deletionTimestamp"] == format_time(now)
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 0
    assert store.delete("ReplicaSet", "default", "web") is marked, "deleting again changes nothing"

    one_left = store.update(with_changes(marked, metadata={"finalizers": ["example.com/b"]}))
    assert store.get("ReplicaSet", "default", "web") is one_left

    events = record(store)
    gone = store.update(with_changes(one_left, metadata={"finalizers": []}))
    assert store.try_get("ReplicaSet", "default", "web") is None
    assert [(e.type, e.object["metadata"]["finalizers"]) for e in events] == [("DELETED", [])]
    assert (
        gone["metadata"]["resourceVersion"] == str(store.resource_version) == str(events[0].resource_version)
    )


def test_no_finalizer_can_be_added_to_an_object_being_deleted(store: MemoryStore) -> None:
    store.create(replicaset("web", finalizers=["example.com/a"]))
    marked = store.delete("ReplicaSet", "default", "web")
    assert marked is not None
    with pytest.raises(Invalid, match="no new finalizers can be added if the object is being deleted"):
        store.update(with_changes(marked, metadata={"finalizers": ["example.com/a", "example.com/b"]}))


def test_removing_the_finalizers_of_a_terminating_pod_leaves_removal_to_a_grace_zero_delete(
    store: MemoryStore,
) -> None:
    store.create(pod("web", grace=30, finalizers=["example.com/a"]))
    marked = store.delete("Pod", "default", "web")
    assert marked is not None
    released = store.update(with_changes(marked, metadata={"finalizers": []}))
    assert store.get("Pod", "default", "web") is released
    assert store.delete("Pod", "default", "web", grace_period_seconds=0) is None
    assert store.try_get("Pod", "default", "web") is None


def test_grace_zero_on_an_object_with_finalizers_marks_it(store: MemoryStore) -> None:
    store.create(pod("web", grace=30, finalizers=["example.com/a"]))
    marked = store.delete("Pod", "default", "web", grace_period_seconds=0)
    assert marked is not None and marked["metadata"]["deletionGracePeriodSeconds"] == 0
    store.update(with_changes(marked, metadata={"finalizers": []}))
    assert store.try_get("Pod", "default", "web") is None


# ---- delete: owners and dependents -------------------------------------------------------------


def _deployment_tree(store: MemoryStore) -> tuple[Obj, Obj]:
    """Deployment web → ReplicaSet web-1 → pods p-graceful (30s) and p-now (no grace period)."""
    d = store.create(deployment("web"))
    rs = store.create(replicaset("web-1", owners=(d,)))
    store.create(pod("p-graceful", grace=30, owners=(rs,)))
    store.create(pod("p-now", owners=(rs,)))
    return d, rs


def test_deleting_an_owner_deletes_its_dependents_recursively(
    store: MemoryStore, clock: VirtualClock
) -> None:
    _deployment_tree(store)
    events = record(store)
    assert store.delete("Deployment", "default", "web") is None
    assert store.try_get("Deployment", "default", "web") is None
    assert store.try_get("ReplicaSet", "default", "web-1") is None
    assert store.try_get("Pod", "default", "p-now") is None
    terminating = store.get("Pod", "default", "p-graceful")
    assert terminating["metadata"]["deletionTimestamp"] == format_time(clock.now() + 30)
    assert [(e.type, e.object["kind"], e.object["metadata"]["name"]) for e in events] == [
        ("DELETED", "Deployment", "web"),
        ("DELETED", "ReplicaSet", "web-1"),
        ("MODIFIED", "Pod", "p-graceful"),
        ("DELETED", "Pod", "p-now"),
    ]


def test_an_owner_held_by_finalizers_keeps_its_dependents_until_it_goes(store: MemoryStore) -> None:
    d = store.create(deployment("web", finalizers=["example.com/a"]))
    store.create(replicaset("web-1", owners=(d,)))
    marked = store.delete("Deployment", "default", "web")
    assert marked is not None
    assert store.try_get("ReplicaSet", "default", "web-1") is not None
    store.update(with_changes(marked, metadata={"finalizers": []}))
    assert store.try_get("ReplicaSet", "default", "web-1") is None


def test_orphan_deletion_keeps_dependents_and_strips_the_owner_reference(store: MemoryStore) -> None:
    d, rs = _deployment_tree(store)
    assert store.delete("Deployment", "default", "web", propagation="Orphan") is None
    kept = store.get("ReplicaSet", "default", "web-1")
    assert "ownerReferences" not in kept["metadata"]
    assert kept["metadata"]["generation"] == 1
    assert sorted(names(store.list_owned("Pod", rs["metadata"]["uid"]))) == [
        "default/p-graceful",
        "default/p-now",
    ]
    assert store.list_owned("ReplicaSet", d["metadata"]["uid"]) == []


def test_orphan_deletion_of_an_owner_held_by_finalizers_orphans_at_once(store: MemoryStore) -> None:
    d = store.create(deployment("web", finalizers=["example.com/a"]))
    store.create(replicaset("web-1", owners=(d,)))
    marked = store.delete("Deployment", "default", "web", propagation="Orphan")
    assert marked is not None
    assert "ownerReferences" not in store.get("ReplicaSet", "default", "web-1")["metadata"]
    store.update(with_changes(marked, metadata={"finalizers": []}))
    assert store.try_get("Deployment", "default", "web") is None
    assert store.try_get("ReplicaSet", "default", "web-1") is not None


def test_an_object_with_two_owners_survives_until_both_are_gone(store: MemoryStore) -> None:
    rs1 = store.create(replicaset("rs1"))
    rs2 = store.create(replicaset("rs2"))
    store.create(pod("shared", owners=(rs1, rs2)))
    store.delete("ReplicaSet", "default", "rs1")
    survivor = store.get("Pod", "default", "shared")
    assert [r["uid"] for r in survivor["metadata"]["ownerReferences"]] == [rs2["metadata"]["uid"]]
    store.delete("ReplicaSet", "default", "rs2")
    assert store.try_get("Pod", "default", "shared") is None


def test_a_dependent_that_dropped_its_owner_reference_survives_the_owner(store: MemoryStore) -> None:
    rs = store.create(replicaset("rs"))
    p = store.create(pod("web", owners=(rs,)))
    released = with_changes(p)
    del released["metadata"]["ownerReferences"]
    store.update(released)
    store.delete("ReplicaSet", "default", "rs")
    assert store.try_get("Pod", "default", "web") is not None


def test_a_grace_period_is_ignored_for_kinds_without_graceful_deletion(store: MemoryStore) -> None:
    # kubectl delete deployment web --grace-period=30 (or --now): only Pods wait upstream
    store.create(deployment("web"))
    assert store.delete("Deployment", "default", "web", grace_period_seconds=30) is None
    assert store.try_get("Deployment", "default", "web") is None


def test_a_grace_period_on_a_held_kind_marks_it_with_grace_zero(store: MemoryStore) -> None:
    store.create(deployment("web", finalizers=["example.com/a"]))
    marked = store.delete("Deployment", "default", "web", grace_period_seconds=30)
    assert marked is not None and marked["metadata"]["deletionGracePeriodSeconds"] == 0
    store.update(with_changes(marked, metadata={"finalizers": []}))
    assert store.try_get("Deployment", "default", "web") is None


def test_foreground_deletion_keeps_the_owner_until_its_dependents_are_gone(store: MemoryStore) -> None:
    _deployment_tree(store)
    marked = store.delete("Deployment", "default", "web", propagation="Foreground")
    assert marked is not None and marked["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 0
    rs = store.get("ReplicaSet", "default", "web-1")  # it has pods of its own: foreground too
    assert rs["metadata"]["finalizers"] == ["foregroundDeletion"] and rs["metadata"]["deletionTimestamp"]
    assert store.try_get("Pod", "default", "p-now") is None  # no grace period: gone at once
    assert store.get("Pod", "default", "p-graceful")["metadata"]["deletionGracePeriodSeconds"] == 30
    assert store.try_get("Deployment", "default", "web") is not None
    store.delete("Pod", "default", "p-graceful", grace_period_seconds=0)  # the node agent's final delete
    assert store.try_get("ReplicaSet", "default", "web-1") is None
    assert store.try_get("Deployment", "default", "web") is None


def test_foreground_deletion_of_an_owner_without_dependents_removes_it_at_once(store: MemoryStore) -> None:
    store.create(deployment("web"))
    assert store.delete("Deployment", "default", "web", propagation="Foreground") is None
    assert store.try_get("Deployment", "default", "web") is None


def test_foreground_deletion_spares_a_dependent_that_another_owner_keeps(store: MemoryStore) -> None:
    rs1 = store.create(replicaset("rs1"))
    rs2 = store.create(replicaset("rs2"))
    store.create(pod("shared", owners=(rs1, rs2)))
    assert store.delete("ReplicaSet", "default", "rs1", propagation="Foreground") is None
    kept = store.get("Pod", "default", "shared")
    assert [r["uid"] for r in kept["metadata"]["ownerReferences"]] == [rs2["metadata"]["uid"]]


def test_a_dependent_that_does_not_block_its_owner_lets_it_go_first(store: MemoryStore) -> None:
    rs = store.create(replicaset("web-1"))
    loose = pod("p", grace=30, owners=(rs,))
    loose["metadata"]["ownerReferences"][0]["blockOwnerDeletion"] = False
    store.create(loose)
    assert store.delete("ReplicaSet", "default", "web-1", propagation="Foreground") is None
    assert store.get("Pod", "default", "p")["metadata"]["deletionTimestamp"]  # deleted, still terminating


# ---- watch -------------------------------------------------------------------------------------


def test_events_since_replays_every_change_in_order(store: MemoryStore) -> None:
    start = store.resource_version
    p = store.create(pod("web"))
    p = store.update(with_changes(p, metadata={"labels": {"a": "b"}}))
    store.update_status(with_changes(p, status={"phase": "Running"}))
    store.delete("Pod", "default", "web")
    events = store.events_since(start)
    assert [(e.type, e.resource_version) for e in events] == [
        ("ADDED", start + 1),
        ("MODIFIED", start + 2),
        ("MODIFIED", start + 3),
        ("DELETED", start + 4),
    ]
    assert all(e.object["metadata"]["resourceVersion"] == str(e.resource_version) for e in events)
    assert store.events_since(start + 2) == events[2:]
    assert store.events_since(store.resource_version) == []


def test_events_since_a_version_older_than_the_history_is_expired(make_store: MakeStore) -> None:
    store = make_store(history=3)
    for i in range(5):
        store.create(pod(f"p{i}"))
    assert [e.resource_version for e in store.events_since(2)] == [3, 4, 5]
    for too_old in (1, 0):
        with pytest.raises(Expired, match=f"too old resource version: {too_old}"):
            store.events_since(too_old)


def test_subscribers_get_every_event_in_order_even_when_a_listener_writes(store: MemoryStore) -> None:
    first: list[int] = []
    last: list[int] = []

    def note_new_pods(e: WatchEvent) -> None:
        if e.type == "ADDED" and e.object["kind"] == "Pod":
            name = e.object["metadata"]["name"]
            store.create(
                {
                    "apiVersion": "v1",
                    "kind": "Event",
                    "metadata": {"generateName": f"{name}."},
                    "involvedObject": {"kind": "Pod", "name": name},
                    "reason": "Seen",
                    "message": "new pod",
                }
            )

    store.subscribe(lambda e: first.append(e.resource_version))
    store.subscribe(note_new_pods)
    store.subscribe(lambda e: last.append(e.resource_version))
    for i in range(3):
        store.create(pod(f"p{i}"))
    store.delete("Pod", "default", "p0")
    assert store.resource_version == 7
    assert first == last == list(range(1, 8))
    assert [e.resource_version for e in store.events_since(0)] == first


# ---- failures and lifecycle --------------------------------------------------------------------


class RefusingPersistence:
    """Accepts writes until ``refuse`` is set, then fails every one (a full disk)."""

    def __init__(self) -> None:
        self.refuse = False

    def load(self) -> tuple[int, list[Obj]]:
        return 0, []

    def put(self, obj: Obj, resource_version: int) -> None:
        if self.refuse:
            raise StorageError("disk full")

    def remove(self, key: Key, resource_version: int) -> None:
        if self.refuse:
            raise StorageError("disk full")

    def close(self) -> None:
        pass


def test_a_write_the_persistence_refuses_changes_nothing(clock: VirtualClock) -> None:
    disk = RefusingPersistence()
    store = MemoryStore(clock, disk)
    p = store.create(pod("web", grace=30))
    events = record(store)
    disk.refuse = True
    attempts: list[Callable[[], Any]] = [
        lambda: store.create(pod("other")),
        lambda: store.update(with_changes(p, metadata={"labels": {"a": "b"}})),
        lambda: store.update_status(with_changes(p, status={"phase": "Running"})),
        lambda: store.delete("Pod", "default", "web"),
        lambda: store.delete("Pod", "default", "web", grace_period_seconds=0),
    ]
    for attempt in attempts:
        with pytest.raises(StorageError, match="disk full"):
            attempt()
    assert store.get("Pod", "default", "web") is p
    assert p["metadata"]["resourceVersion"] == "1"
    assert store.try_get("Pod", "default", "other") is None
    assert store.resource_version == 1
    assert events == []
    disk.refuse = False
    assert store.create(pod("other"))["metadata"]["resourceVersion"] == "2"


def test_a_closed_store_refuses_writes(store: MemoryStore) -> None:
    store.create(pod("web"))
    store.close()
    store.close()
    with pytest.raises(StorageError, match="closed"):
        store.create(pod("other"))
    assert store.get("Pod", "default", "web")["metadata"]["name"] == "web"


def test_same_seed_gives_the_same_uids_and_names(clock: VirtualClock) -> None:
    def run() -> list[tuple[str, str]]:
        s = MemoryStore(clock, seed=42)
        made = [
            s.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "w-"}})
            for _ in range(3)
        ]
        return [(o["metadata"]["name"], o["metadata"]["uid"]) for o in made]

    assert run() == run()
