"""Core ``v1`` PersistentVolumeClaim, as far as graceroll models storage: a named record only.

There is no volume provisioner: a claim is the per-ordinal identity of a stateful workload's
storage (``<claim>-<set>-<ordinal>``), created once and kept when its pod is recreated or the set
scales in, as StatefulSet's default ``Retain`` policy does. ``spec`` is carried, not interpreted.
"""

from __future__ import annotations

from graceroll.api import field_checks as fc
from graceroll.api.core_v1 import default_object_meta
from graceroll.api.kinds import Kind, register
from graceroll.api.meta import Obj
from graceroll.api.structure import FreeMap, TypedObject, validator
from graceroll.errors import FieldError


class PersistentVolumeClaimModel(TypedObject):
    """PersistentVolumeClaim is a request for storage; on the engine a directory that outlives the pods mounting it."""
    spec: FreeMap | None = None
    """The desired characteristics of the storage."""


def _rules(obj: Obj) -> list[FieldError]:
    return fc.object_meta(obj.get("metadata"), fc.is_dns1123_subdomain)


PERSISTENT_VOLUME_CLAIM = register(
    Kind(
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        ("pvc",),
        returns_deleted_object=True,
        default=default_object_meta,
        validate=validator(PersistentVolumeClaimModel, _rules),
    )
)
