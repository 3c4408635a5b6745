"""A Service's address on this machine: a loopback cluster IP and, for NodePort, a host port (pure).

Upstream the API server allocates both while it stores a new Service (``pkg/registry/core/service/
ipallocator``, ``portallocator``) and rejects a Service that asks for a taken one. Here the
endpoints controller allocates them right after creation, on its first look at the Service, with
an ``update``. That is fine because nothing can reach a Service before the proxy opens its
listener, and the proxy opens none without a cluster IP: the short window changes nothing a client
can see. Controllers run one key at a time, so two new Services never pick the same address; a
taken address the *user* asked for is kept and reported (upstream's repair loop reports the same
clash with the same reasons), because rewriting a user's field would be worse.

Cluster IPs come from 127.1.0.1–127.1.255.254, skipping addresses that end in .0 or .255 (valid on
``lo``, but read as network and broadcast addresses): 256 × 254 = 65,024 Services. Node ports come
from 30000–32767, as upstream; the proxy listens on ``127.0.0.1:<nodePort>``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from graceroll.api.meta import Obj
from graceroll.clock import parse_time
from graceroll.errors import GracerollError

CLUSTER_IP_FIRST = int(ipaddress.IPv4Address("127.1.0.1"))
CLUSTER_IP_LAST = int(ipaddress.IPv4Address("127.1.255.254"))
NODE_PORT_FIRST, NODE_PORT_LAST = 30000, 32767
HEADLESS = "None"
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")
CLUSTER_IP_TYPES = ("ClusterIP", *NODE_PORT_TYPES)

# Event reasons, as upstream's allocator repair loops spell them.
CLUSTER_IP_IN_USE = "ClusterIPAlreadyAllocated"
NODE_PORT_IN_USE = "PortAlreadyAllocated"
ALLOCATION_FAILED = "FailedToAllocate"


class RangeExhausted(GracerollError):
    """Every address (or node port) of the range is taken."""


@dataclass(frozen=True)
class Clash:
    """A value ``svc`` was given that an older Service already holds."""

    reason: str
    value: str
    holder: str  # namespace/name of the older Service

    @property
    def message(self) -> str:
        what = "Cluster IP" if self.reason == CLUSTER_IP_IN_USE else "Port"
        return f"{what} {self.value} was assigned to multiple services ({self.holder} has it); please recreate service"


def service_type(svc: Obj) -> str:
    return str((svc.get("spec") or {}).get("type") or "ClusterIP")


def needs_cluster_ip(svc: Obj) -> bool:
    """ClusterIP, NodePort and LoadBalancer Services without one; headless (``None``) never."""
    return service_type(svc) in CLUSTER_IP_TYPES and not (svc.get("spec") or {}).get("clusterIP")


def wants_node_ports(svc: Obj) -> bool:
    """NodePort always; LoadBalancer unless ``allocateLoadBalancerNodePorts: false`` (as upstream)."""
    kind = service_type(svc)
    return kind == "NodePort" or (kind == "LoadBalancer" and (svc.get("spec") or {}).get("allocateLoadBalancerNodePorts") is not False)


def cluster_ip(svc: Obj) -> str | None:
    ip = (svc.get("spec") or {}).get("clusterIP")
    return str(ip) if ip and ip != HEADLESS else None


def node_ports(svc: Obj) -> list[int]:
    return [int(p["nodePort"]) for p in (svc.get("spec") or {}).get("ports") or () if p.get("nodePort")]


def used_cluster_ips(services: Iterable[Obj]) -> set[str]:
    return {ip for s in services if (ip := cluster_ip(s))}


def used_node_ports(services: Iterable[Obj]) -> set[int]:
    return {port for s in services for port in node_ports(s)}


def next_cluster_ip(used: set[str]) -> str:
    """The lowest free address of the range."""
    for n in range(CLUSTER_IP_FIRST, CLUSTER_IP_LAST + 1):
        if n & 0xFF in (0, 255):
            continue
        ip = str(ipaddress.IPv4Address(n))
        if ip not in used:
            return ip
    raise RangeExhausted("no free Service address in 127.1.0.1-127.1.255.254: delete Services you no longer need")


def next_node_port(used: set[int]) -> int:
    """The lowest free node port of the range."""
    for port in range(NODE_PORT_FIRST, NODE_PORT_LAST + 1):
        if port not in used:
            return port
    raise RangeExhausted(f"no free node port in {NODE_PORT_FIRST}-{NODE_PORT_LAST}: delete NodePort Services you no longer need")


def assign(svc: Obj, others: list[Obj]) -> bool:
    """Give ``svc`` (a copy the caller owns) what it lacks, in place; True if anything changed.

    A missing cluster IP is allocated into ``clusterIP`` and ``clusterIPs``; a given one is kept
    and mirrored into ``clusterIPs`` when that is empty (upstream defaulting does the same). Ports
    of a NodePort Service without ``nodePort`` get the lowest free one. Raises ``RangeExhausted``.
    """
    spec = svc.setdefault("spec", {})
    changed = False
    if needs_cluster_ip(svc):
        allocated = next_cluster_ip(used_cluster_ips(others))
        spec["clusterIP"] = allocated
        spec["clusterIPs"] = [allocated]
        changed = True
    elif (given := cluster_ip(svc)) is not None and not spec.get("clusterIPs"):
        spec["clusterIPs"] = [given]
        changed = True
    if wants_node_ports(svc):
        used = used_node_ports(others) | used_node_ports([svc])
        for port in spec.get("ports") or ():
            if not port.get("nodePort"):
                port["nodePort"] = next_node_port(used)
                used.add(port["nodePort"])
                changed = True
    return changed


def clashes(svc: Obj, others: Iterable[Obj]) -> list[Clash]:
    """The cluster IP and node ports of ``svc`` that an *older* Service holds too.

    Only the younger of two Services reports, so a clash is reported once, on the Service whose
    creator chose a taken value (older = earlier creationTimestamp, then namespace/name).
    """
    mine = _age_key(svc)
    ip, ports = cluster_ip(svc), set(node_ports(svc))
    out: list[Clash] = []
    for other in sorted(others, key=_age_key):
        if _age_key(other) >= mine:
            continue
        holder = f"{other['metadata'].get('namespace') or 'default'}/{other['metadata']['name']}"
        if ip is not None and cluster_ip(other) == ip:
            out.append(Clash(CLUSTER_IP_IN_USE, ip, holder))
        out.extend(Clash(NODE_PORT_IN_USE, str(p), holder) for p in sorted(ports.intersection(node_ports(other))))
    return out


def _age_key(svc: Obj) -> tuple[float, str, str]:
    md = svc["metadata"]
    created = md.get("creationTimestamp")
    return (parse_time(created) if created else 0.0, str(md.get("namespace") or ""), str(md["name"]))
