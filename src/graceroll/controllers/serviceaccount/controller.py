"""Every active namespace has a ``default`` ServiceAccount (``pkg/controller/serviceaccount``).

Pods name ``default`` when they name no ServiceAccount (the store defaults
``spec.serviceAccountName``), so the object they refer to exists, as on a cluster. It is created
when the namespace is, and again if someone deletes it; a terminating namespace gets none.
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.core_v1_namespace import is_terminating
from graceroll.clock import Clock
from graceroll.controllers.runtime import Key, Result
from graceroll.errors import AlreadyExists
from graceroll.store.base import Store, WatchEvent

DEFAULT = "default"
SERVICE_ACCOUNT = "ServiceAccount"
NAMESPACE = "Namespace"


class ServiceAccountsController:
    name = "serviceaccount"

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def all_keys(self) -> list[Key]:
        return [("", n["metadata"]["name"]) for n in self.store.list(NAMESPACE)]

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        kind, md = obj.get("kind"), obj["metadata"]
        if kind == NAMESPACE and event.type != "DELETED":
            return (("", md["name"]),)
        if kind == SERVICE_ACCOUNT and event.type == "DELETED" and md["name"] == DEFAULT:
            return (("", md["namespace"]),)
        return ()

    def reconcile(self, key: Key) -> Result:
        ns = self.store.try_get(NAMESPACE, "", key[1])
        if ns is None or is_terminating(ns) or self.store.try_get(SERVICE_ACCOUNT, key[1], DEFAULT) is not None:
            return Result()
        try:
            self.store.create({"apiVersion": "v1", "kind": SERVICE_ACCOUNT, "metadata": {"name": DEFAULT, "namespace": key[1]}})
        except AlreadyExists:
            pass
        return Result()
