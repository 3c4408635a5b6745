"""Core ``v1`` Namespace: a cluster-scoped object that every namespaced object lives in.

Upstream: ``pkg/registry/core/namespace/strategy.go`` (PrepareForCreate: phase ``Active`` and the
``kubernetes`` finalizer in ``spec.finalizers``; PrepareForUpdate keeps ``spec.finalizers`` and
status, which only ``/finalize`` and ``/status`` change), ``pkg/apis/core/v1/defaults.go``
(``SetDefaults_Namespace``: the ``kubernetes.io/metadata.name`` label), and the namespace REST
``Delete``: a namespace is marked (``status.phase: Terminating``) and stays until the namespace
controller has deleted its contents and removed ``kubernetes`` from ``spec.finalizers``.

Names follow graceroll's namespace rule (``field_checks.is_namespace_name``: upper-case letters
are allowed, for BCS namespaces such as ``defaultGroup``).
"""

from __future__ import annotations

from graceroll.api import field_checks as fc
from graceroll.api.kinds import Kind, register
from graceroll.api.meta import Obj
from graceroll.api.structure import Strict, TypedObject, child_map, drop_nulls, validator
from graceroll.errors import FieldError

KUBERNETES_FINALIZER = "kubernetes"
NAME_LABEL = "kubernetes.io/metadata.name"
ACTIVE, TERMINATING = "Active", "Terminating"


class NamespaceSpec(Strict):
    finalizers: list[str] | None = None


class NamespaceModel(TypedObject):
    spec: NamespaceSpec | None = None


def namespace_object(name: str) -> Obj:
    """A Namespace as a client would send it."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def is_terminating(ns: Obj) -> bool:
    return bool(ns["metadata"].get("deletionTimestamp")) or (ns.get("status") or {}).get("phase") == TERMINATING


def default_namespace(obj: Obj) -> None:
    drop_nulls(obj)
    meta = child_map(obj, "metadata")
    if meta is None:
        return
    meta.pop("namespace", None)  # cluster-scoped: a namespace in the body is dropped, as upstream
    name = meta.get("name")
    labels = child_map(meta, "labels")
    if isinstance(name, str) and name and labels is not None:
        labels[NAME_LABEL] = name


def _rules(obj: Obj) -> list[FieldError]:
    errs = fc.object_meta(obj.get("metadata"), fc.is_namespace_name, namespaced=False)
    for i, f in enumerate((obj.get("spec") or {}).get("finalizers") or ()):
        path = f"spec.finalizers[{i}]"
        errs += fc.messages(path, f, fc.is_qualified_name(f))
        if "/" not in f and f != KUBERNETES_FINALIZER:
            errs.append(fc.invalid(path, f, "name is neither a standard finalizer name nor is it fully qualified"))
    return errs


def _prepare_for_create(obj: Obj) -> None:
    obj["status"] = {"phase": ACTIVE}
    spec = obj.setdefault("spec", {})
    finalizers = list(spec.get("finalizers") or [])
    if KUBERNETES_FINALIZER not in finalizers:
        finalizers.append(KUBERNETES_FINALIZER)
    spec["finalizers"] = finalizers


def _prepare_for_update(new: Obj, old: Obj) -> None:
    spec = new.get("spec") if isinstance(new.get("spec"), dict) else None
    old_finalizers = (old.get("spec") or {}).get("finalizers")
    if spec is None:
        new["spec"] = {}
        spec = new["spec"]
    if old_finalizers is None:
        spec.pop("finalizers", None)
    else:
        spec["finalizers"] = list(old_finalizers)


def _held(obj: Obj) -> bool:
    return bool((obj.get("spec") or {}).get("finalizers"))


def _terminating(obj: Obj) -> None:
    obj["status"] = dict(obj.get("status") or {}, phase=TERMINATING)


NAMESPACE = register(
    Kind(
        "",
        "v1",
        "Namespace",
        "namespaces",
        ("ns",),
        namespaced=False,
        returns_deleted_object=True,
        default=default_namespace,
        validate=validator(NamespaceModel, _rules),
        prepare_update=_prepare_for_update,
        on_create=_prepare_for_create,
        holds_deletion=_held,
        on_deleting=_terminating,
    )
)
