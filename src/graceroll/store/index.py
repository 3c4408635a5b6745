"""Objects by kind and name, with their dependents indexed by owner uid.

The reads every local store answers the same way (the memory store that holds the objects, and
the cluster store's cache of what it watches): ``get`` by name, ``list`` sorted by (namespace,
name) with label and name selectors, and ``list_owned`` from the owner index instead of a scan.
"""

from __future__ import annotations

import builtins

from graceroll.api.selectors import Selector
from graceroll.store.base import Obj

Key = tuple[str, str, str]  # kind, namespace, name


def key_of(obj: Obj) -> Key:
    md = obj["metadata"]
    return (obj["kind"], md.get("namespace") or "", md["name"])


class ObjectIndex:
    def __init__(self) -> None:
        self._objects: dict[str, dict[tuple[str, str], Obj]] = {}
        self._owned: dict[str, dict[Key, None]] = {}  # owner uid -> dependents (ordered set)

    # ---- reads -------------------------------------------------------------------------------
    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self._objects.get(kind, {}).get((namespace, name))

    def list(self, kind: str, namespace: str | None = None, selector: Selector | None = None, name: str | None = None) -> list[Obj]:
        """Objects of ``kind`` sorted by (namespace, name); ``name`` is the metadata.name field selector."""
        table = self._objects.get(kind)
        if not table:
            return []
        if namespace is not None and name is not None:
            one = table.get((namespace, name))
            found = [one] if one is not None else []
        else:
            found = [table[k] for k in sorted(table) if (namespace is None or k[0] == namespace) and (name is None or k[1] == name)]
        if selector is not None and not selector.empty:
            found = [o for o in found if selector.matches(o["metadata"].get("labels") or {})]
        return found

    def list_owned(self, kind: str, owner_uid: str) -> builtins.list[Obj]:
        """Objects of ``kind`` with an ownerReference to ``owner_uid``, from the index (no scan)."""
        table = self._objects.get(kind, {})
        out = []
        for k in self._owned.get(owner_uid, ()):
            if k[0] == kind:
                obj = table.get((k[1], k[2]))
                if obj is not None:
                    out.append(obj)
        return out

    def dependents(self, owner_uid: str) -> builtins.list[Key]:
        """The keys of every object referring to ``owner_uid``, any kind, in the order they came."""
        return list(self._owned.get(owner_uid, ()))

    def release(self, owner_uid: str) -> builtins.list[Key]:
        """``dependents``, and the owner leaves the index (it is gone; its dependents are collected)."""
        return list(self._owned.pop(owner_uid, ()))

    def all(self) -> builtins.list[Obj]:
        """Every object, grouped by kind."""
        return [o for t in self._objects.values() for o in t.values()]

    # ---- changes -----------------------------------------------------------------------------
    def add(self, obj: Obj) -> None:
        """Put ``obj`` under its key; the caller removes an earlier version first."""
        k = key_of(obj)
        self._objects.setdefault(k[0], {})[(k[1], k[2])] = obj
        for r in obj["metadata"].get("ownerReferences") or ():
            self._owned.setdefault(str(r.get("uid", "")), {})[k] = None

    def remove(self, obj: Obj) -> None:
        k = key_of(obj)
        self._objects.get(k[0], {}).pop((k[1], k[2]), None)
        for r in obj["metadata"].get("ownerReferences") or ():
            owner_uid = str(r.get("uid", ""))
            deps = self._owned.get(owner_uid)
            if deps is not None:
                deps.pop(k, None)
                if not deps:
                    del self._owned[owner_uid]  # no index entries outlive their last dependent
