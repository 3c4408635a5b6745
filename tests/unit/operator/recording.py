"""Controllers run against a store that logs every call as the API request it is on a cluster.

The requests are those of the cluster store (``store/kube.py``): an informer lists and watches
each kind the operator watches for the controller (``operator/run.py``), reads of those kinds are
answered from its cache, other reads are GETs and LISTs, writes are POST, PUT, PUT ``/status``
and DELETE. Each controller gets its own ``RecordingStore`` over one shared ``MemoryStore``; the
simulated node (the kubelet's part) and the test's own writes (the user's part) go to the memory
store directly, so what is logged is what the operator's service account must be allowed.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import graceroll.api.builtin  # noqa: F401
from graceroll.api import kinds
from graceroll.api.selectors import Selector
from graceroll.clock import VirtualClock
from graceroll.controllers.cloneset.controller import CloneSetController
from graceroll.controllers.gamestatefulset.controller import GameStatefulSetController
from graceroll.controllers.hookrun.controller import HookRunController
from graceroll.controllers.hookrun.fetch import FakeFetcher
from graceroll.controllers.runtime import Manager
from graceroll.node.sim import Behaviours, SimNode
from graceroll.operator.choice import CONTROLLERS
from graceroll.operator.run import watched_kinds
from graceroll.store.base import Listener, WatchEvent
from graceroll.store.deletion import Propagation
from graceroll.store.memory import MemoryStore

from ..controllers.harness import Cluster

Obj = dict[str, Any]


@dataclass(frozen=True, order=True)
class Access:
    """One (API group, resource, verb) a request needs; ``resource`` may be ``plural/subresource``."""

    group: str
    resource: str
    verb: str


class RecordingStore:
    def __init__(self, inner: MemoryStore, watched: Iterable[str]) -> None:
        self.inner = inner
        self.watched = frozenset(watched)
        self.accesses: set[Access] = set()
        for kind in self.watched:  # the informers
            self._log(kind, "list")
            self._log(kind, "watch")

    def _log(self, kind: str, verb: str, subresource: str = "") -> None:
        k = kinds.by_kind(kind)
        self.accesses.add(Access(k.group, f"{k.plural}/{subresource}" if subresource else k.plural, verb))

    @property
    def resource_version(self) -> int:
        return self.inner.resource_version

    def _read(self, kind: str, verb: str) -> None:
        if kind not in self.watched:  # watched kinds are read from the informers' cache
            self._log(kind, verb)

    def get(self, kind: str, namespace: str, name: str) -> Obj:
        self._read(kind, "get")
        return self.inner.get(kind, namespace, name)

    def try_get(self, kind: str, namespace: str, name: str) -> Obj | None:
        self._read(kind, "get")
        return self.inner.try_get(kind, namespace, name)

    def list(self, kind: str, namespace: str | None = None, selector: Selector | None = None, name: str | None = None) -> list[Obj]:
        self._read(kind, "list")
        return self.inner.list(kind, namespace, selector, name)

    def list_owned(self, kind: str, owner_uid: str) -> builtins.list[Obj]:
        self._read(kind, "list")
        return self.inner.list_owned(kind, owner_uid)

    def create(self, obj: Obj) -> Obj:
        self._log(obj["kind"], "create")
        for ref in obj["metadata"].get("ownerReferences") or ():
            if ref.get("blockOwnerDeletion"):  # OwnerReferencesPermissionEnforcement
                self._log(ref["kind"], "update", "finalizers")
        return self.inner.create(obj)

    def update(self, obj: Obj) -> Obj:
        self._log(obj["kind"], "update")
        return self.inner.update(obj)

    def update_status(self, obj: Obj) -> Obj:
        self._log(obj["kind"], "update", "status")
        return self.inner.update_status(obj)

    def delete(
        self,
        kind: str,
        namespace: str,
        name: str,
        grace_period_seconds: int | None = None,
        propagation: Propagation = "Background",
        uid: str | None = None,
    ) -> Obj | None:
        self._log(kind, "delete")
        return self.inner.delete(kind, namespace, name, grace_period_seconds, propagation, uid)

    def subscribe(self, listener: Listener) -> None:
        self.inner.subscribe(listener)

    def events_since(self, resource_version: int) -> builtins.list[WatchEvent]:
        return self.inner.events_since(resource_version)


class RecordedCluster(Cluster):
    """The operator's three controllers, each on its own recording store, and a simulated node."""

    def __init__(self) -> None:
        self.clock = VirtualClock()
        self.store = MemoryStore(self.clock, seed=0)
        self.fetcher = FakeFetcher()
        self.recorders = {name: RecordingStore(self.store, watched_kinds((name,))) for name in CONTROLLERS}
        self.manager = Manager(
            self.store,
            self.clock,
            [
                CloneSetController(self.recorders["cloneset"], self.clock),
                GameStatefulSetController(self.recorders["gamestatefulset"], self.clock),
                HookRunController(self.recorders["hookrun"], self.clock, self.fetcher),
                SimNode(self.store, self.clock, Behaviours()),
            ],
        )
