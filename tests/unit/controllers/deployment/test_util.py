"""Upstream vectors for the pure helpers.

kubernetes/kubernetes:pkg/controller/deployment/util/deployment_util_test.go
"""

from __future__ import annotations

import pytest

from graceroll.api.intstr import IntOrStrError
from graceroll.controllers.deployment import util

from .builders import TEMPLATE, make_d, make_rs


# TestResolveFenceposts
@pytest.mark.parametrize(
    "ms, mu, desired, surge, unavailable, error",
    [
        pytest.param("0%", "0%", 0, 0, 1, False, id="both zero percent forces one unavailable"),
        pytest.param("39%", "39%", 10, 4, 3, False, id="surge rounds up, unavailable rounds down"),
        pytest.param("oops", "39%", 10, 0, 0, True, id="bad surge string is an error"),
        pytest.param("55%", "urg", 10, 0, 0, True, id="bad unavailable string is an error"),
        pytest.param(None, "39%", 10, 0, 3, False, id="nil surge counts as zero"),
        pytest.param("39%", None, 10, 4, 0, False, id="nil unavailable counts as zero"),
        pytest.param(None, None, 10, 0, 1, False, id="both nil forces one unavailable"),
    ],
)
def test_resolve_fenceposts(ms: object, mu: object, desired: int, surge: int, unavailable: int, error: bool) -> None:
    if error:
        with pytest.raises(IntOrStrError):
            util.resolve_fenceposts(ms, mu, desired)  # type: ignore[arg-type]
    else:
        assert util.resolve_fenceposts(ms, mu, desired) == (surge, unavailable)  # type: ignore[arg-type]


# TestNewRSNewReplicas: allRSs = [rs5] (the new RS is not part of allRSs), mu = 1
@pytest.mark.parametrize(
    "strategy, dep, new, ms, expected",
    [
        pytest.param("RollingUpdate", 1, 5, 1, 5, id="can not scale up - to newRSReplicas"),
        pytest.param("RollingUpdate", 6, 2, 10, 6, id="scale up - to depReplicas"),
        pytest.param("Recreate", 3, 1, 1, 3, id="recreate - to depReplicas"),
    ],
)
def test_new_rs_new_replicas(strategy: str, dep: int, new: int, ms: int, expected: int) -> None:
    d = make_d(dep, ms, 1, strategy)
    assert util.new_rs_new_replicas(d, [make_rs("rs5", 5)], make_rs("new", new)) == expected


# TestMaxUnavailable
@pytest.mark.parametrize(
    "replicas, mu, strategy, expected",
    [
        (10, 5, "RollingUpdate", 5),
        (10, 10, "RollingUpdate", 10),
        (5, 10, "RollingUpdate", 5),
        (0, 10, "RollingUpdate", 0),
        (10, 1, "Recreate", 0),
        (10, "50%", "RollingUpdate", 5),
        (10, "100%", "RollingUpdate", 10),
        (5, "100%", "RollingUpdate", 5),
    ],
)
def test_max_unavailable(replicas: int, mu: object, strategy: str, expected: int) -> None:
    assert util.max_unavailable(make_d(replicas, 1, mu, strategy)) == expected


# TestMinAvailable
@pytest.mark.parametrize(
    "replicas, mu, strategy, expected",
    [
        (10, 5, "RollingUpdate", 5),
        (10, 10, "RollingUpdate", 0),
        (5, 10, "RollingUpdate", 0),
        (0, 10, "RollingUpdate", 0),
        (10, 1, "Recreate", 0),
        (10, "60%", "RollingUpdate", 4),
        (10, "100%", "RollingUpdate", 0),
        (5, "100%", "RollingUpdate", 0),
    ],
)
def test_min_available(replicas: int, mu: object, strategy: str, expected: int) -> None:
    assert util.min_available(make_d(replicas, 1, mu, strategy)) == expected


# TestDeploymentComplete (desired, current, updated, available, mu, ms)
@pytest.mark.parametrize(
    "desired, current, updated, available, mu, ms, complete",
    [
        (5, 5, 5, 4, 1, 0, False),
        (5, 5, 5, 3, 1, 0, False),
        (5, 5, 5, 5, 0, 0, True),
        (5, 5, 4, 5, 0, 0, False),
        (1, 2, 1, 1, 0, 1, False),
        (1, 1, 1, 0, 1, 1, False),
    ],
)
def test_deployment_complete(desired: int, current: int, updated: int, available: int, mu: int, ms: int, complete: bool) -> None:
    d = make_d(desired, ms, mu)
    status = {"replicas": current, "updatedReplicas": updated, "availableReplicas": available, "observedGeneration": 1}
    assert util.deployment_complete(d, status) is complete


