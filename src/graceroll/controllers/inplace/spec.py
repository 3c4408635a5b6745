"""What an in-place update changes, and whether a template change can be made in place at all.

Upstream ``defaultCalculateInPlaceUpdateSpec``: a JSON patch from the old template to the new one
may only ``replace`` container images under ``spec`` (anything else under ``spec`` means the pod
must be recreated); ``metadata`` may change freely. A label or annotation that a container reads
through the downward API (``env[].valueFrom.fieldRef``) is not patched generically but recorded
per container, since that container has to restart to see it.

Not modelled: the resize of cpu/memory (gate ``InPlaceWorkloadVerticalScaling``, off by default)
and the PVC-template hash check (gate ``RecreatePodWhenChangeVCTInCloneSetGate``, off by default).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonpatch

Obj = dict[str, Any]

_IMAGE_PATH = re.compile(r"^/spec/containers/(\d+)/image$")
_FIELD_REF = re.compile(r"^metadata\.(labels|annotations)\['(.*)'\]$")


@dataclass(frozen=True)
class UpdateSpec:
    """Upstream's ``UpdateSpec``, also the JSON of the ``inplace-update-grace`` annotation."""

    revision: str
    container_images: Mapping[str, str] = field(default_factory=dict)
    container_ref_metadata: Mapping[str, Obj] = field(default_factory=dict)  # name -> {labels, annotations}
    meta_data_patch: Obj | None = None  # {"metadata": {labels/annotations: {k: v|None}, finalizers ...}}
    update_env_from_metadata: bool = False
    grace_seconds: int = 0

    def to_json(self) -> str:
        """Compact JSON, keys in upstream's struct order, empty fields left out (``omitempty``)."""
        out: Obj = {"revision": self.revision}
        if self.container_images:
            out["containerImages"] = dict(self.container_images)
        if self.container_ref_metadata:
            out["containerRefMetadata"] = dict(self.container_ref_metadata)
        if self.meta_data_patch:
            out["metaDataPatch"] = self.meta_data_patch
        if self.update_env_from_metadata:
            out["updateEnvFromMetadata"] = True
        if self.grace_seconds:
            out["graceSeconds"] = self.grace_seconds
        return json.dumps(out, separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> UpdateSpec | None:
        try:
            d = json.loads(text)
        except ValueError:
            return None
        if not isinstance(d, dict):
            return None
        return UpdateSpec(
            revision=str(d.get("revision") or ""),
            container_images=dict(d.get("containerImages") or {}),
            container_ref_metadata=dict(d.get("containerRefMetadata") or {}),
            meta_data_patch=d.get("metaDataPatch") or None,
            update_env_from_metadata=bool(d.get("updateEnvFromMetadata")),
            grace_seconds=int(d.get("graceSeconds") or 0),
        )


def calculate(old: Obj | None, new: Obj, revision: str, grace_seconds: int = 0) -> UpdateSpec | None:
    """The in-place update from pod template ``old`` to ``new``; None when the pod must be recreated.

    ``old`` is None when the pod's own revision is gone (upstream: no revision, no in-place).
    Example: image ``foo1`` -> ``foo2`` of container ``c1`` plus a new template label ``k1`` gives
    images ``{c1: foo2}`` and the patch ``{"metadata": {"labels": {"k1": "v1"}}}``.
    """
    if old is None:
        return None
    try:
        ops = jsonpatch.make_patch(old, new).patch
    except (TypeError, ValueError):
        return None
    old_containers = (old.get("spec") or {}).get("containers") or []
    images: dict[str, str] = {}
    for op in ops:
        path = str(op.get("path", ""))
        if path.startswith("/metadata/"):
            continue
        m = _IMAGE_PATH.match(path)
        if op.get("op") != "replace" or m is None:
            return None
        i = int(m.group(1))
        if i >= len(old_containers) or not isinstance(old_containers[i], dict) or not old_containers[i].get("name"):
            return None
        images[old_containers[i]["name"]] = op["value"]
    patch, ref_metadata = _metadata_changes(old.get("metadata") or {}, new.get("metadata") or {}, new)
    return UpdateSpec(
        revision=revision,
        container_images=images,
        container_ref_metadata=ref_metadata,
        meta_data_patch={"metadata": patch} if patch else None,
        update_env_from_metadata=bool(ref_metadata),
        grace_seconds=grace_seconds,
    )


def _metadata_changes(old: Obj, new: Obj, template: Obj) -> tuple[Obj, dict[str, Obj]]:
    """(generic metadata patch, per-container metadata read through env fieldRefs)."""
    readers = _env_readers(template)
    patch: Obj = {}
    ref: dict[str, Obj] = {}
    for kind in ("labels", "annotations"):
        before, after = old.get(kind) or {}, new.get(kind) or {}
        changes: Obj = {}
        for k in sorted(set(before) | set(after)):
            if before.get(k) == after.get(k) and (k in before) == (k in after):
                continue
            if k in after and (kind, k) in readers:
                for container in readers[(kind, k)]:
                    ref.setdefault(container, {}).setdefault(kind, {})[k] = after[k]
                continue
            changes[k] = after.get(k)
        if changes:
            patch[kind] = changes
    before_f, after_f = list(old.get("finalizers") or []), list(new.get("finalizers") or [])
    added = [f for f in after_f if f not in before_f]
    removed = [f for f in before_f if f not in after_f]
    if added:
        patch["finalizers"] = added
    if removed:
        patch["$deleteFromPrimitiveList/finalizers"] = removed
    return patch, ref


def _env_readers(template: Obj) -> dict[tuple[str, str], list[str]]:
    """(labels|annotations, key) -> names of containers with an env var read from it."""
    out: dict[tuple[str, str], list[str]] = {}
    for c in (template.get("spec") or {}).get("containers") or ():
        if not isinstance(c, dict):
            continue
        for var in c.get("env") or ():
            ref = ((var or {}).get("valueFrom") or {}).get("fieldRef") or {}
            m = _FIELD_REF.match(str(ref.get("fieldPath") or ""))
            if m is not None:
                names = out.setdefault((m.group(1), m.group(2)), [])
                if c.get("name") not in names:
                    names.append(str(c.get("name")))
    return out


def apply_metadata_patch(meta: Obj, patch: Obj | None) -> None:
    """Apply a ``meta_data_patch`` to pod metadata in place (null deletes a key)."""
    changes = (patch or {}).get("metadata") or {}
    for kind in ("labels", "annotations"):
        for k, v in (changes.get(kind) or {}).items():
            target = meta.setdefault(kind, {})
            if v is None:
                target.pop(k, None)
            else:
                target[k] = v
    finalizers = list(meta.get("finalizers") or [])
    finalizers = [f for f in finalizers if f not in (changes.get("$deleteFromPrimitiveList/finalizers") or ())]
    finalizers += [f for f in changes.get("finalizers") or () if f not in finalizers]
    if finalizers:
        meta["finalizers"] = finalizers
    else:
        meta.pop("finalizers", None)
