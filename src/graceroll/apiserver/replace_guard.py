"""``kubectl replace --force`` never loses an object: a failed recreate puts the deleted one back.

kubectl's forced replace deletes each object, waits until it is gone, and only then sends the
new manifest (``kubectl/pkg/cmd/replace/replace.go`` ``forceReplace``); when the new manifest is
refused (an unknown field under ``fieldValidation=Strict``, a validation error), the object is
gone. Upstream's API server behaves so too; this one remembers what an API DELETE removed for
``WINDOW`` seconds, and when a create sent by ``kubectl replace`` (``fieldManager=kubectl-replace``)
of a remembered name fails, it creates the deleted object again, as ``kubectl apply --force``
restores the original itself when its recreate fails. The error is still returned, saying so.

Only what the deleted object held by the user is restored (metadata labels, annotations,
finalizers, spec and the other top-level fields); status, uid and the like are new. Dependents
garbage-collected with it (a Deployment's ReplicaSets and pods) are recreated by the controllers.
The memory is in the API server's process: an engine restart in the window forgets it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from graceroll.api.admission import admit
from graceroll.store.base import Store

Obj = dict[str, Any]
Key = tuple[str, str, str]  # kind, namespace, name
WINDOW = 600.0  # seconds: kubectl waits up to 5 minutes (its default --timeout) for the delete
LIMIT = 256  # remembered deletions
FIELD_MANAGER = "kubectl-replace"
KEPT_METADATA = ("name", "namespace", "labels", "annotations", "finalizers", "ownerReferences")


class RecentlyDeleted:
    def __init__(self) -> None:
        self._objects: OrderedDict[Key, tuple[float, Obj]] = OrderedDict()

    def remember(self, obj: Obj, now: float) -> None:
        md = obj["metadata"]
        key = (str(obj["kind"]), str(md.get("namespace") or ""), str(md["name"]))
        self._objects.pop(key, None)
        self._objects[key] = (now, obj)
        while len(self._objects) > LIMIT:
            self._objects.popitem(last=False)

    def restore(self, store: Store, query: Mapping[str, str], key: Key, now: float) -> bool:
        """After a failed create: put back what was deleted under ``key`` if the create came from
        ``kubectl replace --force`` (and is not a dry run) and nothing has taken the name since."""
        if query.get("fieldManager") != FIELD_MANAGER or "dryRun" in query or store.try_get(*key) is not None:
            return False
        saved = self.take(key, now)
        if saved is None:
            return False
        store.create(admit(saved))
        return True

    def take(self, key: Key, now: float) -> Obj | None:
        """The object deleted under ``key`` within the window, forgotten once taken."""
        found = self._objects.pop(key, None)
        if found is None or now - found[0] > WINDOW:
            return None
        return restorable(found[1])


def restorable(obj: Obj) -> Obj:
    """What of a deleted object is created again: everything the user gave, nothing the server set."""
    md = obj.get("metadata") or {}
    out = {k: v for k, v in obj.items() if k not in ("metadata", "status")}
    out["metadata"] = {k: md[k] for k in KEPT_METADATA if k in md}
    return out
