"""``rollout`` verbs on a GameStatefulSet: status, history, undo, cancel, pause refusal."""

from __future__ import annotations

import pytest

from graceroll.errors import UsageError
from graceroll.verbs import rollout

from ..controllers.gamestatefulset.harness import GSCluster, gsts


def cluster() -> GSCluster:
    c = GSCluster()
    c.store.create(gsts(partition=3))
    assert c.run_until(lambda: c.snapshot().complete)
    c.set_image("app:v2")
    assert c.run_until(lambda: c.snapshot().complete)
    return c


def test_status_of_a_partitioned_rollout() -> None:
    c = cluster()
    assert rollout.status(c.store, "gsts", "gs") == ("partitioned roll out complete: 2 new pods have been updated...", True)


def test_history_and_undo_use_controller_revisions() -> None:
    c = cluster()
    text = rollout.history(c.store, "gsts", "gs")
    assert text.splitlines()[1:] == ["REVISION  CHANGE-CAUSE", "1         <none>", "2         <none>"]
    assert rollout.undo(c.store, "gsts", "gs") == "gamestatefulset.tkex.tencent.com/gs rolled back"
    assert c.run_until(lambda: c.snapshot().complete)
    assert [p["spec"]["containers"][0]["image"] for p in c.pods()] == ["app:v1"] * 5


def test_cancel_without_a_canary_goes_back_to_the_current_revision() -> None:
    c = cluster()
    assert rollout.cancel(c.store, "gsts", "gs") == "gamestatefulset.tkex.tencent.com/gs rolled back to the stable revision"
    assert c.run_until(lambda: c.snapshot().complete)
    assert [p["spec"]["containers"][0]["image"] for p in c.pods()] == ["app:v1"] * 5
    assert rollout.cancel(c.store, "gsts", "gs").endswith("skipped cancel (already at the stable revision)")


def test_pause_is_refused() -> None:
    c = cluster()
    with pytest.raises(UsageError, match="managed by the operator"):
        rollout.pause(c.store, "gsts", "gs")
