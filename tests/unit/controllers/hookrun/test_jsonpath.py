"""The JSONPath subset of web hooks, printed as ``kubectl -o jsonpath`` prints it."""

from __future__ import annotations

import pytest

from graceroll.controllers.hookrun.jsonpath import JSONPathError, evaluate

DOC = {"online": 3, "ok": True, "ratio": 0.5, "whole": 2.0, "name": "gs", "items": [{"a": 1}, {"a": 2}], "m": {"x.y": "z"}}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("{$.online}", "3"),
        ("{.ok}", "true"),
        ("$.ratio", "0.5"),
        ("{$.whole}", "2"),
        ("{$.name}", "gs"),
        ("{$.items[1].a}", "2"),
        ("{$.items[-1].a}", "2"),
        ("{$.items[*].a}", "1 2"),
        ("{$.m['x.y']}", "z"),
        ("{$.items[0]}", '{"a":1}'),
    ],
)
def test_paths(expr: str, expected: str) -> None:
    assert evaluate(DOC, expr) == expected


@pytest.mark.parametrize("expr", ["{$.missing}", "{$.items[5]}", "{$.items[?(@.a==1)]}", "{$..a}"])
def test_errors(expr: str) -> None:
    with pytest.raises(JSONPathError):
        evaluate(DOC, expr)
