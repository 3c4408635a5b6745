"""DELETE options from the body (as kubectl sends them) or the query, and the answer per kind."""

from __future__ import annotations

import pytest

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.api import kinds
from graceroll.apiserver.deleting import answer, parse
from graceroll.errors import Invalid


def test_options_come_from_the_body_first_then_the_query() -> None:
    body = {"kind": "DeleteOptions", "dryRun": ["All"], "gracePeriodSeconds": 5, "propagationPolicy": "Foreground", "preconditions": {"uid": "u"}}
    opts = parse(body, {}, [])
    assert (opts.dry_run, opts.grace_period_seconds, opts.propagation, opts.uid) == (True, 5, "Foreground", "u")
    query = parse(None, {"gracePeriodSeconds": "0", "propagationPolicy": "Orphan"}, ["All"])
    assert (query.dry_run, query.grace_period_seconds, query.propagation) == (True, 0, "Orphan")
    assert parse({"orphanDependents": True}, {}, []).propagation == "Orphan"
    assert parse({}, {}, []).propagation == "Background"


@pytest.mark.parametrize(
    "body, message",
    [
        pytest.param({"dryRun": ["Some"]}, 'dryRun: Unsupported value: "Some": supported values: "All"', id="dry run"),
        pytest.param({"propagationPolicy": "Later"}, 'propagationPolicy: Unsupported value: "Later"', id="policy"),
        pytest.param({"propagationPolicy": "Orphan", "orphanDependents": True}, "orphanDependents and deletionPropagation cannot be both set", id="both"),
    ],
)
def test_bad_options_are_refused(body: dict[str, object], message: str) -> None:
    with pytest.raises(Invalid, match=message.replace("(", r"\(")):
        parse(body, {}, [])


def test_the_answer_per_kind() -> None:
    deployment = {"kind": "Deployment", "metadata": {"name": "web", "uid": "u1"}}
    assert answer(kinds.by_kind("Deployment"), deployment, None)["details"] == {"name": "web", "group": "apps", "kind": "deployments", "uid": "u1"}
    svc = {"kind": "Service", "metadata": {"name": "web", "uid": "u2"}}
    assert answer(kinds.by_kind("Service"), svc, None) == svc
    marked = {"kind": "Pod", "metadata": {"name": "p", "deletionTimestamp": "t", "deletionGracePeriodSeconds": 30}}
    assert answer(kinds.by_kind("Pod"), marked, marked) is marked
