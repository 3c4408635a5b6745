"""Field selectors: parsing and matching any dotted path as text."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.apiserver import fields
from graceroll.errors import UsageError

EVENT: dict[str, Any] = {
    "kind": "Event",
    "metadata": {"name": "web.1", "namespace": "default"},
    "involvedObject": {"kind": "Deployment", "name": "web", "uid": "u-1"},
    "reason": "ScalingReplicaSet",
    "count": 2,
    "series": None,
    "unschedulable": False,
}


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        pytest.param("", True, id="an empty selector selects everything"),
        pytest.param("involvedObject.name=web,involvedObject.kind=Deployment", True, id="every term must hold"),
        pytest.param("involvedObject.name==web", True, id="double equals is equals"),
        pytest.param("involvedObject.name=api", False, id="a different value"),
        pytest.param("involvedObject.name!=api", True, id="not equal"),
        pytest.param("reason!=ScalingReplicaSet", False, id="not equal to the value it has"),
        pytest.param("count=2", True, id="numbers compare as text"),
        pytest.param("unschedulable=false", True, id="booleans compare as lower-case text"),
        pytest.param("source.host=", True, id="a missing field is empty"),
        pytest.param("series=", True, id="a null field is empty"),
        pytest.param("reason.text=x", False, id="a path through a scalar is empty"),
    ],
)
def test_matches(selector: str, matches: bool) -> None:
    assert fields.parse(selector).matches(EVENT) is matches


def test_the_name_term_is_offered_to_the_store() -> None:
    assert fields.parse("metadata.namespace=default,metadata.name=web").name == "web"
    assert fields.parse("metadata.name!=web").name is None


@pytest.mark.parametrize("selector", [pytest.param("reason", id="no operator"), pytest.param("=web", id="no field")])
def test_malformed_selectors_are_refused(selector: str) -> None:
    with pytest.raises(UsageError):
        fields.parse(selector)
