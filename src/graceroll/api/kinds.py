"""The kind registry: every kind graceroll knows, by name, plural and short names.

New API groups (CloneSet, GameStatefulSet, HookTemplate, the BCS Mesos deployment) register here
with their own defaulting and validation functions; the loader, store, API server and CLI look
kinds up only through this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graceroll.api.unknown_fields import UnknownField
from graceroll.errors import FieldError, UsageError

Obj = dict[str, Any]
Defaulter = Callable[[Obj], None]
Validator = Callable[[Obj], list[FieldError]]
UpdateValidator = Callable[[Obj, Obj], list[FieldError]]
Pruner = Callable[[Obj], tuple[Obj, list[UnknownField]]]  # the object without the fields its kind lacks, and those
UpdatePreparer = Callable[[Obj, Obj], None]  # (new, old): carry over what an update may not drop
Predicate = Callable[[Obj], bool]


@dataclass(frozen=True)
class Kind:
    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    short_names: tuple[str, ...] = ()
    namespaced: bool = True
    has_status: bool = True  # the status subresource: main-endpoint writes keep the stored status
    generation_tracks_annotations: bool = False  # Deployment: annotations are copied to ReplicaSets
    scalable: bool = False  # has the scale subresource (spec.replicas)
    scale_field: str = ""  # the spec field `scale` sets when it is not replicas (BCS Mesos: instance)
    # Deletion, as the kind's registry strategy decides it upstream:
    graceful_deletion: bool = False  # grace periods apply (only Pods upstream); other kinds go at once
    returns_deleted_object: bool = False  # DELETE answers with the object, not a Status (ReturnDeletedObject)
    implicit_namespace: bool = False  # creating one creates its namespace when missing (BCS Mesos kinds)
    default: Defaulter | None = field(default=None, compare=False)
    validate: Validator | None = field(default=None, compare=False)
    validate_update: UpdateValidator | None = field(default=None, compare=False)
    prune: Pruner | None = field(default=None, compare=False)  # unknown fields, warned about and dropped
    prepare_update: UpdatePreparer | None = field(default=None, compare=False)  # before defaulting an update
    on_create: Defaulter | None = field(default=None, compare=False)  # the store's PrepareForCreate (initial status)
    holds_deletion: Predicate | None = field(default=None, compare=False)  # besides metadata.finalizers
    on_deleting: Defaulter | None = field(default=None, compare=False)  # what else changes when deletion begins

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def replicas_field(self) -> str:
        """The ``spec`` field that ``scale`` and the scale subresource set; "" when not scalable."""
        return self.scale_field or ("replicas" if self.scalable else "")

    @property
    def resource(self) -> str:
        """``deployments.apps`` as the API server names a resource in errors (and a CRD is named)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified(self) -> str:
        """``deployment.apps`` as kubectl prints resource types."""
        return f"{self.kind.lower()}.{self.group}" if self.group else self.kind.lower()


_BY_KIND: dict[str, Kind] = {}


def register(k: Kind) -> Kind:
    _BY_KIND[k.kind] = k
    return k


Conversion = Callable[[Obj], tuple[Obj, list[UnknownField]]]  # also the document's keys it dropped
_CONVERSIONS: dict[tuple[str, str], Conversion] = {}


def register_conversion(api_version: str, kind: str, convert_fn: Conversion) -> None:
    """Documents of a foreign format (``apiVersion``, lower-cased ``kind``) are converted on load."""
    _CONVERSIONS[(api_version, kind.lower())] = convert_fn


def converted(doc: Obj) -> tuple[Obj, list[UnknownField]]:
    """``doc`` in graceroll's own shape (converted when its format is a registered foreign one), and
    the unknown fields of the document as written: the conversion's, else its kind's (``prune``)."""
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if isinstance(api_version, str) and isinstance(kind, str):
        fn = _CONVERSIONS.get((api_version, kind.lower()))
        if fn is not None:
            return fn(doc)
        return doc, pruned(doc)[1]
    return doc, []


def pruned(obj: Obj) -> tuple[Obj, list[UnknownField]]:
    """``obj`` without the fields its kind does not know (``Kind.prune``), and those fields: what the
    API drops and answers with ``Warning`` headers, as Kubernetes does (``fieldValidation=Warn``)."""
    info = _BY_KIND.get(str(obj.get("kind") or ""))
    if info is None or info.prune is None:
        return obj, []
    return info.prune(obj)


def convert(doc: Obj) -> Obj:
    """``doc`` in graceroll's own shape: converted when its format is a registered foreign one."""
    return converted(doc)[0]


def by_kind(kind: str) -> Kind:
    try:
        return _BY_KIND[kind]
    except KeyError:
        raise UsageError(f'no kind "{kind}" is registered') from None


def find(kind: str) -> Kind | None:
    return _BY_KIND.get(kind)


def resource_of(kind: str) -> str:
    """``Kind.resource`` of a kind by name; the name itself when it is not registered."""
    info = _BY_KIND.get(kind)
    return info.resource if info is not None else kind


def all_kinds() -> list[Kind]:
    return sorted(_BY_KIND.values(), key=lambda k: (k.group, k.kind))


def resolve(text: str) -> Kind:
    """A resource type as users type it: ``deployment``, ``deployments``, ``deploy``, ``deployment.apps``."""
    t = text.lower()
    base, _, group = t.partition(".")
    for k in _BY_KIND.values():
        names = {k.kind.lower(), k.plural, *k.short_names}
        if base in names and (not group or group == k.group):
            return k
    raise UsageError(f'the server doesn\'t have a resource type "{text}"')
