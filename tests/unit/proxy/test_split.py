"""``status.trafficRouting``: what parses and what is refused (naming the field), header matching,
and the smooth weighted round-robin that makes a weight an exact share."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.proxy import split
from graceroll.proxy.split import HeaderMatch, HeaderRoute, InvalidRouting, Smooth, Split, TrafficRouting


def routing(**fields: Any) -> dict[str, Any]:
    return {"trafficRouting": {"canaryRevision": "web-2", **fields}}


def route(name: str, *matches: tuple[str, str, str]) -> dict[str, Any]:
    return {"name": name, "match": [{"headerName": h, "headerValue": {kind: v}} for h, kind, v in matches]}


def test_a_full_routing_parses() -> None:
    got = split.parse(routing(weight=10, headerRoutes=[route("beta", ("X-User", "prefix", "beta-"), ("X-Ring", "exact", "1"))]))
    assert got == TrafficRouting("web-2", 10, (HeaderRoute("beta", (HeaderMatch("X-User", "prefix", "beta-"), HeaderMatch("X-Ring", "exact", "1"))),))
    assert split.parse({}) is None and split.parse(None) is None
    assert split.parse(routing()) == TrafficRouting("web-2")  # no weight: no weight split


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ({"trafficRouting": "web-2"}, "status.trafficRouting: Invalid value: must be an object"),
        ({"trafficRouting": {"weight": 10}}, "status.trafficRouting.canaryRevision: Required value"),
        (routing(weight=101), "status.trafficRouting.weight: Invalid value: 101: must be an integer from 0 to 100"),
        (routing(weight=True), "status.trafficRouting.weight: Invalid value: True"),
        (routing(weight="10"), "status.trafficRouting.weight: Invalid value: '10'"),
        (routing(headerRoutes={}), "status.trafficRouting.headerRoutes: Invalid value: must be a list"),
        (routing(headerRoutes=[{"name": "a", "match": []}]), "status.trafficRouting.headerRoutes[0].match: Required value"),
        (routing(headerRoutes=[route("a", ("X A", "exact", "1"))]), "status.trafficRouting.headerRoutes[0].match[0].headerName: Invalid value: 'X A'"),
        (routing(headerRoutes=[{"name": "a", "match": [{"headerName": "X", "headerValue": {"exact": "1", "prefix": "1"}}]}]), "headerValue: Invalid value: must have exactly one of"),
        (routing(headerRoutes=[route("a", ("X", "regex", "(unclosed"))]), "status.trafficRouting.headerRoutes[0].match[0].headerValue.regex: Invalid value: '(unclosed'"),
        (routing(headerRoutes=[route("a", ("X", "exact", "a\nb"))]), "headerValue.exact: Invalid value: must be a string without control characters"),
    ],
)
def test_bad_routings_are_refused_naming_the_field(status: dict[str, Any], error: str) -> None:
    with pytest.raises(InvalidRouting) as e:
        split.parse(status)
    assert error in str(e.value)


def headers(**pairs: str) -> list[tuple[bytes, bytes]]:
    return [(k.replace("_", "-").encode(), v.encode()) for k, v in pairs.items()]


def test_a_route_matches_when_all_its_entries_do_and_any_route_pins() -> None:
    routes = [
        HeaderRoute("beta", (HeaderMatch("X-User", "prefix", "beta-"), HeaderMatch("x-ring", "exact", "1"))),
        HeaderRoute("rc", (HeaderMatch("X-Build", "regex", "[0-9]+-rc"),)),
    ]
    matches = split.matcher(routes)
    assert matches is not None
    assert matches(headers(x_user="beta-7", X_RING="1"))  # names case-insensitive
    assert not matches(headers(x_user="beta-7"))  # one entry of two
    assert not matches(headers(x_user="Beta-7", x_ring="1"))  # values are not
    assert matches(headers(X_Build="12-rc"))
    assert not matches(headers(X_Build="12-rc1")) and not matches(headers(X_Build="v12-rc"))  # a regex matches the whole value
    assert matches([(b"X-Build", b"1"), (b"X-Build", b"12-rc")])  # any occurrence
    assert split.matcher([]) is None


@pytest.mark.parametrize("weight", range(101))
def test_every_100_choices_hold_exactly_weight_canary_ones(weight: int) -> None:
    smooth = Smooth(weight)
    picks = [smooth.next_is_canary() for _ in range(1000)]
    for start in (0, 37, 100, 899):
        assert sum(picks[start : start + 100]) == weight


def test_the_canary_choices_are_spread_evenly() -> None:
    smooth = Smooth(10)
    at = [i for i in range(30) if smooth.next_is_canary()]
    assert len(at) == 3 and at[1] - at[0] == at[2] - at[1] == 10  # every tenth
    half = Smooth(50)
    assert [half.next_is_canary() for _ in range(6)] in ([True, False] * 3, [False, True] * 3)


def test_a_split_is_the_canary_revisions_backends_and_crosses_as_json() -> None:
    a, b, c = ("127.10.0.1", 80), ("127.10.0.2", 80), ("127.10.0.3", 80)
    r = split.parse(routing(weight=30, headerRoutes=[route("x", ("X", "regex", "a|b"))]))
    assert r is not None
    s = split.of(r, (a, b, c), {a: "web-1", b: "web-2", c: "web-2"})
    assert s == Split("web-2", (b, c), 30, r.header_routes)
    assert Split.from_json(s.to_json()) == s
