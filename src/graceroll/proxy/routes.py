"""Which addresses the proxy listens on and where each sends traffic (pure).

Per Service with a cluster IP and per TCP port: a listener on ``clusterIP:port``, and one on
``127.0.0.1:nodePort`` when the port has a node port. Backends are the endpoints whose
``conditions.ready`` is true (a missing condition counts as ready, as upstream), at the port
of the same name in their slice (slices of one Service may resolve it to different numbers),
ordered by address. Headless Services (``clusterIP: None``) get no listener.

The mode of a Service port (``port_mode``), first rule that applies:

1. ``appProtocol`` (the Service port's, else the slice port's, which the endpoints controller
   copies): ``http`` or ``kubernetes.io/ws`` (WebSocket: HTTP with Upgrade) → ``http``, any
   other value (``tcp``, ``kubernetes.io/h2c``, ``grpc``, ``https``, ``kubernetes.io/wss``, ...)
   → ``l4``. The field is explicit, so it wins over the name.
2. The port's name is ``http`` or ``http-<suffix>`` (the service-mesh naming convention) → ``http``.
3. Otherwise ``auto``: each connection's first bytes decide (``sniff``).

With an ``Owners`` (the engine's store lookups), each backend also carries its pod's name and
revision (``Endpoint``), and a route whose backends include pods of a workload with
``status.trafficRouting`` carries that ``split`` (``proxy.split``). When pods of several such
workloads back one Service, the first workload by kind, namespace and name decides; the pods of
the others count as not canary.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeGuard

from graceroll.api.discovery_v1 import SERVICE_NAME_LABEL
from graceroll.api.meta import Obj
from graceroll.proxy import split as splitting

if TYPE_CHECKING:
    from graceroll.proxy.owners import Owners, PodInfo, WorkloadKey

Mode = Literal["l4", "http", "auto"]
Address = tuple[str, int]  # host, port
NODE_HOST = "127.0.0.1"
HTTP_APP_PROTOCOLS = frozenset({"http", "kubernetes.io/ws"})


@dataclass(frozen=True)
class Endpoint:
    pod: str
    revision: str  # the pod's revision label value ("" when it has none, or the pod is unknown)


@dataclass(frozen=True)
class Route:
    service: str  # namespace/name:port
    mode: Mode
    backends: tuple[Address, ...]
    endpoints: Mapping[Address, Endpoint] = field(default_factory=dict)  # per backend, when known
    split: splitting.Split | None = None

    @property
    def namespace_name(self) -> tuple[str, str]:
        """The Service's namespace and name (``service`` without the port)."""
        namespace, _, rest = self.service.partition("/")
        return namespace, rest.rpartition(":")[0] or rest

    def revision(self, backend: Address) -> str:
        ep = self.endpoints.get(backend)
        return ep.revision if ep else ""


@dataclass(frozen=True)
class ListenerPlan:
    """What a sync does to the listeners: close first (frees the address), then open, then update."""

    close: tuple[Address, ...] = ()
    open: tuple[Address, ...] = ()
    update: tuple[Address, ...] = ()


