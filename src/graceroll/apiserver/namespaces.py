"""Namespaces in the API: the lifecycle admission rules, and the namespaces that always exist.

Upstream's ``NamespaceLifecycle`` admission plugin: an object is created only in a namespace that
exists (``namespaces "x" not found``, 404) and is not being deleted (``pods "web" is forbidden:
unable to create new content in namespace x because it is being terminated``, 403); ``default``,
``kube-system`` and ``kube-public`` cannot be deleted (``namespaces "default" is forbidden: this
namespace may not be deleted``). The exception is graceroll's: BCS Mesos kinds
(``Kind.implicit_namespace``) create their namespace, since BCS namespaces are implicit.

The system namespaces are created when the API server starts (upstream's ``systemnamespaces``
controller in kube-apiserver), together with every namespace that objects of an older store
live in, so that nothing stored before namespaces were objects is lost or hidden.
"""

from __future__ import annotations

from graceroll.api import kinds
from graceroll.api.admission import admit
from graceroll.api.core_v1_namespace import default_namespace, is_terminating, namespace_object
from graceroll.api.meta import Obj
from graceroll.errors import Forbidden, Invalid, NotFound
from graceroll.store.base import Store

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public")
NAMESPACE = "Namespace"


def admit_create(store: Store, info: kinds.Kind, obj: Obj, dry_run: bool) -> None:
    """Refuse an object whose namespace is missing or terminating (or create it, for BCS kinds)."""
    if not info.namespaced:
        return
    md = obj.get("metadata") or {}
    namespace = str(md.get("namespace") or "default")
    ns = store.try_get(NAMESPACE, "", namespace)
    if ns is None:
        if not info.implicit_namespace:
            raise NotFound("namespaces", namespace)
        if not dry_run:
            store.create(admit(namespace_object(namespace)))
        return
    if is_terminating(ns):
        name = str(md.get("name") or md.get("generateName") or "")
        raise Forbidden(info.resource, name, f"unable to create new content in namespace {namespace} because it is being terminated")


def admit_delete(info: kinds.Kind, name: str) -> None:
    if info.kind == NAMESPACE and name in SYSTEM_NAMESPACES:
        raise Forbidden("namespaces", name, "this namespace may not be deleted")


def ensure(store: Store) -> list[str]:
    """Create the system namespaces and those stored objects live in; the names created."""
    wanted = dict.fromkeys(SYSTEM_NAMESPACES)
    for info in kinds.all_kinds():
        if info.namespaced:
            for obj in store.list(info.kind):
                wanted.setdefault(str(obj["metadata"].get("namespace") or "default"))
    created = []
    for name in wanted:
        if store.try_get(NAMESPACE, "", name) is None:
            store.create(_kept(name))
            created.append(name)
    return created


def _kept(name: str) -> Obj:
    """The Namespace for a name already in use; one an older rule let through is kept as it is."""
    try:
        return admit(namespace_object(name))
    except Invalid:
        obj = namespace_object(name)
        default_namespace(obj)
        return obj
