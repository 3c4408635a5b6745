"""A Service's address on this machine: a loopback cluster IP and, for NodePort, a host port.

Upstream the API server allocates both when the Service is created; here the endpoints controller
does it on its first look at a new Service. Nothing routes to a Service before its endpoints
exist anyway, so the short window without an address changes no behaviour users can see.

Cluster IPs come from 127.1.0.1–127.1.255.254, skipping addresses that end in .0 or .255 (valid
on ``lo``, but read as network and broadcast addresses); node ports from 30000–32767, as upstream.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from graceroll.api.meta import Obj
from graceroll.errors import GracerollError

CLUSTER_IP_FIRST = int(ipaddress.IPv4Address("127.1.0.1"))
CLUSTER_IP_LAST = int(ipaddress.IPv4Address("127.1.255.254"))
NODE_PORT_FIRST, NODE_PORT_LAST = 30000, 32767
NO_ADDRESS_TYPES = ("ExternalName",)
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


class RangeExhausted(GracerollError):
    """Every address (or node port) of the range is taken."""


def needs_cluster_ip(svc: Obj) -> bool:
    spec = svc.get("spec") or {}
    return spec.get("type", "ClusterIP") not in NO_ADDRESS_TYPES and not spec.get("clusterIP")


def used_cluster_ips(services: Iterable[Obj]) -> set[str]:
    return {ip for s in services if (ip := (s.get("spec") or {}).get("clusterIP")) and ip != "None"}


def used_node_ports(services: Iterable[Obj]) -> set[int]:
    return {p["nodePort"] for s in services for p in (s.get("spec") or {}).get("ports") or () if p.get("nodePort")}


def next_cluster_ip(used: set[str]) -> str:
    """The lowest free address of the range."""
    for n in range(CLUSTER_IP_FIRST, CLUSTER_IP_LAST + 1):
        if n & 0xFF in (0, 255):
            continue
        ip = str(ipaddress.IPv4Address(n))
        if ip not in used:
            return ip
    raise RangeExhausted("no free Service address in 127.1.0.0/16: delete Services you no longer need")


def next_node_port(used: set[int]) -> int:
    for port in range(NODE_PORT_FIRST, NODE_PORT_LAST + 1):
        if port not in used:
            return port
    raise RangeExhausted(f"no free node port in {NODE_PORT_FIRST}-{NODE_PORT_LAST}")


def assign(svc: Obj, others: list[Obj]) -> bool:
    """Give ``svc`` what it lacks (cluster IP, node ports) in place; True if anything changed."""
    spec = svc.setdefault("spec", {})
    changed = False
    if needs_cluster_ip(svc):
        ip = next_cluster_ip(used_cluster_ips(others))
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]
        changed = True
    if spec.get("type") in NODE_PORT_TYPES:
        used = used_node_ports(others) | used_node_ports([svc])
        for port in spec.get("ports") or ():
            if not port.get("nodePort"):
                port["nodePort"] = next_node_port(used)
                used.add(port["nodePort"])
                changed = True
    return changed
