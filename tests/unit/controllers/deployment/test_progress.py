"""Upstream vectors for rollout conditions.

kubernetes/kubernetes:pkg/controller/deployment/progress_test.go TestRequeueStuckDeployment and
TestSyncRolloutStatus; deployment_util_test.go TestDeploymentTimedOut.
"""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.clock import format_time, parse_time
from graceroll.controllers.deployment import progress, sync

from .builders import make_d, make_rs

TEST_TIME = parse_time("2017-02-15T18:49:00Z")


def current_deployment(pds: int | None, replicas: int, status_replicas: int, updated: int, available: int, conds: list[dict[str, str]] | None) -> dict[str, Any]:
    d = make_d(replicas, strategy="Recreate", pds=pds)
    d["status"] = {
        "replicas": status_replicas,
        "updatedReplicas": updated,
        "availableReplicas": available,
        "observedGeneration": 1,
    }
    if conds is not None:
        d["status"]["conditions"] = conds
    return d


def cond(status: str, reason: str, at: float = TEST_TIME) -> dict[str, str]:
    return dict(progress.condition(progress.PROGRESSING, status, reason, "", at))


STUCK = cond("True", progress.RS_UPDATED)


@pytest.mark.parametrize(
    "pds, d, conds, now, expected",
    [
        pytest.param(None, (4, 3, 3, 2), [STUCK], TEST_TIME, None, id="no progressDeadlineSeconds specified"),
        pytest.param(2147483647, (4, 3, 3, 2), [STUCK], TEST_TIME, None, id="infinite progressDeadlineSeconds"),
        pytest.param(60, (4, 3, 3, 2), None, TEST_TIME, None, id="no progressing condition found"),
        pytest.param(60, (3, 3, 3, 3), [STUCK], TEST_TIME, None, id="complete deployment does not need to be requeued"),
        pytest.param(60, (3, 3, 3, 0), [cond("False", progress.TIMED_OUT)], TEST_TIME, None, id="already failed deployment"),
        pytest.param(60, (3, 3, 3, 1), [STUCK], TEST_TIME + 30, 30.0, id="stuck deployment - 30s"),
        pytest.param(60, (3, 3, 3, 1), [STUCK], TEST_TIME + 59, 1.0, id="stuck deployment - 1s"),
        pytest.param(60, (3, 3, 3, 1), [STUCK], TEST_TIME + 59.000001, 0.0, id="failed deployment - less than a second"),
        pytest.param(60, (3, 3, 3, 1), [STUCK], TEST_TIME + 60, 0.0, id="failed deployment - now"),
        pytest.param(60, (3, 3, 3, 1), [STUCK], TEST_TIME + 61, 0.0, id="failed deployment - 1s after deadline"),
        pytest.param(60, (3, 3, 3, 1), [STUCK], TEST_TIME + 120, 0.0, id="failed deployment - 60s after deadline"),
    ],
)
def test_requeue_stuck(pds: int | None, d: tuple[int, int, int, int], conds: list[dict[str, str]] | None, now: float, expected: float | None) -> None:
    dep = current_deployment(pds, *d, conds)
    after = progress.requeue_stuck(dep, dep["status"], now)
    assert after == (None if expected is None else pytest.approx(expected))


def test_requeue_delay_waits_past_the_deadline() -> None:
    assert progress.requeue_delay(None) is None
    assert progress.requeue_delay(30.0) == 31.0
    assert 0 < (progress.requeue_delay(0.0) or 0) < 1


def rs_available(name: str, spec: int, status: int, available: int, created: str = "2017-01-01T00:00:00Z") -> dict[str, Any]:
    return make_rs(name, spec, available, created=created, status_replicas=status)


UPDATED = cond("True", progress.RS_UPDATED)
AVAILABLE = cond("True", progress.NEW_RS_AVAILABLE)
TIMED_OUT = cond("False", progress.TIMED_OUT)
NOW = TEST_TIME + 3600


