"""``rollout`` verbs on a CloneSet: pause/resume through ``updateStrategy.paused``, status, history, undo."""

from __future__ import annotations

import pytest

from graceroll.errors import UsageError
from graceroll.printers import tables
from graceroll.verbs import rollout
from graceroll.verbs.set_image import set_image

from ..controllers.cloneset.harness import CloneSetCluster, cloneset


def cluster() -> CloneSetCluster:
    c = CloneSetCluster()
    c.store.create(cloneset("web", 3))
    assert c.run_until(lambda: c.snapshot().complete)
    return c


def test_pause_and_resume() -> None:
    c = cluster()
    assert rollout.pause(c.store, "clone", "web") == "cloneset.apps.kruise.io/web paused"
    assert c.get()["spec"]["updateStrategy"]["paused"] is True
    with pytest.raises(UsageError, match="already paused"):
        rollout.pause(c.store, "clone", "web")
    assert rollout.resume(c.store, "cloneset", "web") == "cloneset.apps.kruise.io/web resumed"
    assert c.get()["spec"]["updateStrategy"]["paused"] is False


def test_status_history_and_undo() -> None:
    c = cluster()
    assert rollout.status(c.store, "clone", "web") == ('cloneset "web" successfully rolled out', True)
    set_image(c.store, "clone", "web", {"app": "app:v2"})
    c.manager.run_pending()
    msg, done = rollout.status(c.store, "clone", "web")
    assert not done and "rollout to finish" in msg
    assert c.run_until(lambda: c.snapshot().complete)
    assert rollout.history(c.store, "clone", "web").splitlines()[1:] == ["REVISION  CHANGE-CAUSE", "1         <none>", "2         <none>"]
    assert rollout.undo(c.store, "clone", "web") == "cloneset.apps.kruise.io/web rolled back"
    assert c.run_until(lambda: c.snapshot().complete)
    assert {p["spec"]["containers"][0]["image"] for p in c.pods()} == {"app:v1"}
    assert [line.split()[0] for line in rollout.history(c.store, "clone", "web").splitlines()[2:]] == ["2", "3"]


def test_partitioned_status_is_done_at_the_partition() -> None:
    c = cluster()
    set_image(c.store, "clone", "web", {"app": "app:v2"})
    cs = c.get()
    new = dict(cs, spec=dict(cs["spec"], updateStrategy=dict(cs["spec"]["updateStrategy"], partition=2)))
    c.store.update(new)
    assert c.run_until(lambda: c.snapshot().complete)
    assert rollout.status(c.store, "clone", "web") == ("partitioned roll out complete: 1 new pods have been updated...", True)


def test_get_columns() -> None:
    c = cluster()
    text = tables.render([c.get()], c.clock.now(), wide=True)
    header, row = text.splitlines()
    assert header.split() == ["NAME", "DESIRED", "UPDATED", "UPDATED_READY", "READY", "TOTAL", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert row.split()[:6] == ["web", "3", "3", "3", "3", "3"]
    assert row.split()[-3:] == ["app", "app:v1", "app=web"]
