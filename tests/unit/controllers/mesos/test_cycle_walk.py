"""Whole updates through the pure planner, one tick a second, taskgroups running one tick after
they are asked for: exact instance counts per cycle and the upgradeDuration gap between cycles."""

from __future__ import annotations

import pytest

from graceroll.controllers.mesos.cycle import (
    CREATE_TIMEOUT,
    CREATE_TIMEOUT_MESSAGE,
    DELETE_TIMEOUT_MESSAGE,
    App,
    Rolling,
    State,
    decide,
)


def app(instance: int, present: int, running: int) -> App:
    """An application whose lowest ``running`` indices run."""
    return App(instance, present, frozenset(range(running)))

Trace = list[tuple[float, int, int]]  # (time, old spec.instance, new spec.instance) after each change


def walk(r: Rolling, old: int, defined: int, start: float = 100, until: float = 1000) -> tuple[Trace, float]:
    """Run an update from ``start``; returns every scaling and the time it finished."""
    state = State("Update", "", 0)
    counts = [old, 0]
    trace: Trace = []
    now = start
    while now < until:
        d = decide(r, state, app(counts[0], counts[0], counts[0]), app(counts[1], counts[1], counts[1]), defined, now)
        if d.finished:
            return trace, now
        wanted = [counts[0] if d.old_instance is None else d.old_instance, counts[1] if d.new_instance is None else d.new_instance]
        if wanted != counts:
            counts = wanted
            trace.append((now, *counts))
        state = d.state
        now += 1
    raise AssertionError(f"not finished by {until}: {trace}")


@pytest.mark.parametrize(
    ("rolling", "old", "defined", "trace", "finished"),
    [
        pytest.param(
            Rolling(1, 1, 60, "CreateFirst", False),
            2,
            2,
            [(100, 2, 1), (101, 1, 1), (163, 1, 2), (164, 0, 2)],
            166,
            id="the seed: CreateFirst 2 -> 2 in two cycles, the second more than 60 s after the first ended",
        ),
        pytest.param(
            Rolling(1, 1, 60, "DeleteFirst", False),
            2,
            2,
            [(100, 1, 0), (101, 1, 1), (163, 0, 1), (164, 0, 2)],
            166,
            id="DeleteFirst 2 -> 2: the old taskgroup goes before the new one starts",
        ),
        pytest.param(
            Rolling(2, 1, 0, "CreateFirst", False),
            3,
            3,
            [(100, 3, 1), (101, 1, 1), (103, 1, 2), (104, 0, 2), (106, 0, 3)],
            109,
            id="maxUnavailable 2, maxSurge 1, no gap: the old application empties in two cycles, the new needs three",
        ),
        pytest.param(
            Rolling(1, 2, 10, "DeleteFirst", False),
            3,
            2,
            [(100, 2, 0), (101, 2, 2), (113, 1, 2), (126, 0, 2)],
            129,
            id="an update that scales down: 3 old, 2 new, DeleteFirst; the old one still shrinks 1 a cycle",
        ),
    ],
)
def test_an_update_cycle_by_cycle(rolling: Rolling, old: int, defined: int, trace: Trace, finished: float) -> None:
    assert walk(rolling, old, defined) == (trace, finished)


def test_a_create_phase_that_cannot_finish_suspends_the_update_after_360_s() -> None:
    r = Rolling(1, 1, 60, "CreateFirst", False)
    started = State("Update", "create", 0, step_phase_started=100)
    stuck_old, stuck_new = app(2, 2, 2), app(1, 0, 0)  # the new taskgroup cannot be placed
    assert decide(r, started, stuck_old, stuck_new, 2, 100 + CREATE_TIMEOUT).state.phase == "Update"
    d = decide(r, started, stuck_old, stuck_new, 2, 101 + CREATE_TIMEOUT)
    assert (d.state.phase, d.message) == ("UpdateSuspend", CREATE_TIMEOUT_MESSAGE)
    assert d.state == State("UpdateSuspend", "", 100)  # the step is abandoned; lastRollingTime = the phase's start


def test_a_delete_phase_times_out_after_7560_s() -> None:
    r = Rolling(1, 1, 60, "CreateFirst", False)
    d = decide(r, State("Update", "delete", 0, step_phase_started=0), app(1, 2, 1), app(1, 1, 1), 2, 7561)
    assert (d.state.phase, d.message) == ("UpdateSuspend", DELETE_TIMEOUT_MESSAGE)


def test_nothing_moves_while_suspended() -> None:
    r = Rolling(1, 1, 0, "CreateFirst", False)
    d = decide(r, State("UpdateSuspend", "", 0), app(2, 2, 2), app(1, 1, 1), 2, 10_000)
    assert (d.old_instance, d.new_instance, d.state.step) == (None, None, "")


def test_resume_after_a_suspension_begins_a_new_step_from_the_counts_there_are() -> None:
    """Upstream's resume only sets ``Update``; the checker then begins a step, since none is in
    progress: the new taskgroup that exists but never ran is not waited for again, the next one is."""
    r = Rolling(1, 1, 60, "CreateFirst", False)
    resumed = State("Update", "", 100)  # suspended in a create phase that started at 100
    old, unready_new = app(2, 2, 2), App(1, 1, frozenset())
    d = decide(r, resumed, old, unready_new, 2, 1000)
    assert (d.step_started, d.new_instance, d.state.step, d.state.step_from) == (True, 2, "create", 1)
    grown = App(2, 2, frozenset({1}))  # index 1 runs, index 0 still does not
    d = decide(r, d.state, old, grown, 2, 1001)
    assert (d.old_instance, d.state.step) == (1, "delete")


def test_resume_asks_again_for_a_taskgroup_that_could_not_be_placed() -> None:
    r = Rolling(1, 1, 60, "CreateFirst", False)
    d = decide(r, State("Update", "", 100), app(2, 2, 2), app(1, 0, 0), 2, 1000)
    assert (d.new_instance, d.state.step_from) == (1, 0)
    assert decide(r, d.state, app(2, 2, 2), app(1, 0, 0), 2, 1001).state.step == "create"  # still waiting for it


def test_resume_waits_upgrade_duration_after_the_abandoned_phase_started() -> None:
    r = Rolling(1, 1, 600, "CreateFirst", False)
    assert not decide(r, State("Update", "", 100), app(2, 2, 2), app(1, 1, 0), 2, 700).step_started
    assert decide(r, State("Update", "", 100), app(2, 2, 2), app(1, 1, 0), 2, 701).step_started
