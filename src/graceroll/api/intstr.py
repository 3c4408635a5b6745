"""Int-or-percent values (``3`` or ``"25%"``), scaled the way apimachinery's intstr does."""

from __future__ import annotations

import math

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
