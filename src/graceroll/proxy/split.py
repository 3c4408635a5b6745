"""Traffic splitting between a workload's canary revision and its other revisions (pure).

The seam: a workload whose pods a Service selects (CloneSet, GameStatefulSet, Deployment, ...)
may carry, in its status, graceroll's extension::

    status:
      trafficRouting:
        canaryRevision: "<revision label value>"   # the pods' revision label (see proxy.owners)
        weight: 10                                  # 0..100, optional: absent means no weight split
        headerRoutes:                               # optional
          - name: beta-testers
            match:
              - headerName: X-Canary
                headerValue: {exact: "yes"}         # or {prefix: "..."} or {regex: "..."}

The canary step controllers write it; the data planes read it (``proxy.owners`` finds it on a
pod's owner). What it does, on both data planes, to a Service whose ready endpoints include pods
of that workload (Argo Rollouts' ``setWeight`` and ``setHeaderRoute``, without a mesh):

- **weight** ``w``: requests (HTTP handling) or new connections (L4) go ``w``% to the endpoints of
  ``canaryRevision`` and the rest to the other endpoints, whatever the pod counts: a smooth
  weighted round-robin between the two groups (``Smooth``: exactly ``w`` of every 100 choices),
  then round-robin inside the group. A group with no usable endpoint (none ready, or every one
  draining) gives its share to the other: a request never fails because one side is empty.
  Without ``weight`` the endpoints are balanced as if there were no split.
- **headerRoutes**: an HTTP request that matches any route goes to the canary endpoints only
  (to the others if no canary endpoint is usable). A route matches when every entry of its
  ``match`` does: some header of that name (case-insensitive) whose whole value is ``exact``,
  starts with ``prefix``, or matches ``regex`` in full (anchored at both ends, as Envoy and Istio
  match). Connections handled as L4 (also ``auto`` ports whose first bytes are not HTTP) carry no
  headers: there, only the weight applies.
- Draining marks still win: a draining pod gets nothing new, whatever its group.
- Retries (a connect that failed, an idempotent request whose kept-alive connection was closed)
  go to the chosen group's other endpoints first, then to the other group's.

A ``trafficRouting`` that does not parse is ignored (plain balancing), and the engine logs why,
naming the field (``parse``), as validation would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from graceroll.proxy.routes import Address

MatchKind = Literal["exact", "prefix", "regex"]
MATCH_KINDS: tuple[MatchKind, ...] = ("exact", "prefix", "regex")
FIELD = "status.trafficRouting"
TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP field name (RFC 9110 section 5.1)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class InvalidRouting(ValueError):
    """A ``trafficRouting`` that cannot be applied; the message names the field."""


@dataclass(frozen=True)
class HeaderMatch:
    header: str  # as written; compared case-insensitively
    kind: MatchKind
    value: str


@dataclass(frozen=True)
class HeaderRoute:
    name: str
    match: tuple[HeaderMatch, ...]


@dataclass(frozen=True)
class TrafficRouting:
    """A workload's ``status.trafficRouting``, parsed."""

    canary_revision: str
    weight: int | None = None
    header_routes: tuple[HeaderRoute, ...] = ()


@dataclass(frozen=True)
class Split:
    """One route's split: which of its backends are the canary revision's, and the routing."""

    revision: str
    canary: tuple[Address, ...]  # a subset of the route's backends
    weight: int | None = None
    header_routes: tuple[HeaderRoute, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"revision": self.revision, "canary": [list(a) for a in self.canary], "weight": self.weight, "headerRoutes": routes_to_json(self.header_routes)}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Split:
        routing = parse({"trafficRouting": {"canaryRevision": data["revision"], "weight": data.get("weight"), "headerRoutes": data.get("headerRoutes") or []}})
        assert routing is not None
        return Split(routing.canary_revision, tuple((str(h), int(p)) for h, p in data.get("canary") or ()), routing.weight, routing.header_routes)


def parse(status: Mapping[str, Any] | None) -> TrafficRouting | None:
    """``status.trafficRouting`` of a workload; None when absent. Raises ``InvalidRouting``."""
    raw = (status or {}).get("trafficRouting")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidRouting(f"{FIELD}: Invalid value: must be an object")
    canary = raw.get("canaryRevision")
    if not isinstance(canary, str) or not canary:
        raise InvalidRouting(f"{FIELD}.canaryRevision: Required value: the revision label value of the canary pods")
    weight = raw.get("weight")
    if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100):
        raise InvalidRouting(f"{FIELD}.weight: Invalid value: {weight!r}: must be an integer from 0 to 100")
    routes = raw.get("headerRoutes")
    if routes is None:
        routes = []
    if not isinstance(routes, list):
        raise InvalidRouting(f"{FIELD}.headerRoutes: Invalid value: must be a list")
    return TrafficRouting(canary, weight, tuple(_route(r, f"{FIELD}.headerRoutes[{i}]") for i, r in enumerate(routes)))


