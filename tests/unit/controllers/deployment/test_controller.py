"""The Deployment controller end to end on a simulated node: the seed-002 walk-through,
rollouts in flight, pause, Recreate, history cleanup and the progress deadline."""

from __future__ import annotations

from graceroll.api.meta import clone
from graceroll.controllers.deployment import util
from graceroll.node.sim import Behaviour

from ..harness import Cluster, deployment


def set_image(image: str):  # type: ignore[no-untyped-def]
    def change(d: dict) -> None:
        d["spec"]["template"]["spec"]["containers"][0]["image"] = image

    return change


def test_seed_002_walkthrough_keeps_within_surge_and_unavailable() -> None:
    """25 replicas, maxSurge 3, maxUnavailable 2: never more than 28 pods, never fewer than 23 available."""
    c = Cluster(Behaviour(start_seconds=1))
    c.store.create(deployment(replicas=25, max_surge=3, max_unavailable=2))
    assert c.run_until(lambda: c.snapshot().complete)
    c.edit("web", set_image("app:v2"))
    seen: list[tuple[int, ...]] = []

    def check() -> None:
        s = c.snapshot()
        assert s.pods <= 28
        assert s.available >= 23
        seen.append(tuple(g.desired for g in s.groups))

    first = c.snapshot()
    assert [g.desired for g in first.groups] == [23, 5]  # (3,25) -> (3,23) -> (5,23) in the first instant
    assert c.run_until(lambda: c.snapshot().complete, each=check)
    assert seen == [(18, 10), (13, 15), (8, 20), (3, 25), (0, 25)]
    d = c.get()
    assert d["metadata"]["annotations"][util.REVISION_ANNOTATION] == "2"
    assert d["status"]["updatedReplicas"] == 25 and d["status"]["availableReplicas"] == 25


def test_min_ready_seconds_delays_availability() -> None:
    c = Cluster(Behaviour(start_seconds=1))
    c.store.create(deployment(replicas=2, min_ready=5))
    assert c.run_until(lambda: c.snapshot().complete)
    assert c.now == 6.0  # ready at 1 s, available 5 s later


def test_new_rollout_mid_rollout_scales_down_the_intermediate_replica_set() -> None:
    """v1 -> v2 -> v3 while v2 is still coming up: v2 is treated as an old RS and drained."""
    c = Cluster(Behaviour(start_seconds=5))
    c.store.create(deployment(replicas=10))
    assert c.run_until(lambda: c.snapshot().complete)
    c.edit("web", set_image("app:v2"))
    c.advance(2)
    c.edit("web", set_image("app:v3"))
    assert c.run_until(lambda: c.snapshot().complete)
    groups = c.snapshot().groups
    assert [(g.revision, g.desired) for g in groups] == [("1", 0), ("2", 0), ("3", 10)]


def test_pause_freezes_a_rollout_in_progress_and_resume_finishes_it() -> None:
    c = Cluster(Behaviour(start_seconds=5))
    c.store.create(deployment(replicas=10, max_surge=2, max_unavailable=0))
    assert c.run_until(lambda: c.snapshot().complete)
    c.edit("web", set_image("app:v2"))
    c.edit("web", lambda d: d["spec"].update(paused=True))
    frozen = [g.desired for g in c.snapshot().groups]
    c.advance(60)
    assert [g.desired for g in c.snapshot().groups] == frozen == [10, 2]
    cond = next(x for x in c.get()["status"]["conditions"] if x["type"] == "Progressing")
    assert (cond["status"], cond["reason"]) == ("Unknown", "DeploymentPaused")
    c.edit("web", lambda d: d["spec"].update(paused=False))
    assert c.run_until(lambda: c.snapshot().complete)


