"""Canary steps as both kinds admit them (``api/canary_steps.py``): BCS's three kinds, graceroll's
traffic steps and ``onFailure``, one error per bad field with its path; CloneSet defaults."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.api.admission import admit
from graceroll.errors import Invalid

from ..controllers.cloneset.harness import cloneset
from ..controllers.gamestatefulset.harness import gsts

Obj = dict[str, Any]
GOOD: list[Obj] = [
    {"partition": 9},
    {"trafficWeight": 10},
    {"pause": {}},
    {"trafficHeaderRoute": {"name": "beta", "match": [{"headerName": "X-Beta", "headerValue": {"exact": "1"}}, {"headerName": "User-Agent", "headerValue": {"regex": ".*Mobile.*"}}]}},
    {"hook": {"templateName": "judge", "onFailure": "Abort"}},
    {"trafficHeaderRoute": {"name": "beta"}},
    {"trafficWeight": 0},
    {"partition": 0},
]


@pytest.mark.parametrize("build", [pytest.param(gsts, id="GameStatefulSet"), pytest.param(cloneset, id="CloneSet")])
def test_both_kinds_take_every_step_kind(build: Any) -> None:
    stored = build(replicas=10, **({"steps": GOOD} if build is gsts else {"canary": {"steps": GOOD}}))
    assert stored["spec"]["updateStrategy"]["canary"]["steps"][:4] == GOOD[:4]


@pytest.mark.parametrize(
    ("step", "error"),
    [
        pytest.param({"pause": {}, "trafficWeight": 1}, "steps[0]: Invalid value: {\"pause\":{},\"trafficWeight\":1}: a step must have exactly one of partition, pause, hook, trafficWeight, trafficHeaderRoute", id="two kinds in one step"),
        pytest.param({"trafficWeight": 120}, "steps[0].trafficWeight: Invalid value: 120: must be between 0 and 100, inclusive", id="a weight above 100"),
        pytest.param({"trafficWeight": "10%"}, "steps[0].trafficWeight: Invalid value", id="a weight is an integer"),
        pytest.param({"trafficHeaderRoute": {"match": []}}, "steps[0].trafficHeaderRoute.name: Required value", id="a route needs a name"),
        pytest.param({"trafficHeaderRoute": {"name": "a", "match": [{"headerName": "X Y", "headerValue": {"exact": "1"}}]}}, 'steps[0].trafficHeaderRoute.match[0].headerName: Invalid value: "X Y"', id="a header name"),
        pytest.param({"trafficHeaderRoute": {"name": "a", "match": [{"headerName": "X", "headerValue": {"exact": "1", "prefix": "2"}}]}}, "steps[0].trafficHeaderRoute.match[0].headerValue: Invalid value", id="one way to match"),
        pytest.param({"trafficHeaderRoute": {"name": "a", "match": [{"headerName": "X", "headerValue": {"regex": "("}}]}}, 'steps[0].trafficHeaderRoute.match[0].headerValue.regex: Invalid value: "(": not a valid regular expression', id="a regex that does not compile"),
        pytest.param({"hook": {"templateName": "judge", "onFailure": "Rollback"}}, 'steps[0].hook.onFailure: Unsupported value: "Rollback": supported values: "Pause", "Abort"', id="onFailure"),
        pytest.param({"hook": {"args": []}}, "steps[0].hook.templateName: Required value", id="a hook needs its template"),
    ],
)
@pytest.mark.parametrize("build", [pytest.param(gsts, id="GameStatefulSet"), pytest.param(cloneset, id="CloneSet")])
def test_a_bad_step_is_refused_with_its_path(build: Any, step: Obj, error: str) -> None:
    with pytest.raises(Invalid) as e:
        build(**({"steps": [step]} if build is gsts else {"canary": {"steps": [step]}}))
    assert f"spec.updateStrategy.canary.{error}" in str(e.value)


def test_a_cloneset_hook_step_defaults_to_pause_and_a_gamestatefulset_keeps_bcss_object() -> None:
    step = {"hook": {"templateName": "judge"}}
    assert cloneset(canary={"steps": [step]})["spec"]["updateStrategy"]["canary"]["steps"] == [{"hook": {"templateName": "judge", "onFailure": "Pause"}}]
    assert gsts(steps=[step])["spec"]["updateStrategy"]["canary"]["steps"] == [step]  # the steps hash of BCS manifests is unchanged


def test_a_cloneset_with_steps_leaves_the_partition_to_them() -> None:
    with pytest.raises(Invalid) as e:
        cloneset(partition=2, canary={"steps": [{"partition": "x%"}]})
    text = str(e.value)
    assert "spec.updateStrategy.partition: Forbidden: the canary steps set the partition: leave it 0, or use a partition step" in text
    assert 'spec.updateStrategy.canary.steps[0].partition: Invalid value: "x%": failed getValueFromIntOrPercent for partition' in text


def test_an_update_is_checked_too() -> None:
    old = cloneset(canary={"steps": [{"partition": 1}]})
    new = dict(old, spec=dict(old["spec"], updateStrategy=dict(old["spec"]["updateStrategy"], canary={"steps": [{"trafficWeight": -1}]})))
    with pytest.raises(Invalid, match=r"steps\[0\].trafficWeight: Invalid value: -1"):
        admit(new, old)