def build(services: Iterable[Obj], slices: Iterable[Obj], owners: Owners | None = None) -> dict[Address, Route]:
    """The routing table; when two Services claim one address the first by namespace/name wins."""
    by_service: dict[tuple[str, str], list[Obj]] = {}
    for s in slices:
        md = s["metadata"]
        name = (md.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if name:
            by_service.setdefault((md.get("namespace") or "default", name), []).append(s)
    table: dict[Address, Route] = {}
    for svc in sorted(services, key=lambda s: (s["metadata"].get("namespace") or "", s["metadata"]["name"])):
        md, spec = svc["metadata"], svc.get("spec") or {}
        ip = spec.get("clusterIP")
        if not _is_ipv4(ip):  # unallocated, or "None" (headless)
            continue
        namespace = md.get("namespace") or "default"
        svc_slices = by_service.get((namespace, md["name"]), [])
        for port in spec.get("ports") or ():
            if (port.get("protocol") or "TCP") != "TCP" or not port.get("port"):
                continue
            name = port.get("name") or ""
            app_protocol = port.get("appProtocol") or next((p["appProtocol"] for p in _slice_ports(svc_slices, name) if p.get("appProtocol")), None)
            ready = backends(svc_slices, name)
            endpoints, split = _endpoints(svc_slices, name, ready, owners) if owners is not None else ({}, None)
            route = Route(f"{namespace}/{md['name']}:{name or port['port']}", port_mode(name, app_protocol), ready, endpoints, split)
            table.setdefault((ip, int(port["port"])), route)
            if port.get("nodePort"):
                table.setdefault((NODE_HOST, int(port["nodePort"])), route)
    return table


def port_mode(name: str, app_protocol: object) -> Mode:
    """How a Service port's connections are handled (the rules in the module docstring)."""
    if isinstance(app_protocol, str) and app_protocol:
        return "http" if app_protocol.lower() in HTTP_APP_PROTOCOLS else "l4"
    if name == "http" or name.startswith("http-"):
        return "http"
    return "auto"


def backends(slices: Iterable[Obj], port_name: str) -> tuple[Address, ...]:
    """Ready endpoints at the port named ``port_name`` in their own slice, ordered by address."""
    out: set[Address] = set()
    for s in slices:
        number = next((p.get("port") for p in s.get("ports") or () if (p.get("name") or "") == port_name), None)
        if not number:
            continue
        for ep in s.get("endpoints") or ():
            if (ep.get("conditions") or {}).get("ready") is not False:
                out.update((a, int(number)) for a in ep.get("addresses") or () if _is_ipv4(a))
    return tuple(sorted(out, key=lambda a: (ipaddress.IPv4Address(a[0]), a[1])))


def _endpoints(slices: Iterable[Obj], port_name: str, ready: tuple[Address, ...], owners: Owners) -> tuple[dict[Address, Endpoint], splitting.Split | None]:
    """Each ready backend's pod and revision, and the split of the first workload among their
    owners that has a ``trafficRouting``."""
    wanted = set(ready)
    endpoints: dict[Address, Endpoint] = {}
    workload_of: dict[Address, WorkloadKey | None] = {}
    for s in slices:
        number = next((p.get("port") for p in s.get("ports") or () if (p.get("name") or "") == port_name), None)
        for ep in s.get("endpoints") or ():
            ref = ep.get("targetRef") or {}
            for a in ep.get("addresses") or ():
                address = (a, int(number or 0))
                if address in wanted and address not in endpoints:
                    info = _pod_of(ref, s, owners)
                    endpoints[address] = Endpoint(info.pod if info else str(ref.get("name") or ""), info.revision if info else "")
                    workload_of[address] = info.workload if info else None
    for workload in sorted({w for w in workload_of.values() if w is not None}):
        routing = owners.routing(workload)
        if routing is not None:
            mine = {a: endpoints[a].revision for a, w in workload_of.items() if w == workload}
            return endpoints, splitting.of(routing, ready, mine)
    return endpoints, None


def _pod_of(ref: Obj, slice_: Obj, owners: Owners) -> PodInfo | None:
    if ref.get("kind", "Pod") != "Pod" or not ref.get("name"):
        return None
    return owners.pod(str(ref.get("namespace") or slice_["metadata"].get("namespace") or "default"), str(ref["name"]))


def addresses_in(slices: Iterable[Obj]) -> set[str]:
    """Every pod address any slice still lists, ready or not."""
    return {a for s in slices for ep in s.get("endpoints") or () for a in ep.get("addresses") or ()}


def http_backends(table: Mapping[Address, Route]) -> set[Address]:
    """Backends some listener may still send HTTP requests to (``http`` and ``auto`` routes)."""
    return {b for r in table.values() if r.mode != "l4" for b in r.backends}


def plan_listeners(listening: Mapping[Address, Mode], wanted: Mapping[Address, Route]) -> ListenerPlan:
    """A listener whose mode changed is closed and opened again; one that failed to bind is not in
    ``listening`` and so is opened (retried) on every sync."""
    close = tuple(a for a, mode in listening.items() if a not in wanted or wanted[a].mode != mode)
    open_ = tuple(a for a, r in wanted.items() if listening.get(a) != r.mode)
    update = tuple(a for a, r in wanted.items() if listening.get(a) == r.mode)
    return ListenerPlan(close, open_, update)


def _slice_ports(slices: Iterable[Obj], port_name: str) -> list[Obj]:
    return [p for s in slices for p in s.get("ports") or () if (p.get("name") or "") == port_name]


def _is_ipv4(text: object) -> TypeGuard[str]:
    if not isinstance(text, str):
        return False
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True