def test_template_change_while_paused_creates_nothing_until_resume() -> None:
    c = Cluster()
    c.store.create(deployment(replicas=3))
    assert c.run_until(lambda: c.snapshot().complete)
    c.edit("web", lambda d: d["spec"].update(paused=True))
    c.edit("web", set_image("app:v2"))
    c.advance(30)
    assert len(c.snapshot().groups) == 1
    c.edit("web", lambda d: d["spec"].update(paused=False))
    assert c.run_until(lambda: c.snapshot().complete)
    assert len(c.snapshot().groups) == 2


def test_recreate_stops_every_old_pod_before_starting_new_ones() -> None:
    c = Cluster(Behaviour(start_seconds=1, stop_seconds=3))
    c.store.create(deployment(replicas=4, strategy="Recreate"))
    assert c.run_until(lambda: c.snapshot().complete)
    c.edit("web", set_image("app:v2"))

    def no_overlap() -> None:
        pods = [p for p in c.store.list("Pod")]
        images = {p["spec"]["containers"][0]["image"] for p in pods}
        assert len(images) == 1, "old and new pods exist at the same time"

    assert c.run_until(lambda: c.snapshot().complete, each=no_overlap)
    assert c.now >= 1 + 3 + 1


def test_revision_history_limit_deletes_the_oldest_empty_replica_sets() -> None:
    c = Cluster()
    c.store.create(deployment(replicas=1, history=2))
    for i in range(2, 7):
        assert c.run_until(lambda: c.snapshot().complete)
        c.edit("web", set_image(f"app:v{i}"))
    assert c.run_until(lambda: c.snapshot().complete)
    revisions = [g.revision for g in c.snapshot().groups]
    assert revisions == ["4", "5", "6"]


def test_crashing_image_times_out_and_keeps_old_pods_serving() -> None:
    c = Cluster(Behaviour(start_seconds=1), {"app:bad": Behaviour(crash=True)})
    c.store.create(deployment(replicas=4, max_surge=1, max_unavailable=0, pds=30))
    assert c.run_until(lambda: c.snapshot().complete)
    c.edit("web", set_image("app:bad"))
    assert c.run_until(lambda: c.snapshot().failed, limit=200)
    s = c.snapshot()
    assert s.available == 4
    cond = next(x for x in c.get()["status"]["conditions"] if x["type"] == "Progressing")
    assert cond["reason"] == "ProgressDeadlineExceeded"
    assert cond["message"].endswith("has timed out progressing.")
    assert 31 <= c.now <= 33


def test_rollback_to_an_existing_replica_set_renumbers_it() -> None:
    """Undo v2 -> v1 by restoring the template: RS1 becomes revision 3 with history "1"."""
    c = Cluster()
    c.store.create(deployment(replicas=2))
    assert c.run_until(lambda: c.snapshot().complete)
    v1 = clone(c.get()["spec"]["template"])
    c.edit("web", set_image("app:v2"))
    assert c.run_until(lambda: c.snapshot().complete)
    c.edit("web", lambda d: d["spec"].update(template=v1))
    assert c.run_until(lambda: c.snapshot().complete)
    rs1 = next(rs for rs in c.store.list("ReplicaSet") if rs["spec"]["template"]["spec"]["containers"][0]["image"] == "app:v1")
    assert rs1["metadata"]["annotations"][util.REVISION_ANNOTATION] == "3"
    assert rs1["metadata"]["annotations"][util.REVISION_HISTORY_ANNOTATION] == "1"
    assert c.get()["metadata"]["annotations"][util.REVISION_ANNOTATION] == "3"


def test_scaling_mid_rollout_is_proportional() -> None:
    c = Cluster(Behaviour(start_seconds=5))
    c.store.create(deployment(replicas=25, max_surge=3, max_unavailable=2))
    assert c.run_until(lambda: c.snapshot().complete)
    c.edit("web", set_image("app:v2"))
    c.edit("web", lambda d: d["spec"].update(replicas=50))
    assert sum(g.desired for g in c.snapshot().groups) <= 50 + 3
    assert c.run_until(lambda: c.snapshot().complete)
    assert [g.desired for g in c.snapshot().groups] == [0, 50]
