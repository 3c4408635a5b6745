"""Kruise's percent helpers: partition (§5.1) and the float percent (§5.2), plus the legacy one.

Origin: openkruise/kruise@v1.9.0:pkg/util/tools_test.go ``TestCalculatePartitionReplicas`` and
``TestGetScaledValueFromIntOrPercent``.
"""

from __future__ import annotations

import pytest

from graceroll.api.intstr import IntOrStrError, kruise_scaled_value, legacy_value, partition_replicas

PARTITION = [
    pytest.param(0, "99%", 0, id="P1 no replicas"),
    pytest.param(10, None, 0, id="P2 no partition"),
    pytest.param(9, "99%", 8, id="P3 99% of 9 leaves one to update"),
    pytest.param(10, "90%", 9, id="P4"),
    pytest.param(10, "1%", 1, id="P5 any percent keeps one"),
    pytest.param(99, "99%", 98, id="P6"),
    pytest.param(99, "100%", 99, id="P7 100% keeps all"),
    pytest.param(99, "0%", 0, id="P8"),
    pytest.param(None, "100%", 1, id="P9 replicas nil counts as 1"),
    pytest.param(None, None, 0, id="P10"),
    pytest.param(None, "1%", 1, id="P11"),
    pytest.param(None, "1%", 1, id="P12 duplicate row upstream"),
    pytest.param(10, 5, 5, id="P13"),
    pytest.param(10, 1, 1, id="P14"),
    pytest.param(10, 0, 0, id="P15"),
    pytest.param(10, 10, 10, id="P16"),
    pytest.param(9, "0.01%", 1, id="P18 float percent"),
    pytest.param(999, "99.99%", 998, id="P19 float percent below 100"),
]


@pytest.mark.parametrize(("replicas", "partition", "want"), PARTITION)
def test_partition_replicas(replicas: int | None, partition: int | str | None, want: int) -> None:
    assert partition_replicas(partition, replicas) == want


def test_partition_without_percent_sign_is_an_error() -> None:
    """P17: "99" is not a percent (the controller then uses 0)."""
    with pytest.raises(IntOrStrError):
        partition_replicas("99", 9)


SCALED = [
    pytest.param(123, 0, True, 123, id="V1 an int is itself"),
    pytest.param("90%", 100, True, 90, id="V2"),
    pytest.param("90%", 95, True, 86, id="V3 up"),
    pytest.param("90%", 95, False, 85, id="V4 down"),
    pytest.param("99.99%", 999, False, 998, id="V5"),
    pytest.param("99.99%", 999, True, 999, id="V6"),
    pytest.param("0.01%", 95, False, 0, id="V7"),
    pytest.param("0.01%", 95, True, 1, id="V8"),
]


@pytest.mark.parametrize(("value", "total", "round_up", "want"), SCALED)
def test_kruise_scaled_value(value: int | str, total: int, round_up: bool, want: int) -> None:
    assert kruise_scaled_value(value, total, round_up) == want


@pytest.mark.parametrize("value", [pytest.param("%", id="V9"), pytest.param("90#", id="V10"), pytest.param("#%", id="V11"), pytest.param("90", id="V12")])
def test_kruise_scaled_value_rejects(value: str) -> None:
    with pytest.raises(IntOrStrError):
        kruise_scaled_value(value, 10, True)


def test_legacy_value_takes_integer_percents_only() -> None:
    """maxSurge/maxUnavailable in the controller: "33.3%" fails there (the webhook would accept it)."""
    assert legacy_value("40%", 5, False) == 2
    assert legacy_value("30%", 5, True) == 2
    with pytest.raises(IntOrStrError):
        legacy_value("33.3%", 10, True)
