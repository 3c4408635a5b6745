"""The rolling cycle between two applications (pure), step by step."""

from __future__ import annotations

from graceroll.controllers.mesos.cycle import App, Rolling, State, decide


def app(instance: int, present: int, running: int) -> App:
    """An application whose lowest ``running`` indices run."""
    return App(instance, present, frozenset(range(running)))

CREATE_FIRST = Rolling(max_unavailable=1, max_surge=1, upgrade_duration=60, order="CreateFirst", manually=False)
DELETE_FIRST = Rolling(max_unavailable=1, max_surge=1, upgrade_duration=60, order="DeleteFirst", manually=False)


def test_create_first_grows_the_new_application_first() -> None:
    d = decide(CREATE_FIRST, State("Update", "", 0), app(2, 2, 2), app(0, 0, 0), defined=2, now=100)
    assert (d.new_instance, d.old_instance, d.state.step, d.step_started) == (1, None, "create", True)


def test_create_first_shrinks_the_old_one_once_the_new_taskgroups_run() -> None:
    waiting = decide(CREATE_FIRST, State("Update", "create", 0), app(2, 2, 2), app(1, 1, 0), 2, 101)
    assert (waiting.old_instance, waiting.state.step) == (None, "create")
    d = decide(CREATE_FIRST, State("Update", "create", 0), app(2, 2, 2), app(1, 1, 1), 2, 102)
    assert (d.old_instance, d.state.step) == (1, "delete")


def test_a_step_ends_when_the_old_taskgroups_are_gone_and_the_next_waits_upgrade_duration() -> None:
    stopping = decide(CREATE_FIRST, State("Update", "delete", 0), app(1, 2, 1), app(1, 1, 1), 2, 103)
    assert not stopping.step_ended
    ended = decide(CREATE_FIRST, State("Update", "delete", 0), app(1, 1, 1), app(1, 1, 1), 2, 110)
    assert ended.step_ended and ended.state == State("Update", "", 110)
    assert decide(CREATE_FIRST, ended.state, app(1, 1, 1), app(1, 1, 1), 2, 170).state.step == ""  # 60 s is not more than 60 s
    assert decide(CREATE_FIRST, ended.state, app(1, 1, 1), app(1, 1, 1), 2, 171).new_instance == 2


def test_delete_first_shrinks_first_then_grows() -> None:
    d = decide(DELETE_FIRST, State("Update", "", 0), app(2, 2, 2), app(0, 0, 0), 2, 100)
    assert (d.old_instance, d.new_instance, d.state.step) == (1, None, "delete")
    d = decide(DELETE_FIRST, d.state, app(1, 1, 1), app(0, 0, 0), 2, 101)
    assert (d.new_instance, d.state.step) == (1, "create")
    d = decide(DELETE_FIRST, d.state, app(1, 1, 1), app(1, 1, 1), 2, 102)
    assert d.step_ended


def test_rolling_manually_pauses_after_every_step() -> None:
    manual = Rolling(1, 1, 0, "CreateFirst", manually=True)
    d = decide(manual, State("Update", "delete", 0), app(1, 1, 1), app(1, 1, 1), 2, 50)
    assert d.state.phase == "UpdatePaused"
    assert decide(manual, d.state, app(1, 1, 1), app(1, 1, 1), 2, 500).state.step == ""  # paused: no new step


def test_a_paused_update_still_finishes_the_step_in_progress() -> None:
    d = decide(CREATE_FIRST, State("UpdatePaused", "create", 0), app(2, 2, 2), app(1, 1, 1), 2, 10)
    assert d.old_instance == 1


def test_finished_when_the_old_application_is_empty_and_the_new_runs_all_it_defines() -> None:
    assert decide(CREATE_FIRST, State("Update", "", 90), app(0, 0, 0), app(2, 2, 2), 2, 91).finished
    assert not decide(CREATE_FIRST, State("Update", "", 90), app(0, 1, 0), app(2, 2, 2), 2, 91).finished


def test_the_new_version_may_define_more_instances_than_the_old_one_ran() -> None:
    d = decide(CREATE_FIRST, State("Update", "", 0), app(1, 1, 1), app(2, 2, 2), defined=3, now=100)
    assert d.new_instance == 3
