"""Which addresses the proxy listens on and where each sends traffic (pure).

Per Service with a cluster IP and per TCP port: a listener on ``clusterIP:port``, and one on
``127.0.0.1:nodePort`` when the port has a node port. Backends are the endpoints whose
``conditions.ready`` is true (a missing condition counts as ready, as upstream), at the port
of the same name in their slice, ordered by address. The mode is HTTP when the Service port's
``appProtocol`` (or the slice port's) is ``http``, else L4.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from graceroll.api.discovery_v1 import SERVICE_NAME_LABEL
from graceroll.api.meta import Obj

Mode = Literal["l4", "http"]
Address = tuple[str, int]  # host, port
NODE_HOST = "127.0.0.1"


@dataclass(frozen=True)
class Route:
    service: str  # namespace/name:port-name, for logs
    mode: Mode
    backends: tuple[Address, ...]


def build(services: Iterable[Obj], slices: Iterable[Obj]) -> dict[Address, Route]:
    by_service: dict[tuple[str, str], list[Obj]] = {}
    for s in slices:
        md = s["metadata"]
        name = (md.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if name:
            by_service.setdefault((md["namespace"], name), []).append(s)
    routes: dict[Address, Route] = {}
    for svc in sorted(services, key=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"])):
        md, spec = svc["metadata"], svc.get("spec") or {}
        ip = spec.get("clusterIP")
        if not ip or ip == "None" or not _is_ipv4(ip):
            continue
        svc_slices = by_service.get((md["namespace"], md["name"]), [])
        for port in spec.get("ports") or ():
            if (port.get("protocol") or "TCP") != "TCP" or not port.get("port"):
                continue
            name = port.get("name") or ""
            mode: Mode = "http" if _is_http(port.get("appProtocol")) or _slice_says_http(svc_slices, name) else "l4"
            route = Route(f"{md['namespace']}/{md['name']}:{name or port['port']}", mode, backends(svc_slices, name))
            routes.setdefault((ip, int(port["port"])), route)
            if port.get("nodePort"):
                routes.setdefault((NODE_HOST, int(port["nodePort"])), route)
    return routes


def backends(slices: Iterable[Obj], port_name: str) -> tuple[Address, ...]:
    out: set[Address] = set()
    for s in slices:
        number = next((p.get("port") for p in s.get("ports") or () if (p.get("name") or "") == port_name), None)
        if number is None:
            continue
        for ep in s.get("endpoints") or ():
            if (ep.get("conditions") or {}).get("ready", True) is not False:
                out.update((a, int(number)) for a in ep.get("addresses") or ())
    return tuple(sorted(out, key=lambda a: (ipaddress.IPv4Address(a[0]), a[1])))


def addresses_in(slices: Iterable[Obj]) -> set[str]:
    """Every pod address any slice still lists (ready or not)."""
    return {a for s in slices for ep in s.get("endpoints") or () for a in ep.get("addresses") or ()}


def _slice_says_http(slices: list[Obj], port_name: str) -> bool:
    return any(_is_http(p.get("appProtocol")) for s in slices for p in s.get("ports") or () if (p.get("name") or "") == port_name)


def _is_http(app_protocol: object) -> bool:
    return isinstance(app_protocol, str) and app_protocol.lower() == "http"


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True