# TestDeploymentProgressing old(current, updated, ready, available) -> new(...)
@pytest.mark.parametrize(
    "old, new, progressing",
    [
        ((10, 4, 4, 4), (10, 6, 4, 4), True),
        ((10, 4, 4, 4), (10, 4, 4, 4), False),
        ((10, 4, 6, 6), (8, 4, 6, 6), True),
        ((10, 7, 3, 3), (10, 6, 3, 3), False),
        ((10, 4, 7, 7), (8, 8, 5, 5), True),
        ((10, 10, 9, 8), (10, 10, 10, 8), True),
        ((10, 10, 10, 9), (10, 10, 10, 10), True),
    ],
)
def test_deployment_progressing(old: tuple[int, ...], new: tuple[int, ...], progressing: bool) -> None:
    def st(v: tuple[int, ...]) -> dict[str, int]:
        return dict(zip(("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"), v))

    assert util.deployment_progressing(st(old), st(new)) is progressing


# TestGetReplicaSetFraction (newest), mu = 1
@pytest.mark.parametrize(
    "dep, ms, rs_replicas, max_replicas, status_replicas, expected",
    [
        (0, 0, 10, None, 0, -10),
        (10, 0, 5, None, 0, 0),
        (10, 0, 5, "0", 0, 0),
        (120, 0, 50, None, 100, 10),
        (120, 0, 50, "0", 100, 10),
        (120, 0, 50, "100", 0, 10),
        (120, 10, 50, "110", 0, 9),
        (10, 0, 6, "12", 0, -1),
        (100, 10, 50, "130", 0, -8),
    ],
)
def test_replica_set_fraction(dep: int, ms: int, rs_replicas: int, max_replicas: str | None, status_replicas: int, expected: int) -> None:
    d = make_d(dep, ms, 1, status_replicas=status_replicas)
    ann = {util.MAX_REPLICAS_ANNOTATION: max_replicas} if max_replicas is not None else None
    assert util.replica_set_fraction(make_rs("rs", rs_replicas, annotations=ann), d) == expected


# TestGetNonNegativeInt32FromAnnotation
@pytest.mark.parametrize(
    "value, expected",
    [(None, None), ("invalid", None), ("-1", None), ("0", 0), ("13", 13), ("2147483647", 2147483647), ("2147483648", None), ("4294967296", None)],
)
def test_parse_nonneg_int32(value: str | None, expected: int | None) -> None:
    assert util.parse_nonneg_int32(value) == expected


# TestAnnotationUtils: history limit of 5 characters
def test_revision_history_keeps_latest_entries_within_limit() -> None:
    d = make_d()
    rs = make_rs("rs", 1)
    for n in range(11, 21):
        util.set_new_replica_set_annotations(d, rs, str(n), exists=True, limit=5)
        ann = rs["metadata"]["annotations"]
        assert ann[util.REVISION_ANNOTATION] == str(n)
        if n == 11:
            assert util.REVISION_HISTORY_ANNOTATION not in ann
        elif n == 12:
            assert ann[util.REVISION_HISTORY_ANNOTATION] == "11"
        else:
            assert ann[util.REVISION_HISTORY_ANNOTATION] == f"{n - 2},{n - 1}"


def test_set_replicas_annotations_and_saturation() -> None:
    rs = make_rs("rs", 1, available=1)
    assert util.set_replicas_annotations(rs, 10, 11)
    assert rs["metadata"]["annotations"][util.DESIRED_REPLICAS_ANNOTATION] == "10"
    assert rs["metadata"]["annotations"][util.MAX_REPLICAS_ANNOTATION] == "11"
    sat = make_rs("rs", 1, available=1, annotations={util.DESIRED_REPLICAS_ANNOTATION: "1"})
    assert util.is_saturated(make_d(1), sat)


# TestReplicasAnnotationsNeedUpdate (desired 10, max 20)
@pytest.mark.parametrize(
    "annotations, need",
    [
        (None, True),
        ({util.DESIRED_REPLICAS_ANNOTATION: "8", util.MAX_REPLICAS_ANNOTATION: "20"}, True),
        ({util.DESIRED_REPLICAS_ANNOTATION: "10", util.MAX_REPLICAS_ANNOTATION: "16"}, True),
        ({util.DESIRED_REPLICAS_ANNOTATION: "10", util.MAX_REPLICAS_ANNOTATION: "20"}, False),
    ],
)
def test_replicas_annotations_need_update(annotations: dict[str, str] | None, need: bool) -> None:
    rs = make_rs("rs", 1)
    if annotations is None:
        rs["metadata"].pop("annotations", None)
    else:
        rs["metadata"]["annotations"] = annotations
    assert util.replicas_annotations_need_update(rs, 10, 20) is need


