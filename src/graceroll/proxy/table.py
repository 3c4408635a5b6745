"""The routing table the engine hands a data plane: every listener's route, and the pod addresses
the EndpointSlices still list (ready or not), so a data plane knows when a draining mark can go.

A route carries, per backend, its pod's name and revision, and the traffic split of the pods'
workload, if it has one (``proxy.split``).

It crosses a process boundary (the built-in data plane runs on its own), so it has a plain JSON
form; ``from_json(to_json(t)) == t``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from graceroll.api.meta import Obj
from graceroll.proxy import routes
from graceroll.proxy.owners import Owners
from graceroll.proxy.routes import Address, Endpoint, Mode, Route
from graceroll.proxy.split import Split


@dataclass(frozen=True)
class Table:
    routes: Mapping[Address, Route] = field(default_factory=dict)
    present: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, Any]:
        return {"routes": [_route_json(a, r) for a, r in self.routes.items()], "present": sorted(self.present)}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Table:
        table: dict[Address, Route] = {}
        for r in data.get("routes") or ():
            backends = tuple((str(h), int(p)) for h, p in r["backends"])
            endpoints = {(str(h), int(p)): Endpoint(str(pod), str(rev)) for h, p, pod, rev in r.get("endpoints") or ()}
            split = Split.from_json(r["split"]) if r.get("split") else None
            table[(str(r["host"]), int(r["port"]))] = Route(str(r["service"]), cast(Mode, r["mode"]), backends, endpoints, split)
        return Table(table, frozenset(str(a) for a in data.get("present") or ()))


def _route_json(address: Address, r: Route) -> dict[str, Any]:
    out: dict[str, Any] = {"host": address[0], "port": address[1], "service": r.service, "mode": r.mode, "backends": [list(b) for b in r.backends]}
    if r.endpoints:
        out["endpoints"] = [[b[0], b[1], ep.pod, ep.revision] for b, ep in r.endpoints.items()]
    if r.split is not None:
        out["split"] = r.split.to_json()
    return out


def compute(services: Iterable[Obj], slices: Iterable[Obj], owners: Owners | None = None) -> Table:
    """The table for these Services and EndpointSlices (``routes.build``); with ``owners``, each
    backend's pod and revision and each route's split too."""
    slices = list(slices)
    return Table(routes.build(services, slices, owners), frozenset(routes.addresses_in(slices)))