def _route(raw: object, path: str) -> HeaderRoute:
    if not isinstance(raw, Mapping):
        raise InvalidRouting(f"{path}: Invalid value: must be an object")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidRouting(f"{path}.name: Required value")
    match = raw.get("match")
    if not isinstance(match, list) or not match:
        raise InvalidRouting(f"{path}.match: Required value: at least one header to match")
    return HeaderRoute(name, tuple(_match(m, f"{path}.match[{i}]") for i, m in enumerate(match)))


def _match(raw: object, path: str) -> HeaderMatch:
    if not isinstance(raw, Mapping):
        raise InvalidRouting(f"{path}: Invalid value: must be an object")
    header = raw.get("headerName")
    if not isinstance(header, str) or not TOKEN.match(header):
        raise InvalidRouting(f"{path}.headerName: Invalid value: {header!r}: must be an HTTP header name")
    value = raw.get("headerValue")
    kinds = [k for k in MATCH_KINDS if isinstance(value, Mapping) and k in value]
    if not isinstance(value, Mapping) or len(kinds) != 1 or len(value) != 1:
        raise InvalidRouting(f"{path}.headerValue: Invalid value: must have exactly one of exact, prefix, regex")
    kind = kinds[0]
    text = value[kind]
    if not isinstance(text, str) or CONTROL.search(text):
        raise InvalidRouting(f"{path}.headerValue.{kind}: Invalid value: must be a string without control characters")
    if kind == "regex":
        try:
            re.compile(text)
        except re.error as e:
            raise InvalidRouting(f"{path}.headerValue.regex: Invalid value: {text!r}: {e}") from e
    return HeaderMatch(header, kind, text)


def routes_to_json(routes: Iterable[HeaderRoute]) -> list[dict[str, Any]]:
    """The ``headerRoutes`` form (what ``parse`` reads back)."""
    return [{"name": r.name, "match": [{"headerName": m.header, "headerValue": {m.kind: m.value}} for m in r.match]} for r in routes]


Headers = Sequence[tuple[bytes, bytes]]
_Test = Callable[[bytes], bool]


def matcher(routes: Sequence[HeaderRoute]) -> Callable[[Headers], bool] | None:
    """A test of a request's headers (name, value pairs as they came) against ``routes``, or None
    without routes. Compiled once per route change into a table by header name (and the set of
    their lengths, so most headers are passed over without even lowering their name); a request
    allocates only when it has a header some route names."""
    if not routes:
        return None
    by_name: dict[bytes, list[tuple[int, _Test]]] = {}
    wanted: list[frozenset[int]] = []  # per route: the numbers of its entries
    entry = 0
    for r in routes:
        numbers = []
        for m in r.match:
            by_name.setdefault(m.header.lower().encode("latin-1"), []).append((entry, _value_test(m)))
            numbers.append(entry)
            entry += 1
        wanted.append(frozenset(numbers))
    lengths = frozenset(len(n) for n in by_name)

    def matches(headers: Headers) -> bool:
        hit: set[int] | None = None
        for name, value in headers:
            if len(name) not in lengths:
                continue
            tests = by_name.get(name.lower())
            if tests is not None:
                for number, test in tests:
                    if test(value):
                        if hit is None:
                            hit = set()
                        hit.add(number)
        return hit is not None and any(w <= hit for w in wanted)

    return matches


def _value_test(m: HeaderMatch) -> _Test:
    want = m.value.encode("latin-1", "replace")
    if m.kind == "exact":
        return lambda v: v == want
    if m.kind == "prefix":
        return lambda v: v.startswith(want)
    pattern = re.compile(want)
    return lambda v: pattern.fullmatch(v) is not None


class Smooth:
    """Smooth weighted round-robin between the canary (``weight``) and the rest (100 − weight),
    nginx's algorithm: in every 100 consecutive choices exactly ``weight`` are canary, spread
    evenly (weight 10: every tenth), deterministic."""

    __slots__ = ("_canary", "_stable", "weight")

    def __init__(self, weight: int) -> None:
        self.weight = weight
        self._canary = 0
        self._stable = 0

    def next_is_canary(self) -> bool:
        self._canary += self.weight
        self._stable += 100 - self.weight
        if self._canary >= self._stable:
            self._canary -= 100
            return True
        self._stable -= 100
        return False


def of(routing: TrafficRouting, backends: Iterable[Address], revision_of: Mapping[Address, str]) -> Split:
    """The split of one route: its backends whose pod is of the canary revision form the canary group."""
    canary = tuple(b for b in backends if revision_of.get(b) == routing.canary_revision)
    return Split(routing.canary_revision, canary, routing.weight, routing.header_routes)

