"""Int-or-percent values (``3`` or ``"25%"``), scaled the way apimachinery's intstr does."""

from __future__ import annotations

import math
import re

IntOrStr = int | str


class IntOrStrError(ValueError):
    pass


def scaled_value(v: IntOrStr | None, total: int, round_up: bool) -> int:
    """``GetScaledValueFromIntOrPercent``: an int is itself; ``p%`` is ceil/floor(p*total/100)."""
    if v is None:
        raise IntOrStrError("nil value for IntOrString")
    if isinstance(v, bool):
        raise IntOrStrError(f"invalid value {v!r}")
    if isinstance(v, int):
        return v
    if not v.endswith("%"):
        raise IntOrStrError("invalid type: string is not a percentage")
    try:
        p = int(v[:-1])
    except ValueError as e:
        raise IntOrStrError(f'invalid value "{v}": {e}') from e
    value = float(p) * total / 100  # float64, as upstream
    return math.ceil(value) if round_up else math.floor(value)


def round_half_away(x: float) -> int:
    """``integer.RoundToInt32``: half away from zero (Python's round() is banker's and must not be used)."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_ATOI = re.compile(r"[+-]?\d+")


def kruise_scaled_value(v: IntOrStr | None, total: int, round_up: bool) -> int:
    """Kruise's ``GetScaledValueFromIntOrPercent`` (``openkruise/kruise:pkg/util/tools.go``).

    Unlike apimachinery's, the number before ``%`` is a float, so ``"0.01%"`` and ``"99.99%"`` are
    legal: ``"99.99%"`` of 999 is 998.9001, 999 rounded up, 998 down.
    """
    if v is None:
        raise IntOrStrError("nil value for IntOrString")
    if isinstance(v, bool):
        raise IntOrStrError(f"invalid value {v!r}")
    if isinstance(v, int):
        return v
    if not v.endswith("%"):
        raise IntOrStrError("invalid type: string is not a percentage")
    digits = v[:-1]
    if not _FLOAT.fullmatch(digits):
        raise IntOrStrError(f'invalid value "{v}": strconv.ParseFloat: parsing "{digits}": invalid syntax')
    value = float(digits) * float(total) / 100
    return math.ceil(value) if round_up else math.floor(value)


def partition_replicas(partition: IntOrStr | None, replicas: int | None) -> int:
    """``CalculatePartitionReplicas``: how many pods a CloneSet keeps on old revisions.

    A percent rounds up, yet anything below ``"100%"`` still updates one pod when there are two
    or more: ``"99%"`` of 9 is ceil(8.91) = 9, lowered to 8. Absent replicas count as 1. Raises
    ``IntOrStrError`` for an unparsable value (the controller then uses 0).
    """
    if partition is None:
        return 0
    total = 1 if replicas is None else replicas
    p = kruise_scaled_value(partition, total, True)
    if total > 1 and p == total and isinstance(partition, str) and partition != "100%":
        p = total - 1
    return max(min(p, total), 0)


def legacy_value(v: IntOrStr | None, total: int, round_up: bool) -> int:
    """apimachinery's old ``GetValueFromIntOrPercent``, which the CloneSet controller still uses for
    maxSurge and maxUnavailable: every ``%`` is stripped and the rest must be an integer percent.
    """
    if v is None:
        raise IntOrStrError("nil value for IntOrString")
    if isinstance(v, bool):
        raise IntOrStrError(f"invalid value {v!r}")
    if isinstance(v, int):
        return v
    digits = v.replace("%", "")
    if not _ATOI.fullmatch(digits):
        raise IntOrStrError(f'invalid value for IntOrString: invalid value "{v}"')
    value = float(int(digits)) * total / 100
    return math.ceil(value) if round_up else math.floor(value)
