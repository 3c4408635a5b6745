"""Choosing controllers and what they make the operator watch."""

from __future__ import annotations

import pytest

from graceroll.errors import UsageError
from graceroll.operator.choice import parse as parse_controllers
from graceroll.operator.run import watched_kinds


def test_controllers_come_back_in_run_order() -> None:
    assert parse_controllers("hookrun, CloneSet") == ("cloneset", "hookrun")


@pytest.mark.parametrize("text", ["", "cloneset,deployment"])
def test_unknown_or_no_controllers_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="--controllers"):
        parse_controllers(text)


def test_events_are_never_watched_and_hookrun_alone_watches_hookruns() -> None:
    assert watched_kinds(("hookrun",)) == ("HookRun",)
    assert "Event" not in watched_kinds(("cloneset", "gamestatefulset", "hookrun"))
    assert watched_kinds(("cloneset",)) == ("CloneSet", "ControllerRevision", "HookRun", "HookTemplate", "PersistentVolumeClaim", "Pod")
