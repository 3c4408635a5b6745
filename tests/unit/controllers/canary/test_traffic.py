"""``status.trafficRouting`` as the steps set it (``controllers/canary/traffic.py``), table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.canary import traffic

Obj = dict[str, Any]
BETA: list[Obj] = [{"headerName": "X-Beta", "headerValue": {"exact": "1"}}]
MOBILE: list[Obj] = [{"headerName": "User-Agent", "headerValue": {"regex": ".*Mobile.*"}}]
STEPS: list[Obj] = [
    {"partition": 9},  # 0
    {"trafficWeight": 10},  # 1
    {"pause": {}},  # 2
    {"trafficHeaderRoute": {"name": "beta", "match": BETA}},  # 3
    {"hook": {"templateName": "judge"}},  # 4
    {"trafficHeaderRoute": {"name": "mobile", "match": MOBILE}},  # 5
    {"trafficHeaderRoute": {"name": "beta"}},  # 6: no match removes the route
    {"partition": 5},  # 7
    {"trafficWeight": 50},  # 8
    {"partition": 0},  # 9
]


@pytest.mark.parametrize(
    ("index", "want"),
    [
        pytest.param(0, None, id="(step 1/10) nothing set yet: every ready pod"),
        pytest.param(1, {"canaryRevision": "b", "weight": 10}, id="(step 2/10) the weight step sets it"),
        pytest.param(2, {"canaryRevision": "b", "weight": 10}, id="(step 3/10) kept through a pause"),
        pytest.param(3, {"canaryRevision": "b", "weight": 10, "headerRoutes": [{"name": "beta", "match": BETA}]}, id="(step 4/10) a header route is added"),
        pytest.param(4, {"canaryRevision": "b", "weight": 10, "headerRoutes": [{"name": "beta", "match": BETA}]}, id="(step 5/10) kept through a hook"),
        pytest.param(5, {"canaryRevision": "b", "weight": 10, "headerRoutes": [{"name": "beta", "match": BETA}, {"name": "mobile", "match": MOBILE}]}, id="(step 6/10) routes accumulate"),
        pytest.param(6, {"canaryRevision": "b", "weight": 10, "headerRoutes": [{"name": "mobile", "match": MOBILE}]}, id="(step 7/10) a route without match is removed"),
        pytest.param(7, {"canaryRevision": "b", "weight": 10, "headerRoutes": [{"name": "mobile", "match": MOBILE}]}, id="(step 8/10) kept through a partition step"),
        pytest.param(8, {"canaryRevision": "b", "weight": 50, "headerRoutes": [{"name": "mobile", "match": MOBILE}]}, id="(step 9/10) a later weight replaces it"),
        pytest.param(10, None, id="(done) cleared once every step is done"),
    ],
)
def test_planned_folds_the_steps_up_to_the_current_one(index: int, want: Obj | None) -> None:
    assert traffic.planned(STEPS, index, "b") == want


@pytest.mark.parametrize(
    ("index", "revision", "previous", "pods", "want"),
    [
        pytest.param(2, "b", {"canaryRevision": "b", "weight": 10}, "aaab", {"canaryRevision": "b", "weight": 10}, id="the steps decide while they run"),
        pytest.param(10, "a", {"canaryRevision": "b", "weight": 10}, "aaab", {"canaryRevision": "b", "weight": 0}, id="cancelled or aborted: the left canary gets weight 0"),
        pytest.param(10, "a", {"canaryRevision": "b", "weight": 0}, "aaaa", None, id="cleared once the left canary's pods are gone"),
        pytest.param(0, "c", {"canaryRevision": "b", "weight": 10, "headerRoutes": [{"name": "beta", "match": BETA}]}, "aabb", {"canaryRevision": "b", "weight": 0}, id="a new revision mid-canary: the old canary gets weight 0, no routes"),
        pytest.param(1, "c", {"canaryRevision": "b", "weight": 0}, "acbb", {"canaryRevision": "c", "weight": 10}, id="until the new revision's own traffic step"),
        pytest.param(10, "b", {"canaryRevision": "b", "weight": 50}, "bbbb", None, id="completed: the canary is the only revision"),
        pytest.param(0, "a", None, "aaaa", None, id="no canary, nothing to route"),
    ],
)
def test_routing_turns_a_left_canary_to_weight_0(index: int, revision: str, previous: Obj | None, pods: str, want: Obj | None) -> None:
    """``pods``: one letter per live pod, its revision."""
    assert traffic.routing(STEPS, index, revision, previous, pods) == want


@pytest.mark.parametrize(
    ("routing", "text"),
    [
        pytest.param(None, "every ready pod", id="none"),
        pytest.param({"canaryRevision": "web-7c9", "weight": 10}, "10% to revision web-7c9", id="weight"),
        pytest.param({"canaryRevision": "web-7c9", "weight": 0, "headerRoutes": [{"name": "beta", "match": BETA}]}, "0% and header route beta to revision web-7c9", id="weight and a route"),
        pytest.param({"canaryRevision": "web-7c9", "headerRoutes": [{"name": "a", "match": BETA}, {"name": "b", "match": MOBILE}]}, "header routes a, b to revision web-7c9; the rest to every ready pod", id="routes alone"),
    ],
)
def test_describe(routing: Obj | None, text: str) -> None:
    assert traffic.describe(routing) == text
