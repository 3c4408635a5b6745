"""A store that records every write a controller makes, for tests that assert ordered writes.

Each write is logged as ``(verb, kind, name, subresource)``; an Event is logged by its reason
and message instead of its generated name, so a test reads as the sequence upstream's fixture
(``filterInformerActions``) compares. Reads are forwarded and not logged.
"""

from __future__ import annotations

import builtins
from typing import Any

from graceroll.api.selectors import Selector
from graceroll.store.base import Listener, WatchEvent
from graceroll.store.memory import MemoryStore

Obj = dict[str, Any]
Write = tuple[str, str, str, str]


class WriteRecorder:
    def __init__(self, inner: MemoryStore) -> None:
        self.inner = inner
        self.writes: list[Write] = []

    @staticmethod
    def _name(obj: Obj) -> str:
        if obj.get("kind") == "Event":
            return f"{obj['reason']}: {obj['message']}"
        return str(obj["metadata"].get("name", ""))

    @property
    def resource_version(self) -> int:
        return self.inner.resource_version

    def get(self, kind: str, namespace: str, name: str) -> Obj:
        return self.inner.get(kind, namespace, name)

    def try_get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self.inner.try_get(kind, namespace, name)

    def list(self, kind: str, namespace: str | None = None, selector: Selector | None = None, name: str | None = None) -> builtins.list[Obj]:
        return self.inner.list(kind, namespace, selector, name)

    def list_owned(self, kind: str, owner_uid: str) -> builtins.list[Obj]:
        return self.inner.list_owned(kind, owner_uid)

    def create(self, obj: Obj) -> Obj:
        self.writes.append(("create", obj["kind"], self._name(obj), ""))
        return self.inner.create(obj)

    def update(self, obj: Obj) -> Obj:
        self.writes.append(("update", obj["kind"], self._name(obj), ""))
        return self.inner.update(obj)

    def update_status(self, obj: Obj) -> Obj:
        self.writes.append(("update", obj["kind"], self._name(obj), "status"))
        return self.inner.update_status(obj)

    def delete(
        self,
        kind: str,
        namespace: str,
        name: str,
        grace_period_seconds: int | None = None,
        orphan: bool = False,
        uid: str | None = None,
    ) -> Obj | None:
        self.writes.append(("delete", kind, name, ""))
        return self.inner.delete(kind, namespace, name, grace_period_seconds, orphan, uid)

    def subscribe(self, listener: Listener) -> None:
        self.inner.subscribe(listener)

    def events_since(self, resource_version: int) -> builtins.list[WatchEvent]:
        return self.inner.events_since(resource_version)
