"""Upstream vectors for the rolling-update planners.

kubernetes/kubernetes:pkg/controller/deployment/rolling_test.go (classic rows; the feature-gated
TerminationComplete rows are out of scope: graceroll does not implement podReplacementPolicy)
"""

from __future__ import annotations

import pytest

from graceroll.controllers.deployment import rolling

from .builders import make_d, make_rs


# TestDeploymentController_reconcileNewReplicaSet: mu = 0, allRSs = [new, old]
@pytest.mark.parametrize(
    "dep, ms, old, new, scaled, expected",
    [
        pytest.param(10, 0, 10, 0, False, None, id="no surge: nothing to add"),
        pytest.param(10, 2, 10, 0, True, 2, id="surge 2: new grows to 2"),
        pytest.param(10, 2, 5, 0, True, 7, id="room below the maximum: new grows to 7"),
        pytest.param(10, 2, 10, 2, False, None, id="at the maximum: unchanged"),
        pytest.param(10, 2, 2, 11, True, 10, id="new above replicas: scaled down to replicas"),
    ],
)
def test_new_rs_target(dep: int, ms: int, old: int, new: int, scaled: bool, expected: int | None) -> None:
    d = make_d(dep, ms, 0)
    new_rs, old_rs = make_rs("foo-v2", new), make_rs("foo-v1", old)
    assert rolling.new_rs_target(d, [new_rs, old_rs], new_rs) == expected
    assert (expected is not None) is scaled


# TestDeploymentController_reconcileOldReplicaSets: ms = 0
@pytest.mark.parametrize(
    "dep, mu, old, new, old_avail, new_avail, scaled, expected_old",
    [
        pytest.param(10, 0, 10, 0, 10, 0, True, 9, id="mu 0 still sheds one (fencepost)"),
        pytest.param(10, 2, 10, 0, 10, 0, True, 8, id="mu 2 sheds two available"),
        pytest.param(10, 2, 10, 0, 8, 0, True, 8, id="two unhealthy cleaned first"),
        pytest.param(10, 2, 10, 0, 9, 0, True, 8, id="one unhealthy and one available"),
        pytest.param(10, 2, 8, 2, 8, 0, False, 8, id="unavailable new pods block scale-down"),
    ],
)
def test_old_rs_targets(dep: int, mu: int, old: int, new: int, old_avail: int, new_avail: int, scaled: bool, expected_old: int) -> None:
    d = make_d(dep, 0, mu)
    old_rs = make_rs("foo-old", old, old_avail, created="2017-01-01T00:00:00Z")
    new_rs = make_rs("foo-new", new, new_avail, created="2017-01-01T00:01:00Z")
    plan = rolling.old_rs_targets(d, [old_rs, new_rs], [old_rs], new_rs)
    assert bool(plan) is scaled
    assert plan.sizes.get("foo-old", old) == expected_old


# TestDeploymentController_cleanupUnhealthyReplicas: deployment 10, ms 2, mu 2
@pytest.mark.parametrize(
    "old, available, max_cleanup, cleaned",
    [(10, 8, 1, 1), (10, 8, 3, 2), (10, 8, 0, 0), (10, 10, 3, 0)],
)
def test_cleanup_unhealthy(old: int, available: int, max_cleanup: int, cleaned: int) -> None:
    sizes = rolling.cleanup_unhealthy([make_rs("foo", old, available)], max_cleanup)
    assert old - sizes.get("foo", old) == cleaned


# TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate: ms = 0, allRSs = oldRSs = [old]
@pytest.mark.parametrize(
    "dep, mu, old_avail, old, scaled, new_old",
    [
        (10, 0, 10, 10, True, 9),
        (10, 2, 10, 10, True, 8),
        (10, 2, 8, 10, False, 10),
        (10, 2, 10, 0, False, 0),
        (10, 2, 1, 10, False, 10),
    ],
)
def test_scale_down_old(dep: int, mu: int, old_avail: int, old: int, scaled: bool, new_old: int) -> None:
    d = make_d(dep, 0, mu)
    rs = make_rs("foo", old, old_avail)
    sizes = rolling.scale_down_old(d, [], [rs], {"foo": old})
    assert bool(sizes) is scaled
    assert sizes.get("foo", old) == new_old


# ResolveFenceposts comment in deployment_util.go: the stepping for tiny deployments
@pytest.mark.parametrize(
    "desired, mu, ms, steps",
    [
        pytest.param(2, "1%", "0%", ["old-1", "new+1", "old-1", "new+1"], id="2 desired mu 1% ms 0%"),
        pytest.param(1, "1%", "0%", ["old-1", "new+1"], id="1 desired mu 1% ms 0%"),
        pytest.param(2, "25%", "1%", ["new+1", "old-1", "new+1", "old-1"], id="2 desired mu 25% ms 1%"),
        pytest.param(1, "25%", "1%", ["new+1", "old-1"], id="1 desired mu 25% ms 1%"),
        pytest.param(2, "0%", "1%", ["new+1", "old-1", "new+1", "old-1"], id="2 desired mu 0% ms 1%"),
        pytest.param(1, "0%", "1%", ["new+1", "old-1"], id="1 desired mu 0% ms 1%"),
    ],
)
def test_fencepost_stepping(desired: int, mu: str, ms: str, steps: list[str]) -> None:
    """Pods become available instantly; each pass moves one direction (new first, else old)."""
    d = make_d(desired, ms, mu)
    new_rs = make_rs("new", 0, created="2017-01-01T00:01:00Z")
    old_rs = make_rs("old", desired, desired)
    seen: list[str] = []
    for _ in range(10):
        target = rolling.new_rs_target(d, [old_rs, new_rs], new_rs)
        if target is not None:
            seen.append(f"new{target - new_rs['spec']['replicas']:+d}")
            new_rs = make_rs("new", target, target, created="2017-01-01T00:01:00Z")
            continue
        sizes = rolling.old_rs_targets(d, [old_rs, new_rs], [old_rs] if old_rs["spec"]["replicas"] else [], new_rs).sizes
        if not sizes:
            break
        seen.append(f"old{sizes['old'] - old_rs['spec']['replicas']:+d}")
        old_rs = make_rs("old", sizes["old"], sizes["old"])
    assert seen == steps


def test_unhealthy_cleanup_and_scale_down_are_two_writes_in_order() -> None:
    """replicas 10, mu 2, ms 3; old 10 (8 available), new 3 (all available): maxScaledDown 5.
    The cleanup takes the old RS to 8, then the scale-down sheds 11 - 8 = 3 more: 10 -> 8 -> 5."""
    d = make_d(10, 3, 2)
    old_rs = make_rs("foo-old", 10, 8, created="2017-01-01T00:00:00Z")
    new_rs = make_rs("foo-new", 3, 3, created="2017-01-01T00:01:00Z")
    plan = rolling.old_rs_targets(d, [old_rs, new_rs], [old_rs], new_rs)
    assert plan.cleanup == (("foo-old", 8),)
    assert plan.scale_down == (("foo-old", 5),)
    assert plan.sizes == {"foo-old": 5}
