"""Service + pods → the EndpointSlices and the Endpoints object it should have (pure).

Upstream semantics (``pkg/controller/endpointslice``, ``pkg/controller/endpoint``):

- A pod is an endpoint when it matches the selector, has an IP and has not finished. Terminating
  pods stay in EndpointSlices (conditions ``terminating: true``, ``serving`` = still Ready) so a
  proxy can tell draining from gone; the legacy Endpoints object leaves them out.
- ``ready`` = Ready and not terminating (``publishNotReadyAddresses`` makes every endpoint ready).
- A named ``targetPort`` is looked up in each pod's container ports; pods that resolve the
  Service's ports to different numbers go to different slices (one slice per port set), and a pod
  lacking a named port is left out of that port.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from graceroll.api.discovery_v1 import MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL
from graceroll.api.meta import Obj
from graceroll.controllers import podutil

FINISHED = ("Succeeded", "Failed")

PortKey = tuple[tuple[str, int, str, str], ...]  # (name, port, protocol, appProtocol) per port


@dataclass(frozen=True)
class Endpoint:
    pod: Obj
    ready: bool
    serving: bool
    terminating: bool

    @property
    def ip(self) -> str:
        return str(self.pod["status"]["podIP"])


def selects(svc: Obj, pod: Obj) -> bool:
    """A Service selects pods whose labels hold every pair of its (non-empty) selector."""
    selector = (svc.get("spec") or {}).get("selector") or {}
    labels = pod["metadata"].get("labels") or {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def endpoint(svc: Obj, pod: Obj) -> Endpoint | None:
    """The pod as an endpoint of ``svc``, or None when it cannot take traffic at all."""
    if not (pod.get("status") or {}).get("podIP") or podutil.phase(pod) in FINISHED:
        return None
    serving = podutil.is_ready(pod)
    terminating = bool(pod["metadata"].get("deletionTimestamp"))
    publish = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
    return Endpoint(pod, publish or (serving and not terminating), serving, terminating)


def resolve_ports(svc: Obj, pod: Obj) -> PortKey:
    """The Service's ports as this pod serves them (named target ports looked up in the pod)."""
    named = {p["name"]: p["containerPort"] for c in pod["spec"].get("containers") or () for p in c.get("ports") or () if p.get("name")}
    out = []
    for sp in (svc.get("spec") or {}).get("ports") or ():
        target = sp.get("targetPort", sp.get("port"))
        number = named.get(target) if isinstance(target, str) else target
        if number is not None:
            out.append((sp.get("name") or "", int(number), sp.get("protocol") or "TCP", sp.get("appProtocol") or ""))
    return tuple(out)


def slice_name(svc: Obj, ports: PortKey) -> str:
    """``<service>-<5 characters>``: stable for a Service and port set, so reconciles find their slice."""
    digest = hashlib.sha256(f"{svc['metadata'].get('uid')}/{ports}".encode()).hexdigest()
    return f"{svc['metadata']['name'][:57]}-{digest[:5]}"


def desired_slices(svc: Obj, pods: Iterable[Obj]) -> list[Obj]:
    groups: dict[PortKey, list[Endpoint]] = {}
    for pod in sorted(pods, key=lambda p: str(p["metadata"]["name"])):
        ep = endpoint(svc, pod) if selects(svc, pod) else None
        if ep is not None:
            groups.setdefault(resolve_ports(svc, pod), []).append(ep)
    if not groups:  # upstream keeps an empty placeholder slice: "selects nothing" is visible
        return [_slice(svc, (), [])]
    return [_slice(svc, ports, eps) for ports, eps in sorted(groups.items())]


def _slice(svc: Obj, ports: PortKey, eps: list[Endpoint]) -> Obj:
    md = svc["metadata"]
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": slice_name(svc, ports),
            "namespace": md["namespace"],
            "labels": {SERVICE_NAME_LABEL: md["name"], MANAGED_BY_LABEL: MANAGED_BY},
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Service", "name": md["name"], "uid": md["uid"], "controller": True, "blockOwnerDeletion": True}
            ],
        },
        "addressType": "IPv4",
        "ports": [_port(name, port, proto, app) for name, port, proto, app in ports],
        "endpoints": [_endpoint_entry(ep) for ep in eps],
    }


def _port(name: str, port: int, protocol: str, app_protocol: str) -> Obj:
    out: Obj = {"name": name, "port": port, "protocol": protocol}
    if app_protocol:
        out["appProtocol"] = app_protocol
    return out


def _endpoint_entry(ep: Endpoint) -> Obj:
    md = ep.pod["metadata"]
    out: Obj = {
        "addresses": [ep.ip],
        "conditions": {"ready": ep.ready, "serving": ep.serving, "terminating": ep.terminating},
        "targetRef": {"kind": "Pod", "namespace": md["namespace"], "name": md["name"], "uid": md.get("uid")},
    }
    if ep.pod["spec"].get("nodeName"):
        out["nodeName"] = ep.pod["spec"]["nodeName"]
    return out


def desired_endpoints(svc: Obj, pods: Iterable[Obj]) -> Obj:
    """The legacy ``v1 Endpoints``: one subset per port set; terminating pods left out."""
    groups: dict[PortKey, tuple[list[Obj], list[Obj]]] = {}
    for pod in sorted(pods, key=lambda p: str(p["metadata"]["name"])):
        ep = endpoint(svc, pod) if selects(svc, pod) else None
        if ep is None or (ep.terminating and not ep.ready):
            continue
        ready, not_ready = groups.setdefault(resolve_ports(svc, pod), ([], []))
        md = pod["metadata"]
        address = {"ip": ep.ip, "targetRef": {"kind": "Pod", "namespace": md["namespace"], "name": md["name"], "uid": md.get("uid")}}
        (ready if ep.ready else not_ready).append(address)
    md = svc["metadata"]
    out: Obj = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": md["name"], "namespace": md["namespace"], "labels": dict(md.get("labels") or {})},
    }
    subsets = []
    for ports, (ready, not_ready) in sorted(groups.items()):
        subset: Obj = {"ports": [_port(n, p, proto, app) for n, p, proto, app in ports]}
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        subsets.append(subset)
    if subsets:
        out["subsets"] = subsets
    return out
