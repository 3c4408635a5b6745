"""Small builders for store tests: Kubernetes-shaped objects with only the fields a case cares about."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from graceroll.store.memory import MemoryStore

Obj = dict[str, Any]
MakeStore = Callable[..., MemoryStore]  # the make_store fixture: make_store(history=..., seed=...)


def meta(
    name: str,
    namespace: str | None = None,
    labels: dict[str, str] | None = None,
    owners: tuple[Obj, ...] = (),
    finalizers: list[str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name}
    if namespace is not None:
        md["namespace"] = namespace
    if labels is not None:
        md["labels"] = labels
    if annotations is not None:
        md["annotations"] = annotations
    if owners:
        md["ownerReferences"] = [owner_ref(o) for o in owners]
    if finalizers is not None:
        md["finalizers"] = finalizers
    return md


def owner_ref(owner: Obj) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def pod(
    name: str,
    grace: int | None = None,
    *,
    namespace: str | None = None,
    labels: dict[str, str] | None = None,
    owners: tuple[Obj, ...] = (),
    finalizers: list[str] | None = None,
    image: str = "app:v1",
) -> Obj:
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": image}]}
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name, namespace, labels, owners, finalizers),
        "spec": spec,
    }


def replicaset(
    name: str, replicas: int = 1, *, owners: tuple[Obj, ...] = (), finalizers: list[str] | None = None
) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta(name, owners=owners, finalizers=finalizers),
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}},
    }


def deployment(name: str, replicas: int = 1, *, finalizers: list[str] | None = None) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, finalizers=finalizers),
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}},
    }


def with_changes(obj: Obj, **fields: Any) -> Obj:
    """A deep copy of a stored object with top-level fields replaced (``metadata`` merged one level)."""
    new = copy.deepcopy(obj)
    for k, v in fields.items():
        if k == "metadata":
            new["metadata"].update(v)
        else:
            new[k] = v
    return new
