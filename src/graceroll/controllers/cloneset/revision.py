"""A CloneSet's revisions: only the pod template is recorded (reference §1.1, §2.1 step 3).

The revision data is ``{"spec": {"template": {"$patch": "replace", ...}}}``, so the revision
hash is the template's: changing only ``volumeClaimTemplates`` or the strategy starts no rollout,
and going back to an older template reuses that revision (its number is bumped).
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


def build(cs: Obj, number: int, collision_count: int | None) -> Obj:
    """The ControllerRevision for ``cs``'s current template (``NewRevision``)."""
    data = data_of(cs["spec"]["template"])
    hash_ = history.hash_data(data, collision_count)
    labels = dict(((cs["spec"]["template"].get("metadata") or {}).get("labels")) or {})
    labels[history.HASH_LABEL] = hash_
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": history.revision_name(cs["metadata"]["name"], hash_),
            "namespace": cs["metadata"]["namespace"],
            "labels": labels,
            "annotations": dict(cs["metadata"].get("annotations") or {}),  # change-cause for history
            "ownerReferences": [owner_reference(cs)],
        },
        "data": data,
        "revision": number,
    }
