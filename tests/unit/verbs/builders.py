"""Small builders for the verb tests: a Deployment manifest, its ReplicaSets (made directly in the store)."""

from __future__ import annotations

from typing import Any

from graceroll.api.admission import admit
from graceroll.api.meta import Obj, clone, owner_reference
from graceroll.controllers.deployment import util
from graceroll.store.base import Store


def container(name: str = "app", image: str = "web:1", **extra: Any) -> Obj:
    return {"name": name, "image": image, **extra}


def manifest(name: str = "web", *containers: Obj, **spec: Any) -> Obj:
    """A Deployment as a user writes it: no replicas, no defaults."""
    body: Obj = {
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": list(containers) or [container()]}},
    }
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": body}


def create(store: Store, obj: Obj) -> Obj:
    """Admit and store, as the API server would."""
    return store.create(admit(obj))


def revision_rs(
    store: Store,
    d: Obj,
    revision: str | None,
    image: str,
    *,
    change_cause: str | None = None,
    hash_label: bool = True,
    annotations: dict[str, str] | None = None,
    name: str | None = None,
) -> Obj:
    """A ReplicaSet of ``d`` holding ``d``'s template with ``image``, as the controller would have made it."""
    template = clone(d["spec"]["template"])
    for c in template["spec"]["containers"]:
        c["image"] = image
    suffix = f"h{revision}" if revision is not None else "hx"
    if hash_label:
        template["metadata"]["labels"][util.POD_TEMPLATE_HASH_LABEL] = suffix
    ann = dict(annotations or {})
    if revision is not None:
        ann[util.REVISION_ANNOTATION] = revision
    if change_cause is not None:
        ann[util.CHANGE_CAUSE_ANNOTATION] = change_cause
    rs: Obj = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name or f"{d['metadata']['name']}-{suffix}",
            "namespace": d["metadata"]["namespace"],
            "labels": dict(template["metadata"]["labels"]),
            "annotations": ann,
            "ownerReferences": [owner_reference(d)],
        },
        "spec": {"replicas": 0, "selector": {"matchLabels": dict(template["metadata"]["labels"])}, "template": template},
    }
    return store.create(admit(rs))


def with_status(store: Store, obj: Obj, **status: Any) -> Obj:
    """Write ``status`` (and keep the rest) through the status endpoint, as a controller does."""
    new = clone(obj)
    new["status"] = {**(obj.get("status") or {}), **status}
    return store.update_status(new)
