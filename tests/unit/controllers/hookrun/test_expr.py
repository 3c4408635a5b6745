"""The condition language: what BCS templates write, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.hookrun.expr import ExprError, condition, evaluate


@pytest.mark.parametrize(
    ("text", "result", "expected"),
    [
        pytest.param("asInt(result) > 30", "42", True, id="asInt on a string result"),
        pytest.param("asInt(result) == 0", "0", True, id="players left"),
        pytest.param("asFloat(result) <= 0.5", "0.25", True, id="asFloat"),
        pytest.param("result == 'true'", "true", True, id="single-quoted string"),
        pytest.param('result != "ok"', "ok", False, id="double-quoted string"),
        pytest.param("result[0] < 0.01", [0.001, 5.0], True, id="prometheus vector"),
        pytest.param("result < 0.01 || result > 100", 500.0, True, id="or"),
        pytest.param("result > 1 and result < 3", 2, True, id="and keyword"),
        pytest.param("!(result > 1) && not false", 0, True, id="negations"),
        pytest.param("len(result) > 0 && result[0] > 1", [], False, id="&& short-circuits"),
        pytest.param("result in ['a', 'b']", "b", True, id="in a list"),
        pytest.param("result not in ['a', 'b']", "c", True, id="not in"),
        pytest.param("result contains 'ell'", "hello", True, id="contains"),
        pytest.param("result startsWith 'he' && result endsWith 'lo'", "hello", True, id="starts and ends"),
        pytest.param("(result + 2) * 3 % 4 == 1", 1, True, id="arithmetic precedence"),
        pytest.param("result.players.online == 0", {"players": {"online": 0}}, True, id="member access"),
        pytest.param("result == nil", None, True, id="nil"),
    ],
)
def test_conditions(text: str, result: Any, expected: bool) -> None:
    assert condition(text, {"result": result}) is expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("asInt(result) > 1", id="asInt of a non-number"),
        pytest.param("result > 1", id="string compared with a number"),
        pytest.param("__import__('os')", id="no other functions"),
        pytest.param("result.__class__", id="no dunder access on strings"),
        pytest.param("open", id="unknown names"),
        pytest.param("result ==", id="incomplete"),
        pytest.param("result; 1", id="stray characters"),
        pytest.param("result", id="not a bool"),
    ],
)
def test_errors(text: str) -> None:
    with pytest.raises(ExprError):
        condition(text, {"result": "abc"})


def test_values() -> None:
    assert evaluate("[1, 2.5, 'x']", {}) == [1, 2.5, "x"]
    assert evaluate("-result", {"result": 3}) == -3
