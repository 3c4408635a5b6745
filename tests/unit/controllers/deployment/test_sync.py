"""Upstream vectors for proportional scaling and history cleanup.

kubernetes/kubernetes:pkg/controller/deployment/sync_test.go TestScale (the 17 classic rows; the
19 feature-gated scaleV2 rows need podReplacementPolicy, which graceroll does not implement),
TestDeploymentController_cleanupDeployment and TestDeploymentController_cleanupDeploymentOrder.
"""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.deployment import sync, util

from .builders import make_d, make_rs

NEW_TS, OLD_TS, OLDER_TS = "2017-01-01T02:00:00Z", "2017-01-01T01:00:00Z", "2017-01-01T00:00:00Z"


def scale_case(name: str, dep: int, old_dep: int, new: int | None, old: list[int], exp_new: int | None, exp_old: list[int], **kw: Any) -> Any:
    return pytest.param(dep, old_dep, new, old, exp_new, exp_old, kw, id=name)


@pytest.mark.parametrize(
    "dep, old_dep, new, old, exp_new, exp_old, kw",
    [
        scale_case("normal scaling event: 10 -> 12", 12, 10, 10, [], 12, []),
        scale_case("normal scaling event: 10 -> 5", 5, 10, 10, [], 5, []),
        scale_case("proportional scaling: 5 -> 10", 10, 5, 2, [3], 4, [6]),
        scale_case("proportional scaling: 5 -> 3", 3, 5, 2, [3], 1, [2]),
        scale_case("proportional scaling: 9 -> 4", 4, 9, 8, [1], 4, [0]),
        scale_case("proportional scaling: 7 -> 10", 10, 7, 2, [3, 2], 3, [4, 3]),
        scale_case("proportional scaling: 13 -> 8", 8, 13, 2, [8, 3], 1, [5, 2]),
        scale_case("leftover distribution: 3 -> 4", 4, 3, 1, [1, 1], 2, [1, 1]),
        scale_case("leftover distribution: 3 -> 2", 2, 3, 1, [1, 1], 1, [1, 0]),
        scale_case("proportional scaling (no new rs): 4 -> 5", 5, 4, None, [2, 2], None, [3, 2]),
        scale_case("proportional scaling: 6 -> 0", 0, 6, 3, [2, 1], 0, [0, 0]),
        scale_case("proportional scaling: 0 -> 6", 6, 6, 0, [0, 0], 6, [0, 0]),
        scale_case("failed rs update", 5, 5, 2, [1, 1], 2, [2, 1], desired_old0=3),
        scale_case("deployment with surge pods", 20, 10, 6, [6], 11, [11], ms=2, old_ms=2),
        scale_case("change both surge and size", 50, 10, 5, [8], 22, [34], ms=6, old_ms=3),
        scale_case("change both size and template", 14, 10, None, [7, 3], None, [10, 4]),
        scale_case(
            "saturated but broken new replica set does not affect old pods", 2, 2, 2, [1], 2, [1], ms=1, mu=1, new_available=0
        ),
    ],
)
def test_scale(dep: int, old_dep: int, new: int | None, old: list[int], exp_new: int | None, exp_old: list[int], kw: dict[str, Any]) -> None:
    d = make_d(dep, kw.get("ms", 0), kw.get("mu", 0))
    old_d = make_d(old_dep, kw.get("old_ms", 0), 0)
    max_surge = util.max_surge(old_d)
    new_rs = None
    if new is not None:
        new_rs = make_rs("foo-new", new, kw.get("new_available", 0), created=NEW_TS)
        util.set_replicas_annotations(new_rs, old_dep, old_dep + max_surge)
    stamps = [OLD_TS, OLDER_TS]
    old_rss = []
    for i, n in enumerate(old):
        rs = make_rs(f"foo-old{i}", n, 0, created=stamps[i])
        desired = kw["desired_old0"] if i == 0 and "desired_old0" in kw else old_dep
        util.set_replicas_annotations(rs, desired, desired + max_surge)
        old_rss.append(rs)
    sizes = {rs["metadata"]["name"]: size for rs, size in sync.scale_targets(d, new_rs, old_rss)}
    if new_rs is not None:
        assert sizes.get("foo-new", new) == exp_new
    assert [sizes.get(rs["metadata"]["name"], util.spec_replicas(rs)) for rs in old_rss] == exp_old


def test_scale_during_rollout_redistributes_proportionally() -> None:
    """Reference §18: 25 -> 50 at (new 10, old 18) with max-replicas 28 gives (19, 34)."""
    d = make_d(50, 3, 2)
    new_rs = make_rs("new", 10, created=NEW_TS)
    old_rs = make_rs("old", 18, created=OLD_TS)
    for rs in (new_rs, old_rs):
        util.set_replicas_annotations(rs, 25, 28)
    sizes = {rs["metadata"]["name"]: n for rs, n in sync.scale_targets(d, new_rs, [old_rs])}
    assert (sizes["new"], sizes["old"]) == (19, 34)


