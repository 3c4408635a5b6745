"""What the API server does to an object beyond defaulting and validating it, per kind.

These are the parts of upstream's registry strategies and admission plugins that need the
store, run on every create and update that arrives through the API (the engine's own controllers
write the store directly):

* every namespaced kind: the ``NamespaceLifecycle`` rules (``apiserver.namespaces``);
* Pods: the ``ServiceAccount`` admission plugin refuses a pod naming a ServiceAccount that does
  not exist (``pods "web" is forbidden: error looking up service account shop/api:
  serviceaccount "api" not found``). ``default`` is not looked up: the ServiceAccounts
  controller creates it with its namespace, and a pod applied in the same breath as its
  namespace must not lose that race (a deviation: upstream refuses it until the controller ran);
* Services: the cluster IP and node ports are allocated while the Service is created, so the
  create's answer carries them (``pkg/registry/core/service/storage``, with the allocator of
  ``controllers.endpoints.addresses``); an update keeps them (see ``api.core_v1`` for the rules).
"""

from __future__ import annotations

from collections.abc import Callable

from graceroll.api import field_checks as fc
from graceroll.api import kinds
from graceroll.api.meta import Obj
from graceroll.apiserver import namespaces
from graceroll.controllers.endpoints import addresses
from graceroll.errors import Forbidden, Invalid
from graceroll.store.base import Store

Hook = Callable[[Store, Obj], None]


def before_create(store: Store, info: kinds.Kind, obj: Obj, dry_run: bool) -> None:
    namespaces.admit_create(store, info, obj, dry_run)
    hook = _CREATE.get(info.kind)
    if hook is not None:
        hook(store, obj)


def before_update(store: Store, info: kinds.Kind, obj: Obj) -> None:
    hook = _UPDATE.get(info.kind)
    if hook is not None:
        hook(store, obj)


def _service_account_exists(store: Store, pod: Obj) -> None:
    md, spec = pod["metadata"], pod.get("spec") or {}
    name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    namespace = md.get("namespace") or "default"
    if name != "default" and store.try_get("ServiceAccount", namespace, name) is None:
        reason = f'error looking up service account {namespace}/{name}: serviceaccount "{name}" not found'
        raise Forbidden("pods", str(md.get("name") or md.get("generateName") or ""), reason)


def _allocate(store: Store, svc: Obj) -> None:
    """Refuse a cluster IP or node port another Service holds (upstream's allocator), then assign
    what is missing."""
    md = svc["metadata"]
    me = (md.get("namespace") or "default", md.get("name"))
    others = [s for s in store.list("Service") if (s["metadata"].get("namespace"), s["metadata"]["name"]) != me]
    name = str(md.get("name") or md.get("generateName") or "")
    errs = []
    ip = addresses.cluster_ip(svc)
    if ip is not None and ip in addresses.used_cluster_ips(others):
        errs.append(fc.invalid("spec.clusterIPs", [ip], f"failed to allocate IP {ip}: provided IP is already allocated"))
    used = addresses.used_node_ports(others)
    for i, port in enumerate((svc.get("spec") or {}).get("ports") or ()):
        if port.get("nodePort") in used:
            errs.append(fc.invalid(f"spec.ports[{i}].nodePort", port["nodePort"], "provided port is already allocated"))
    if errs:
        raise Invalid("Service", name, errs)
    try:
        addresses.assign(svc, others)
    except addresses.RangeExhausted as e:
        raise Forbidden("services", name, str(e)) from e


_CREATE: dict[str, Hook] = {"Pod": _service_account_exists, "Service": _allocate}
_UPDATE: dict[str, Hook] = {"Service": _allocate}
