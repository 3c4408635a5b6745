"""``--for``, ``--timeout`` and ``--wait`` as kubectl reads them, and the tests each ``--for`` makes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from graceroll.cli.waiting import (
    Deadline,
    WaitFailed,
    WaitFor,
    condition_met,
    gone,
    jsonpath_met,
    parse_bool,
    parse_duration,
    parse_for,
    predicate,
)
from graceroll.clock import VirtualClock
from graceroll.errors import UsageError

Obj = dict[str, Any]


def pod(conditions: list[Obj] | None = None, generation: int | None = None, observed: int | None = None, **status: Any) -> Obj:
    md: Obj = {"name": "web-0", "uid": "u1"}
    if generation is not None:
        md["generation"] = generation
    st: Obj = dict(status)
    if conditions is not None:
        st["conditions"] = conditions
    if observed is not None:
        st["observedGeneration"] = observed
    return {"kind": "Pod", "metadata": md, "status": st}


# ---- --for ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        pytest.param("delete", WaitFor("delete"), id="delete"),
        pytest.param("DELETE", WaitFor("delete"), id="delete in any case"),
        pytest.param("condition=Ready", WaitFor("condition", "Ready", "true"), id="condition defaults to true"),
        pytest.param("condition=Ready=false", WaitFor("condition", "Ready", "false"), id="condition with a value"),
        pytest.param("condition=Ready=", WaitFor("condition", "Ready", ""), id="condition with an empty value"),
        pytest.param("jsonpath={.status.readyReplicas}=3", WaitFor("jsonpath", "{.status.readyReplicas}", "3"), id="jsonpath with a value"),
        pytest.param("jsonpath={.status.phase}", WaitFor("jsonpath", "{.status.phase}", None), id="jsonpath without a value"),
        pytest.param("jsonpath=.status.phase=Running", WaitFor("jsonpath", "{.status.phase}", "Running"), id="relaxed: no braces"),
        pytest.param("jsonpath=status.phase", WaitFor("jsonpath", "{.status.phase}", None), id="relaxed: no leading dot"),
        pytest.param("jsonpath={.spec.replicas}='3'", WaitFor("jsonpath", "{.spec.replicas}", "3"), id="a quoted value"),
        pytest.param("jsonpath={.metadata.labels['a=b']}=c", WaitFor("jsonpath", "{.metadata.labels['a=b']}", "c"), id="= inside the braces"),
    ],
)
def test_parse_for(text: str, parsed: WaitFor) -> None:
    assert parse_for(text) == parsed


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param("bogus", 'unrecognized condition: "bogus"', id="unknown"),
        pytest.param("condition", 'unrecognized condition: "condition"', id="condition without ="),
        pytest.param("Condition=Ready", "unrecognized condition", id="prefixes are case-sensitive"),
        pytest.param("jsonpath=", "jsonpath expression cannot be empty", id="empty expression"),
        pytest.param("jsonpath={.status.phase}=", "has to have a value after equal sign", id="empty value"),
        pytest.param("jsonpath={.a}=b=c", "jsonpath wait format must be", id="two values"),
        pytest.param("jsonpath={.items[?(@.a==1)]}", "unsupported JSONPath", id="a filter"),
        pytest.param("jsonpath={.a}{.b}", "unexpected path string", id="two expressions"),
    ],
)
def test_parse_for_rejects(text: str, error: str) -> None:
    with pytest.raises(UsageError, match=re.escape(error)):
        parse_for(text)


# ---- --timeout and --wait ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("2m", 120), ("1h", 3600), ("1m30s", 90), ("1.5s", 1.5), ("500ms", 0.5), ("30", 30), ("2.5", 2.5), ("0", 0), ("0s", 0), ("-1s", -1), ("-1", -1)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "-", "abc", "30x", "1e3", "s", "1m 30s", "inf"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(UsageError, match=f'invalid argument "{text}" for "--timeout" flag'):
        parse_duration(text)


@pytest.mark.parametrize(("text", "value"), [("true", True), ("True", True), ("1", True), ("t", True), ("false", False), ("FALSE", False), ("0", False)])
def test_parse_bool(text: str, value: bool) -> None:
    assert parse_bool(text, "--wait") is value


def test_parse_bool_rejects() -> None:
    with pytest.raises(UsageError, match='invalid argument "yes" for "--wait" flag'):
        parse_bool("yes", "--wait")


def test_deadline() -> None:
    clock = VirtualClock()
    assert Deadline.after(clock, None) == Deadline(None)
    assert Deadline.after(clock, -1) == Deadline(None)
    assert Deadline.after(clock, 0) == Deadline(clock.monotonic(), once=True)
    deadline = Deadline.after(clock, 30)
    clock.block(10)
    assert deadline.left(clock) == 20
    assert Deadline(None).left(clock) is None


# ---- the tests -----------------------------------------------------------------------------------
READY = {"type": "Ready", "status": "True"}


@pytest.mark.parametrize(
    ("obj", "name", "status", "met"),
    [
        pytest.param(pod([READY]), "Ready", "true", True, id="met"),
        pytest.param(pod([READY]), "ready", "TRUE", True, id="case-insensitive"),
        pytest.param(pod([READY]), "Ready", "false", False, id="another value"),
        pytest.param(pod([{"type": "Ready", "status": "False"}]), "Ready", "false", True, id="an explicit false"),
        pytest.param(pod([READY]), "Available", "true", False, id="another condition"),
        pytest.param(pod(), "Ready", "true", False, id="no conditions"),
        pytest.param(pod([{"type": "Ready"}]), "Ready", "true", False, id="a condition without a status"),
        pytest.param(None, "Ready", "true", False, id="no object"),
        pytest.param(pod([READY], generation=2, observed=1), "Ready", "true", False, id="stale: status.observedGeneration"),
        pytest.param(pod([READY], generation=2, observed=2), "Ready", "true", True, id="current generation"),
        pytest.param(pod([dict(READY, observedGeneration=2)], generation=2, observed=1), "Ready", "true", True, id="the condition's own observedGeneration wins"),
        pytest.param(pod([dict(READY, observedGeneration=1)], generation=2), "Ready", "true", False, id="stale: the condition's observedGeneration"),
    ],
)
def test_condition_met(obj: Obj | None, name: str, status: str, met: bool) -> None:
    assert condition_met(obj, name, status) is met


@pytest.mark.parametrize(
    ("expr", "value", "met"),
    [
        pytest.param("{.status.readyReplicas}", "3", True, id="a number"),
        pytest.param("{.status.readyReplicas}", " 3 ", True, id="spaces around the value"),
        pytest.param("{.status.readyReplicas}", "2", False, id="another number"),
        pytest.param("{.status.phase}", "Running", True, id="a string"),
        pytest.param("{.status.paused}", "false", True, id="a boolean"),
        pytest.param("{.status.phase}", None, True, id="present"),
        pytest.param("{.status.message}", None, True, id="present but empty"),
        pytest.param("{.status}", None, True, id="a map is present"),
        pytest.param("{.status.missing}", None, False, id="missing"),
        pytest.param("{.status.missing}", "x", False, id="missing, with a value"),
        pytest.param("{.status.conditions[5].type}", None, False, id="an index out of range"),
        pytest.param("{.status.conditions[0].type}", "Ready", True, id="an index"),
    ],
)
def test_jsonpath_met(expr: str, value: str | None, met: bool) -> None:
    obj = pod([READY], readyReplicas=3, phase="Running", paused=False, message="")
    assert jsonpath_met(obj, expr, value) is met


@pytest.mark.parametrize(
    ("expr", "error"),
    [
        ("{.status}", "jsonpath leads to a nested object or list which is not supported"),
        ("{.status.conditions[*].type}", "given jsonpath expression matches more than one value"),
    ],
)
def test_jsonpath_met_cannot_decide(expr: str, error: str) -> None:
    obj = pod([READY, {"type": "Available", "status": "True"}])
    with pytest.raises(WaitFailed, match=re.escape(error)):
        jsonpath_met(obj, expr, "x")


def test_jsonpath_met_without_an_object() -> None:
    assert jsonpath_met(None, "{.status.phase}", None) is False


def test_gone() -> None:
    assert gone(None)
    assert not gone(pod())
    assert not gone(pod(), "u1")
    assert gone(pod(), "u2"), "a new object under the same name: the deleted one is gone"


def test_predicate_for_each_form() -> None:
    ready = pod([READY], phase="Running")
    assert predicate(WaitFor("condition", "Ready", "true"))(ready)
    assert not predicate(WaitFor("condition", "Ready", "false"))(ready)
    assert predicate(WaitFor("jsonpath", "{.status.phase}", "Running"))(ready)
    assert predicate(WaitFor("delete"))(None)
    assert not predicate(WaitFor("delete"))(ready)
    assert predicate(WaitFor("delete"), "other-uid")(ready)
