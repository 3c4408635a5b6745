"""A GameStatefulSet's revisions: the pod template only, as a ``$patch: replace`` of ``spec.template``.

Upstream ``newRevision``: the revision copies the set's annotations;
an equal newest revision is reused, an equal older one (a rollback) gets the next number. Changing
the strategy, the hooks or the canary steps therefore starts no new revision.
"""

from __future__ import annotations

from typing import Any

from graceroll.api.meta import clone, owner_reference
from graceroll.controllers import history

Obj = dict[str, Any]


def data_of(template: Obj) -> Obj:
    return {"spec": {"template": {"$patch": "replace", **clone(template)}}}


def template_of(revision: Obj) -> Obj:
    template = clone(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


def build(gs: Obj, number: int, collision_count: int | None) -> Obj:
    data = data_of(gs["spec"]["template"])
    hash_ = history.hash_data(data, collision_count)
    labels = dict(((gs["spec"]["template"].get("metadata") or {}).get("labels")) or {})
    labels[history.HASH_LABEL] = hash_
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": history.revision_name(gs["metadata"]["name"], hash_),
            "namespace": gs["metadata"]["namespace"],
            "labels": labels,
            "annotations": dict(gs["metadata"].get("annotations") or {}),
            "ownerReferences": [owner_reference(gs)],
        },
        "data": data,
        "revision": number,
    }
