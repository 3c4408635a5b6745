"""HAProxy server weights that give a traffic split's groups their exact shares (pure).

HAProxy balances per server (``balance roundrobin``: over a cycle, each server in proportion to
its weight, 0..256), while a split (``proxy.split``) gives a share to a *group* whatever its size.
So each canary server gets ``wc`` and each other server ``ws``, chosen so that the canary group's
share ``c·wc / (c·wc + s·ws)`` is as close as 1..256 allows to ``weight``%: the smallest ``wc``
(shortest cycle) among the pairs with the least error.

Rounding: exact whenever ``weight·s`` and ``(100 − weight)·c`` reduce to a ratio of numbers up to
256 (1 canary among 10 at 10 %: 1 and 1; at 50 %: 9 and 1), and within 0.1 percentage point
wherever the per-server ratio the split needs, ``weight·s / ((100 − weight)·c)``, lies between
1/256 and 256 (``error`` tells; checked over every split of up to 10 canary and 100 other pods).
Beyond that the split cannot be given by weights, since every server needs a weight of at least
1: 1 canary pod among 10 can get up to 96 %, among 50 up to 83 %; the nearest share is used and
the process logs it once (``TOLERANCE``: more than 1 point off).

Weight 0 and 100 are exact (0 on the side that gets nothing), and a group with no usable server
(none ready, or all draining) leaves the other every request, as the built-in proxy does.
"""

from __future__ import annotations

import math

MAX_WEIGHT = 256
TOLERANCE = 0.01


def share(canary: int, stable: int, wc: int, ws: int) -> float:
    """The canary group's share of requests with these per-server weights."""
    total = canary * wc + stable * ws
    return canary * wc / total if total else 0.0


def server_weights(canary: int, stable: int, weight: int) -> tuple[int, int]:
    """(weight of each canary server, weight of each other server) for ``weight``% to the canary."""
    if canary == 0 or stable == 0:
        return 1, 1  # one side is empty: the other gets everything anyway
    if weight <= 0:
        return 0, 1
    if weight >= 100:
        return 1, 0
    want = weight / 100
    best, best_error = (1, 1), math.inf
    for wc in range(1, MAX_WEIGHT + 1):
        ideal = wc * canary * (100 - weight) / (weight * stable)
        for ws in {max(1, min(MAX_WEIGHT, math.floor(ideal))), max(1, min(MAX_WEIGHT, math.ceil(ideal)))}:
            error = abs(share(canary, stable, wc, ws) - want)
            if error < best_error - 1e-12:
                best, best_error = (wc, ws), error
        if best_error < 1e-12:
            break
    return best


def error(canary: int, stable: int, weight: int) -> float:
    """How far the weights ``server_weights`` gives are from ``weight``% (0 when exact)."""
    if canary == 0 or stable == 0:
        return 0.0
    return abs(share(canary, stable, *server_weights(canary, stable, weight)) - weight / 100)