# TestDeploymentController_cleanupDeployment: (spec, status) per old RS
@pytest.mark.parametrize(
    "old, limit, deletions",
    [
        ([(0, 0), (0, 0), (0, 0)], 1, 2),
        ([(0, 0), (0, 1), (1, 0), (1, 1)], 0, 1),
        ([(0, 0), (0, 0)], 0, 2),
        ([(1, 1), (1, 1)], 0, 0),
        ([(0, 0), (0, 0), (0, 0)], 2147483647, 0),
    ],
)
def test_cleanup_count(old: list[tuple[int, int]], limit: int, deletions: int) -> None:
    d = make_d()
    d["spec"]["revisionHistoryLimit"] = limit
    rss = [make_rs(f"rs{i}", spec, status_replicas=status, created=f"2017-01-01T00:0{i}:00Z") for i, (spec, status) in enumerate(old)]
    assert len(sync.cleanup_victims(d, rss)) == deletions


def test_cleanup_skips_replica_sets_being_deleted() -> None:
    d = make_d()
    d["spec"]["revisionHistoryLimit"] = 0
    rs = make_rs("rs", 0, status_replicas=0)
    rs["metadata"]["deletionTimestamp"] = "2017-01-01T00:00:00Z"
    assert sync.cleanup_victims(d, [rs]) == []


# TestDeploymentController_cleanupDeploymentOrder: creation foo-1 < foo-2 < foo-3 < foo-4
@pytest.mark.parametrize(
    "rss, limit, deleted",
    [
        ([("foo-1", 0, "1"), ("foo-2", 0, "2")], 1, ["foo-1"]),
        ([("foo-1", 0, "2"), ("foo-2", 0, "1")], 1, ["foo-2"]),
        ([("foo-1", 0, "1"), ("foo-2", 0, "")], 1, ["foo-2"]),
        ([("foo-1", 0, ""), ("foo-2", 0, "2")], 1, ["foo-1"]),
        ([("foo-1", 1, "1"), ("foo-2", 0, "2"), ("foo-3", 0, "3")], 1, ["foo-2"]),
        ([("foo-1", 1, "1"), ("foo-2", 1, "2"), ("foo-3", 0, "3")], 1, []),
        ([("foo-1", 0, "3"), ("foo-2", 0, "1"), ("foo-3", 0, "4"), ("foo-4", 0, "2")], 2, ["foo-2", "foo-4"]),
    ],
)
def test_cleanup_order(rss: list[tuple[str, int, str]], limit: int, deleted: list[str]) -> None:
    d = make_d()
    d["spec"]["revisionHistoryLimit"] = limit
    objs = [make_rs(n, r, created=f"2017-01-01T00:0{i}:00Z", revision=rev or None) for i, (n, r, rev) in enumerate(rss)]
    assert [rs["metadata"]["name"] for rs in sync.cleanup_victims(d, objs)] == deleted


# kubernetes/kubernetes:pkg/controller/deployment/util/deployment_util_test.go TestGetReplicaCountForReplicaSets
# (the terminatingReplicas rows)
@pytest.mark.parametrize(
    "statuses, expected",
    [
        pytest.param([{"observedGeneration": 1, "terminatingReplicas": 1}, {"observedGeneration": 1, "terminatingReplicas": 2}], 3, id="summed"),
        pytest.param([{"observedGeneration": 0}, {"observedGeneration": 1, "terminatingReplicas": 2}], 2, id="an unsynced RS is skipped"),
        pytest.param([{"observedGeneration": 1}, {"observedGeneration": 1, "terminatingReplicas": 2}], None, id="a synced RS without the count makes it unknown"),
    ],
)
def test_terminating_replicas(statuses: list[dict[str, int]], expected: int | None) -> None:
    rss = [dict(make_rs(f"rs{i}", 1), status=st) for i, st in enumerate(statuses)]
    assert sync.terminating_replicas(rss) == expected


def test_terminating_pods_are_counted_on_the_replica_set_and_the_deployment() -> None:
    from ..harness import Cluster, deployment

    c = Cluster()
    c.store.create(deployment(replicas=3))
    assert c.run_until(lambda: c.snapshot().complete)
    c.edit("web", lambda d: d["spec"].update(replicas=1))
    d = c.get()
    (rs,) = c.store.list("ReplicaSet")
    assert rs["status"]["terminatingReplicas"] == 2 and rs["status"]["replicas"] == 1
    assert d["status"]["terminatingReplicas"] == 2
    c.advance(30)  # the grace period: the pods are gone
    assert c.get()["status"]["terminatingReplicas"] == 0


def test_calculate_status_keeps_a_traffic_routing_written_by_another() -> None:
    d = make_d(3)
    routing = {"canaryRevision": "abc123", "weight": 20}
    d["status"] = {"observedGeneration": 1, "trafficRouting": routing}
    assert sync.calculate_status(d, [], None)["trafficRouting"] == routing
    d["status"]["currentStepHash"] = "h"  # a canary controller's own routing is not carried over
    assert "trafficRouting" not in sync.calculate_status(d, [], None)