# TestFindNewReplicaSet / TestFindOldReplicaSets
def _with_hash(rs: dict, h: str) -> dict:
    rs["spec"]["template"] = {"metadata": {"labels": {"app": "foo", util.POD_TEMPLATE_HASH_LABEL: h}}, "spec": TEMPLATE["spec"]}
    return rs


def _other(rs: dict) -> dict:
    rs["spec"]["template"] = {"metadata": {"labels": {"app": "foo"}}, "spec": {"containers": [{"name": "c", "image": "old"}]}}
    return rs


def test_find_new_replica_set_prefers_the_oldest_match() -> None:
    d = make_d()
    new = _with_hash(make_rs("new", 1, created="2017-01-01T00:00:10Z"), "hash")
    old = _other(make_rs("old", 1, created="2017-01-01T00:00:00Z"))
    dup = _with_hash(make_rs("dup", 0, created="2017-01-01T00:00:05Z"), "different-hash")
    assert util.find_new_replica_set(d, [new, old]) is new
    assert util.find_new_replica_set(d, [new, old, dup]) is dup
    assert util.find_new_replica_set(d, [old]) is None


def test_find_old_replica_sets() -> None:
    d = make_d()
    new = _with_hash(make_rs("new", 1, created="2017-01-01T00:00:10Z"), "hash")
    old = _other(make_rs("old", 0, created="2017-01-01T00:00:00Z"))
    assert util.find_old_replica_sets(d, [new, old]) == ([], [old])
    assert util.find_old_replica_sets(d, [old]) == ([], [old])
    dup = _with_hash(make_rs("dup", 0, created="2017-01-01T00:00:05Z"), "x")
    assert util.find_old_replica_sets(d, [old, new, dup]) == ([new], [old, new])
    assert util.find_old_replica_sets(d, [new]) == ([], [])


# TestEqualIgnoreHash
def _t(labels: dict[str, str], image: str = "a") -> dict:
    return {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": image}]}}


H = util.POD_TEMPLATE_HASH_LABEL


@pytest.mark.parametrize(
    "a, b, equal",
    [
        pytest.param(_t({"something": "else"}), _t({"something": "else"}), True, id="same labels"),
        pytest.param(_t({H: "value-1", "something": "else"}), _t({H: "value-2", "something": "else"}), True, id="only hash differs"),
        pytest.param(_t({H: "value-1", "something": "else"}), _t({"something": "else"}), True, id="one side lacks hash"),
        pytest.param(_t({"something": "else"}), _t({H: "value-2"}), False, id="different labels"),
        pytest.param(_t({H: "value-1"}), _t({"something": "else"}), False, id="hash vs label"),
        pytest.param(_t({H: "value-1"}), _t({H: "value-1", "something": "else"}), False, id="extra label"),
        pytest.param(_t({}, "a"), _t({}, "b"), False, id="different spec"),
    ],
)
def test_equal_ignore_hash(a: dict, b: dict, equal: bool) -> None:
    assert util.equal_ignore_hash(a, b) is equal
    assert util.equal_ignore_hash(b, a) is equal


# TestGenerateReplicaSetName (newest sync_test.go)
@pytest.mark.parametrize(
    "name, hash_, expected",
    [
        ("my-deployment", "abcde12345", "my-deployment-abcde12345"),
        ("a" * 242, "abcde12345", "a" * 242 + "-abcde12345"),
        ("b" * 250, "abcde12345", "b" * 242 + "-abcde12345"),
        ("d" * 252, "h" * 252, "d" * 252 + "-" + "h" * 252),
    ],
)
def test_replica_set_name(name: str, hash_: str, expected: str) -> None:
    assert util.replica_set_name(name, hash_) == expected


def test_pod_template_hash_uses_the_safe_alphabet_and_collision_count() -> None:
    h0 = util.compute_hash(TEMPLATE, None)
    assert set(h0) <= set("456789bcdf")
    assert util.compute_hash(TEMPLATE, 0) != h0
    assert util.compute_hash(TEMPLATE, 1) != util.compute_hash(TEMPLATE, 0)
    assert util.compute_hash(TEMPLATE, None) == h0
