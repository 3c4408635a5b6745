"""What every store offers; controllers see only this interface.

The semantics follow the Kubernetes API server:

* ``create`` assigns uid, resourceVersion (one global, monotonic counter), generation 1 and
  creationTimestamp; ``generateName`` gets a random 5-character suffix.
* ``update`` checks ``metadata.resourceVersion`` when the caller sends one (stale → ``Conflict``),
  keeps the stored status for kinds with a status subresource, and bumps ``generation`` only
  when ``spec`` changed (for Deployments also when annotations changed).
* ``update_status`` writes only ``status`` and ``metadata.annotations`` (spec and labels are
  kept, as the apps/v1 status strategy does; the Deployment controller records its revision so).
* ``delete`` with a grace period or finalizers only marks the object (deletionTimestamp); the
  object goes once the finalizers are gone and it is deleted with grace 0. Removing an object
  removes its dependents (ownerReferences; background propagation) unless ``orphan`` is set.
* ``events_since(rv)`` replays the changes after a resourceVersion, like a watch; a version
  older than the retained window raises ``Expired`` (HTTP 410), and the watcher relists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal, Protocol

from graceroll.api.selectors import Selector
from graceroll.errors import GracerollError

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

    def list_owned(self, kind: str, owner_uid: str) -> list[Obj]: ...

    def create(self, obj: Obj) -> Obj: ...

    def update(self, obj: Obj) -> Obj: ...

    def update_status(self, obj: Obj) -> Obj: ...

    def delete(
        self,
        kind: str,
        namespace: str,
        name: str,
        grace_period_seconds: int | None = None,
        orphan: bool = False,
        uid: str | None = None,
    ) -> Obj | None: ...

    def subscribe(self, listener: Listener) -> None: ...

    def events_since(self, resource_version: int) -> list[WatchEvent]: ...
