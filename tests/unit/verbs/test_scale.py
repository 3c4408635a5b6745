"""``scale``: spec.replicas of kinds with the scale subresource."""

from __future__ import annotations

import pytest

from graceroll.errors import NotFound, UsageError
from graceroll.store.memory import MemoryStore
from graceroll.verbs.scale import scale

from .builders import create, manifest


def test_scale_sets_spec_replicas(store: MemoryStore) -> None:
    create(store, manifest())
    assert scale(store, "deployment", "web", 30) == "deployment.apps/web scaled"
    assert store.get("Deployment", "default", "web")["spec"]["replicas"] == 30


def test_scale_to_the_current_count_still_says_scaled_and_writes_nothing(store: MemoryStore) -> None:
    create(store, manifest(replicas=3))
    before = store.resource_version
    assert scale(store, "deploy", "web", 3) == "deployment.apps/web scaled"
    assert store.resource_version == before


def test_scale_to_zero_is_allowed(store: MemoryStore) -> None:
    create(store, manifest(replicas=3))
    scale(store, "deploy", "web", 0)
    assert store.get("Deployment", "default", "web")["spec"]["replicas"] == 0


def test_scale_to_a_negative_count_is_refused(store: MemoryStore) -> None:
    create(store, manifest())
    with pytest.raises(UsageError, match="COUNT must be greater than or equal to 0"):
        scale(store, "deploy", "web", -1)


def test_scale_of_a_kind_without_replicas_is_refused(store: MemoryStore) -> None:
    with pytest.raises(UsageError, match=r'services "web" cannot be scaled'):
        scale(store, "svc", "web", 2)


def test_scale_of_an_unknown_kind_is_refused(store: MemoryStore) -> None:
    with pytest.raises(UsageError, match=r'the server doesn\'t have a resource type "widget"'):
        scale(store, "widget", "web", 2)


def test_scale_of_a_missing_object_is_not_found(store: MemoryStore) -> None:
    with pytest.raises(NotFound, match=r'deployments\.apps "web" not found'):
        scale(store, "deploy", "web", 2)


def test_scale_records_the_change_cause(store: MemoryStore) -> None:
    create(store, manifest())
    scale(store, "deploy", "web", 2, change_cause="graceroll scale deploy/web --replicas=2 --record=true")
    annotations = store.get("Deployment", "default", "web")["metadata"]["annotations"]
    assert annotations["kubernetes.io/change-cause"] == "graceroll scale deploy/web --replicas=2 --record=true"
