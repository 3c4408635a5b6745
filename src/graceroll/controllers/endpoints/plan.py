"""Service + pods → the EndpointSlices and the Endpoints object it should have, and what to write (pure).

Upstream semantics (``kubernetes/kubernetes:pkg/controller/endpointslice`` with
``staging/src/k8s.io/endpointslice/utils.go`` ``podToEndpoint``, and ``pkg/controller/endpoint``):

- A pod is an endpoint when the Service's selector matches its labels, it has ``status.podIP``
  and it has not finished (phase Succeeded or Failed).
- ``serving`` = the pod's Ready condition is True; ``terminating`` = it has a deletionTimestamp;
  ``ready`` = serving and not terminating, or always with ``publishNotReadyAddresses``.
- Terminating pods stay in EndpointSlices for as long as they exist, so the proxy can tell a
  draining backend from a vanished one; the legacy Endpoints object leaves them out (unless
  ``publishNotReadyAddresses``).
- A named ``targetPort`` is looked up in each pod's container ports. Pods that resolve the Service's
  ports differently land in different slices, one per port set; a pod lacking a named port is
  left out of that port (its port set simply lacks it), as upstream.

A Service whose selector matches no pod still gets one empty slice, as upstream's placeholder: an
empty slice says "selects nothing", a missing one says "not looked at yet".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graceroll.api.discovery_v1 import MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL
from graceroll.api.meta import Obj, clone
from graceroll.controllers import podutil

FINISHED = ("Succeeded", "Failed")
ADDRESS_TYPE = "IPv4"
SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery util/rand: no vowels, no look-alikes
SUFFIX_LENGTH = 5
SLICE_FIELDS = ("addressType", "ports", "endpoints")

Port = tuple[str, int, str, str]  # name, resolved port, protocol, appProtocol ("" when unset)
PortSet = tuple[Port, ...]


@dataclass(frozen=True)
class Endpoint:
    pod: Obj
    ip: str
    ready: bool
    serving: bool
    terminating: bool


@dataclass(frozen=True)
class Writes:
    """What one reconcile writes for one kind: new objects, changed objects, names to delete."""

    create: tuple[Obj, ...] = ()
    update: tuple[Obj, ...] = ()
    delete: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.delete)


# --- endpoints of a Service ----------------------------------------------------------------------


def has_selector(svc: Obj) -> bool:
    """Services without a selector get their endpoints from the user, never from this controller."""
    return bool((svc.get("spec") or {}).get("selector"))


def selects(svc: Obj, pod: Obj) -> bool:
    """A Service selects pods whose labels hold every pair of its (non-empty) selector."""
    selector: Mapping[str, str] = (svc.get("spec") or {}).get("selector") or {}
    labels = pod["metadata"].get("labels") or {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def endpoint(svc: Obj, pod: Obj) -> Endpoint | None:
    """The pod as an endpoint of ``svc``, or None when it is not one (unselected, no IP, finished)."""
    ip = (pod.get("status") or {}).get("podIP")
    if not ip or podutil.phase(pod) in FINISHED or not selects(svc, pod):
        return None
    serving = podutil.is_ready(pod)
    terminating = bool(pod["metadata"].get("deletionTimestamp"))
    publish = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
    return Endpoint(pod, str(ip), publish or (serving and not terminating), serving, terminating)


def resolve_ports(svc: Obj, pod: Obj) -> PortSet:
    """The Service's ports as this pod serves them; a named target port the pod lacks is left out.

    Example: Service port ``http`` → targetPort ``web``; a pod whose container declares
    ``{name: web, containerPort: 8080}`` gives ``(("http", 8080, "TCP", ""),)``, a pod without a
    port named ``web`` gives ``()``.
    """
    named: dict[str, int] = {}
    for c in (pod.get("spec") or {}).get("containers") or ():
        for p in c.get("ports") or ():
            if p.get("name") and p.get("containerPort") and p["name"] not in named:  # first declaration wins
                named[p["name"]] = int(p["containerPort"])
    out: list[Port] = []
    for sp in (svc.get("spec") or {}).get("ports") or ():
        target = sp.get("targetPort") or sp.get("port")
        number = named.get(target) if isinstance(target, str) else target
        if number:
            out.append((sp.get("name") or "", int(number), sp.get("protocol") or "TCP", sp.get("appProtocol") or ""))
    return tuple(out)


def endpoints_by_port_set(svc: Obj, pods: Iterable[Obj]) -> dict[PortSet, list[Endpoint]]:
    """Endpoints grouped by resolved port set, each group in pod-name order."""
    groups: dict[PortSet, list[Endpoint]] = {}
    for pod in sorted(pods, key=lambda p: str(p["metadata"]["name"])):
        ep = endpoint(svc, pod)
        if ep is not None:
            groups.setdefault(resolve_ports(svc, pod), []).append(ep)
    return dict(sorted(groups.items()))


# --- EndpointSlices ------------------------------------------------------------------------------


def slice_name(svc: Obj, ports: PortSet) -> str:
    """``<service>-<5 characters>``, the characters from a hash of the Service's uid and the port set.

    Stable for a Service and port set, so every reconcile finds the slice it wrote; a Service
    deleted and created again under the same name (new uid) never adopts its predecessor's slices.
    """
    digest = int.from_bytes(hashlib.sha256(f"{svc['metadata'].get('uid')}/{ports!r}".encode()).digest()[:8], "big")
    suffix = ""
    for _ in range(SUFFIX_LENGTH):
        digest, i = divmod(digest, len(SUFFIX_ALPHABET))
        suffix += SUFFIX_ALPHABET[i]
    return f"{svc['metadata']['name']}-{suffix}"


def desired_slices(svc: Obj, pods: Iterable[Obj]) -> list[Obj]:
    """One slice per distinct port set, in port-set order; one empty slice when no pod qualifies."""
    groups = endpoints_by_port_set(svc, pods)
    if not groups:
        return [_slice(svc, (), [])]
    return [_slice(svc, ports, eps) for ports, eps in groups.items()]


def slice_labels(svc: Obj) -> dict[str, str]:
    return {SERVICE_NAME_LABEL: svc["metadata"]["name"], MANAGED_BY_LABEL: MANAGED_BY}


def is_managed_slice_of(slice_: Obj, service_name: str) -> bool:
    """Slices this controller wrote for the Service; slices other writers label for it are theirs."""
    labels = slice_["metadata"].get("labels") or {}
    return labels.get(SERVICE_NAME_LABEL) == service_name and labels.get(MANAGED_BY_LABEL) == MANAGED_BY


def _slice(svc: Obj, ports: PortSet, eps: list[Endpoint]) -> Obj:
    md = svc["metadata"]
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": slice_name(svc, ports),
            "namespace": md["namespace"],
            "labels": slice_labels(svc),
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "name": md["name"],
                    "uid": md["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "addressType": ADDRESS_TYPE,
        "ports": [_port(p) for p in ports],
        "endpoints": [_slice_endpoint(ep) for ep in eps],
    }


def _port(port: Port) -> Obj:
    name, number, protocol, app_protocol = port
    out: Obj = {"name": name, "port": number, "protocol": protocol}
    if app_protocol:
        out["appProtocol"] = app_protocol
    return out


def _target_ref(pod: Obj) -> Obj:
    md = pod["metadata"]
    return {"kind": "Pod", "namespace": md["namespace"], "name": md["name"], "uid": md.get("uid")}


def _slice_endpoint(ep: Endpoint) -> Obj:
    out: Obj = {
        "addresses": [ep.ip],
        "conditions": {"ready": ep.ready, "serving": ep.serving, "terminating": ep.terminating},
        "targetRef": _target_ref(ep.pod),
    }
    if node := (ep.pod.get("spec") or {}).get("nodeName"):
        out["nodeName"] = node
    return out


def slice_writes(desired: list[Obj], current: Iterable[Obj]) -> Writes:
    """Create missing slices, rewrite those whose content or ownership differs, delete the rest.

    Creations come first in the plan so a port-set change never leaves a moment without the
    endpoints the old slice listed.
    """
    have = {s["metadata"]["name"]: s for s in current}
    create: list[Obj] = []
    update: list[Obj] = []
    for want in desired:
        old = have.pop(want["metadata"]["name"], None)
        if old is None:
            create.append(want)
        elif _slice_differs(old, want):
            new = clone(old)
            new.update({f: want[f] for f in SLICE_FIELDS})
            new["metadata"]["labels"] = want["metadata"]["labels"]
            new["metadata"]["ownerReferences"] = want["metadata"]["ownerReferences"]
            update.append(new)
    return Writes(tuple(create), tuple(update), tuple(sorted(have)))


def _slice_differs(have: Obj, want: Obj) -> bool:
    h, w = have["metadata"], want["metadata"]
    return (
        any(have.get(f) != want[f] for f in SLICE_FIELDS)
        or (h.get("labels") or {}) != w["labels"]
        or (h.get("ownerReferences") or []) != w["ownerReferences"]
    )


# --- Endpoints (core/v1) -------------------------------------------------------------------------


def desired_endpoints(svc: Obj, pods: Iterable[Obj]) -> Obj:
    """The legacy ``v1 Endpoints``: one subset per port set, ready pods in ``addresses``, the rest
    in ``notReadyAddresses``, terminating pods left out; no subsets → no ``subsets`` field.

    Labels are the Service's; no ownerReference, as upstream (the controller deletes it when the
    Service is gone).
    """
    md = svc["metadata"]
    out: Obj = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": md["name"], "namespace": md["namespace"], "labels": dict(md.get("labels") or {})},
    }
    subsets: list[Obj] = []
    for ports, eps in endpoints_by_port_set(svc, pods).items():
        ready = [_address(ep) for ep in eps if ep.ready]
        not_ready = [_address(ep) for ep in eps if not ep.ready and not ep.terminating]
        if not ready and not not_ready:
            continue
        subset: Obj = {}
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        subset["ports"] = [_port(p) for p in ports]
        subsets.append(subset)
    if subsets:
        out["subsets"] = subsets
    return out


def _address(ep: Endpoint) -> Obj:
    out: Obj = {"ip": ep.ip}
    if node := (ep.pod.get("spec") or {}).get("nodeName"):
        out["nodeName"] = node
    out["targetRef"] = _target_ref(ep.pod)
    return out


def endpoints_writes(desired: Obj, current: Obj | None) -> Writes:
    """Create the Endpoints, or rewrite its subsets and labels when they differ from ``desired``."""
    if current is None:
        return Writes(create=(desired,))
    labels = desired["metadata"]["labels"]
    if current.get("subsets") == desired.get("subsets") and (current["metadata"].get("labels") or {}) == labels:
        return Writes()
    new = clone(current)
    new["metadata"]["labels"] = labels
    new.pop("subsets", None)
    if "subsets" in desired:
        new["subsets"] = desired["subsets"]
    return Writes(update=(new,))
