"""What every store offers; controllers see only this interface.

The semantics follow the Kubernetes API server:

* ``create`` assigns uid, resourceVersion (one global, monotonic counter), generation 1 and
  creationTimestamp; ``generateName`` gets a random 5-character suffix; a namespaced object
  without a namespace lands in ``default``; status is dropped for kinds with a status subresource
  and the kind's ``on_create`` sets the initial one (a Pod is ``Pending`` from the start).
* ``update`` checks ``metadata.resourceVersion`` when the caller sends one (stale → ``Conflict``;
  none → last write wins), keeps the stored status for kinds with a status subresource, and bumps
  ``generation`` only when ``spec`` changed (for Deployments also when annotations changed). An
  update that changes nothing returns the stored object and uses no resourceVersion.
* ``update_status`` writes only ``status`` and ``metadata.annotations`` (the apps/v1 status strategy).
* ``delete`` (``store.deletion``): grace periods apply to Pods only; with a grace period or
  finalizers the object is only marked (deletionTimestamp = now + grace); a later, shorter grace
  period brings the deadline closer, a longer one is ignored. The object goes once the
  finalizers are gone and it is deleted with grace 0. Removing an object removes its dependents
  (ownerReferences; ``Background`` propagation) once no owner of theirs is left; ``Orphan``
  strips the owner's reference from the dependents instead; ``Foreground`` keeps the owner
  (``foregroundDeletion`` finalizer) until the dependents that block it are gone.
* ``events_since(rv)`` replays the changes after a resourceVersion, like a watch; a version
  older than the retained window raises ``Expired`` (HTTP 410), and the watcher relists.
* Objects handed out are shared and read-only (``api.meta.clone`` before changing one).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from graceroll.api.selectors import Selector
from graceroll.errors import GracerollError
from graceroll.store.deletion import Propagation

Obj = dict[str, Any]
EventType = Literal["ADDED", "MODIFIED", "DELETED"]


@dataclass(frozen=True)
class WatchEvent:
    type: EventType
    object: Obj
    resource_version: int


Listener = Callable[[WatchEvent], None]


class Expired(GracerollError):
    """The requested resourceVersion is older than the retained history: list again."""


class Store(Protocol):
    @property
    def resource_version(self) -> int: ...

    def get(self, kind: str, namespace: str, name: str) -> Obj: ...

    def try_get(self, kind: str, namespace: str, name: str) -> Obj | None: ...

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        selector: Selector | None = None,
        name: str | None = None,
    ) -> list[Obj]: ...

    def list_owned(self, kind: str, owner_uid: str) -> builtins.list[Obj]: ...

    def create(self, obj: Obj) -> Obj: ...

    def update(self, obj: Obj) -> Obj: ...

    def update_status(self, obj: Obj) -> Obj: ...

    def delete(
        self,
        kind: str,
        namespace: str,
        name: str,
        grace_period_seconds: int | None = None,
        propagation: Propagation = "Background",
        uid: str | None = None,
    ) -> Obj | None: ...

    def subscribe(self, listener: Listener) -> None: ...

    def events_since(self, resource_version: int) -> builtins.list[WatchEvent]: ...
