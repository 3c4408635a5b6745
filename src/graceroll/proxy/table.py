"""The routing table the engine hands a data plane: every listener's route, and the pod addresses
the EndpointSlices still list (ready or not), so a data plane knows when a draining mark can go.

It crosses a process boundary (the built-in data plane runs on its own), so it has a plain JSON
form; ``from_json(to_json(t)) == t``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from graceroll.api.meta import Obj
from graceroll.proxy import routes
from graceroll.proxy.routes import Address, Mode, Route


@dataclass(frozen=True)
class Table:
    routes: Mapping[Address, Route] = field(default_factory=dict)
    present: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, Any]:
        return {
            "routes": [
                {"host": a[0], "port": a[1], "service": r.service, "mode": r.mode, "backends": [list(b) for b in r.backends]}
                for a, r in self.routes.items()
            ],
            "present": sorted(self.present),
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Table:
        table: dict[Address, Route] = {}
        for r in data.get("routes") or ():
            backends = tuple((str(h), int(p)) for h, p in r["backends"])
            table[(str(r["host"]), int(r["port"]))] = Route(str(r["service"]), cast(Mode, r["mode"]), backends)
        return Table(table, frozenset(str(a) for a in data.get("present") or ()))


def compute(services: Iterable[Obj], slices: Iterable[Obj]) -> Table:
    """The table for these Services and EndpointSlices (``routes.build``)."""
    slices = list(slices)
    return Table(routes.build(services, slices), frozenset(routes.addresses_in(slices)))