@pytest.mark.parametrize(
    "pds, d, conds, all_rss, new_rs, expected",
    [
        pytest.param(None, (3, 2, 2, 2), [UPDATED], [("bar", 0, 1, 1)], ("foo", 3, 2, 2), None, id="general: remove Progressing condition and do not estimate progress if deployment has no Progress Deadline"),
        pytest.param(60, (3, 3, 3, 3), [AVAILABLE], [("bar", 3, 3, 3)], None, ("True", progress.NEW_RS_AVAILABLE, "both-kept"), id="general: do not estimate progress of deployment with only one active ReplicaSet"),
        pytest.param(60, (3, 2, 2, 2), [UPDATED], [("bar", 0, 1, 1)], ("foo", 3, 2, 2), ("True", progress.RS_UPDATED, "transition-kept"), id="DeploymentProgressing: dont update lastTransitionTime if deployment already has Progressing=True"),
        pytest.param(60, (3, 2, 2, 2), [TIMED_OUT], [("bar", 0, 1, 1)], ("foo", 3, 2, 2), ("True", progress.RS_UPDATED, "fresh"), id="DeploymentProgressing: update everything if deployment has Progressing=False"),
        pytest.param(60, (3, 2, 2, 2), [], [("bar", 0, 1, 1)], ("foo", 3, 2, 2), ("True", progress.RS_UPDATED, "fresh"), id="DeploymentProgressing: create Progressing condition if it does not exist"),
        pytest.param(60, (3, 3, 3, 3), [UPDATED], [], ("foo", 3, 3, 3), ("True", progress.NEW_RS_AVAILABLE, "transition-kept"), id="DeploymentComplete: dont update lastTransitionTime if deployment already has Progressing=True"),
        pytest.param(60, (3, 3, 3, 3), [TIMED_OUT], [], ("foo", 3, 3, 3), ("True", progress.NEW_RS_AVAILABLE, "fresh"), id="DeploymentComplete: update everything if deployment has Progressing=False"),
        pytest.param(60, (3, 3, 3, 3), [], [], ("foo", 3, 3, 3), ("True", progress.NEW_RS_AVAILABLE, "fresh"), id="DeploymentComplete: create Progressing condition if it does not exist"),
        pytest.param(60, (0, 3, 3, 3), [UPDATED], [("foo", 0, 0, 0)], None, ("True", progress.NEW_RS_AVAILABLE, "transition-kept"), id="DeploymentComplete: defend against NPE when newRS=nil"),
        pytest.param(60, (3, 2, 2, 2), [UPDATED], [], ("foo", 3, 2, 2), ("False", progress.TIMED_OUT, "fresh"), id="DeploymentTimedOut: update status if rollout exceeds Progress Deadline"),
        pytest.param(60, (3, 2, 2, 2), [TIMED_OUT], [], ("foo", 3, 2, 2), ("False", progress.TIMED_OUT, "both-kept"), id="DeploymentTimedOut: do not update status if deployment has existing timedOut condition"),
    ],
)
def test_rollout_status(
    pds: int | None, d: tuple[int, int, int, int], conds: list[dict[str, str]], all_rss: list[tuple[str, int, int, int]], new_rs: tuple[str, int, int, int] | None, expected: tuple[str, str, str] | None
) -> None:
    dep = make_d(d[0], 0, 1, pds=pds)
    dep["status"] = {"replicas": d[1], "updatedReplicas": d[2], "availableReplicas": d[3], "observedGeneration": 1, "conditions": conds}
    rss = [rs_available(*r) for r in all_rss]
    new = rs_available(*new_rs, created="2017-01-01T00:01:00Z") if new_rs else None
    everything = rss + ([new] if new else [])
    status = progress.rollout_status(dep, sync.calculate_status(dep, everything, new), everything, new, NOW)
    got = progress.get_condition(status, progress.PROGRESSING)
    if expected is None:
        assert got is None
        return
    assert got is not None
    assert (got["status"], got["reason"]) == expected[:2]
    old = format_time(TEST_TIME)
    if expected[2] == "both-kept":
        assert (got["lastUpdateTime"], got["lastTransitionTime"]) == (old, old)
    elif expected[2] == "transition-kept":
        assert got["lastTransitionTime"] == old
        assert got["lastUpdateTime"] == format_time(NOW)
    else:
        assert got["lastTransitionTime"] == format_time(NOW)


# TestDeploymentTimedOut: Progressing=True, lastUpdate 00:01:09 or 00:01:11, now 00:01:20
BASE = parse_time("2016-01-01T00:00:00Z")


@pytest.mark.parametrize(
    "pds, last_update, reason, timed_out",
    [
        (None, 69, progress.RS_UPDATED, False),
        (2147483647, 69, progress.RS_UPDATED, False),
        (10, 69, progress.RS_UPDATED, True),
        (10, 71, progress.RS_UPDATED, False),
        (None, 0, progress.NEW_RS_AVAILABLE, False),
    ],
)
def test_timed_out(pds: int | None, last_update: int, reason: str, timed_out: bool) -> None:
    dep = make_d(pds=pds)
    status = {"conditions": [cond("True", reason, BASE + last_update)]}
    assert progress.timed_out(dep, status, BASE + 80) is timed_out


def test_paused_and_resumed_conditions() -> None:
    dep = make_d()
    dep["spec"]["paused"] = True
    c = progress.paused_condition(dep, NOW)
    assert c is not None and (c["status"], c["reason"]) == ("Unknown", progress.PAUSED)
    dep["status"]["conditions"] = [c]
    assert progress.paused_condition(dep, NOW) is None
    dep["spec"]["paused"] = False
    r = progress.paused_condition(dep, NOW)
    assert r is not None and r["reason"] == progress.RESUMED
    dep["status"]["conditions"] = [TIMED_OUT]
    dep["spec"]["paused"] = True
    assert progress.paused_condition(dep, NOW) is None
