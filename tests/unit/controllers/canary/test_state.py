"""The canary step machine (``controllers/canary/state.py``), pure: reset, advance, abort."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.canary import state as canary
from graceroll.controllers.canary.state import PAUSED_BY_HOOK, PAUSED_BY_STEP, CanaryState

Obj = dict[str, Any]
STEPS: list[Obj] = [{"partition": 3}, {"pause": {}}, {"hook": {"templateName": "check"}}, {"partition": 0}]


def test_reset_first_sync_skips_the_steps() -> None:
    state = canary.reset(STEPS, CanaryState(), "rev-1", "")
    assert state is not None and (state.revision, state.step_index) == ("rev-1", 4)


def test_reset_a_new_revision_restarts_at_step_0_and_a_return_to_stable_skips() -> None:
    digest = canary.steps_hash(STEPS)
    running = CanaryState(revision="rev-1", step_index=4, step_hash=digest)
    assert canary.reset(STEPS, running, "rev-1", "rev-1") is None
    fresh = canary.reset(STEPS, running, "rev-2", "rev-1")
    assert fresh is not None and (fresh.revision, fresh.step_index) == ("rev-1", 0)
    back = canary.reset(STEPS, CanaryState("rev-1", 1, digest), "rev-1", "rev-2")
    assert back is not None and back.step_index == 4


def test_reset_editing_the_steps_restarts_them() -> None:
    old = CanaryState("rev-1", 2, canary.steps_hash(STEPS))
    edited = STEPS + [{"pause": {"duration": 5}}]
    state = canary.reset(edited, old, "rev-2", "rev-2")
    assert state is not None and state.step_index == 0 and state.step_hash == canary.steps_hash(edited)


def test_advance_walks_the_steps() -> None:
    """(step i/n) as the status writer sees it, 5 replicas."""
    s0 = CanaryState("rev-1", 0, "h")
    a = canary.advance(STEPS, s0, "rev-2", False, 5, 1, 3, None, 0.0)
    assert a.moved_to is None and not a.paused  # (step 1/6) partition 3: 1 of 2 updated
    a = canary.advance(STEPS, s0, "rev-2", False, 5, 2, 3, None, 0.0)
    assert a.moved_to == 1  # (step 2/6) converged
    a = canary.advance(STEPS, a.state, "rev-2", False, 5, 2, 3, None, 10.0)
    assert a.paused and a.state.pauses[0]["reason"] == PAUSED_BY_STEP  # (step 3/6) pause added
    a2 = canary.advance(STEPS, a.state, "rev-2", True, 5, 2, 3, None, 20.0)
    assert a2.moved_to is None and a2.paused  # (step 4/6) still paused while spec.paused is true
    a = canary.advance(STEPS, a.state, "rev-2", False, 5, 2, 3, None, 30.0)
    assert a.moved_to == 2 and not a.paused  # (step 5/6) resumed
    a = canary.advance(STEPS, a.state, "rev-2", False, 5, 2, 3, "Successful", 31.0)
    assert a.moved_to == 3 and a.state.revision == "rev-1"  # (step 6/6) hook passed
    a = canary.advance(STEPS, a.state, "rev-2", False, 5, 5, 0, None, 40.0)
    assert a.moved_to == 4 and a.state.revision == "rev-2"  # the last step makes rev-2 stable


def test_advance_a_failed_hook_pauses_and_resume_overrides_it() -> None:
    at_hook = CanaryState("rev-1", 2, "h")
    a = canary.advance(STEPS, at_hook, "rev-2", False, 5, 2, 3, "Failed", 0.0)
    assert a.paused and a.state.pauses[0]["reason"] == PAUSED_BY_HOOK
    a = canary.advance(STEPS, a.state, "rev-2", False, 5, 2, 3, "Failed", 1.0)
    assert a.moved_to == 3


def test_advance_a_timed_pause_requeues_for_the_rest() -> None:
    steps = [{"pause": {"duration": 20}}]
    a = canary.advance(steps, CanaryState("rev-1", 0, "h"), "rev-2", False, 5, 0, 5, None, 100.0)
    assert a.paused and a.requeue_after == 20.0
    b = canary.advance(steps, a.state, "rev-2", True, 5, 0, 5, None, 112.0)
    assert b.moved_to is None and b.requeue_after == 8.0
    assert canary.advance(steps, a.state, "rev-2", True, 5, 0, 5, None, 120.0).moved_to == 1


def test_advance_traffic_steps_complete_at_once() -> None:
    steps: list[Obj] = [{"trafficWeight": 10}, {"trafficHeaderRoute": {"name": "beta", "match": []}}, {"pause": {}}]
    s = CanaryState("rev-1", 0, "h")
    a = canary.advance(steps, s, "rev-2", False, 5, 0, 5, None, 0.0)
    assert a.moved_to == 1 and not a.paused
    a = canary.advance(steps, a.state, "rev-2", False, 5, 0, 5, None, 0.0)
    assert a.moved_to == 2


ABORTING: list[Obj] = [{"partition": 4}, {"hook": {"templateName": "judge", "onFailure": "Abort"}}, {"partition": 0}]


@pytest.mark.parametrize(
    ("phase", "abort", "paused"),
    [
        pytest.param("Failed", True, False, id="Failed aborts"),
        pytest.param("Error", True, False, id="Error aborts"),
        pytest.param("Inconclusive", False, True, id="Inconclusive pauses even with Abort"),
        pytest.param("Running", False, False, id="a running judge waits"),
    ],
)
def test_advance_a_hook_step_with_on_failure_abort(phase: str, abort: bool, paused: bool) -> None:
    a = canary.advance(ABORTING, CanaryState("rev-1", 1, "h"), "rev-2", False, 5, 1, 4, phase, 0.0)
    assert (a.abort, a.paused, a.moved_to) == (abort, paused, None)
    if abort:
        assert a.state == CanaryState("rev-1", 1, "h")  # the state is left for the abort's own write


def test_step_kind_reads_the_kinds_in_schema_order() -> None:
    assert [canary.step_kind(s) for s in STEPS + ABORTING] == ["partition", "pause", "hook", "partition", "partition", "hook", "partition"]
    assert canary.step_kind({"trafficWeight": 0}) == "trafficWeight"  # 0 is a weight, not "no step"
