"""When a simulated container is Ready: its readiness probe run against the app's health over time.

The app is healthy from ``readySeconds`` after its container runs, except in its ``unhealthy``
windows (scenario time, for every pod of the image at once: a dependency down) and its flapping
windows (``every`` E seconds, ``for`` F seconds, per pod: the m-th window starts m·E seconds after
the app first came up). The probe runs at ``initialDelaySeconds`` and every ``periodSeconds``
after; as the kubelet counts (``prober/worker.go``), the container turns Ready after
``successThreshold`` passing checks in a row and NotReady after ``failureThreshold`` failing
ones. Without a readinessProbe nothing checks the app: it is Ready as soon as it runs, whatever
its health.

Worked example: period 10 s, failureThreshold 3, successThreshold 1, app up at 0, unhealthy from
25 to 62: checks at 30, 40, 50 fail, NotReady at 50; the check at 70 passes, Ready at 70.

The computation walks runs of equal check results (one per window, not one per check), so its
cost grows with the number of windows passed, never with the number of checks.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from graceroll.api.meta import Obj

HORIZON_WINDOWS = 1000  # windows looked at beyond now before giving up on finding a change


@dataclass(frozen=True)
class Health:
    ready_seconds: float = 0.0
    unhealthy: tuple[tuple[float, float], ...] = ()  # absolute [from, to) clock times
    flapping: tuple[tuple[float, float], ...] = ()  # (every, for) in seconds


@dataclass(frozen=True)
class Readiness:
    ready: bool
    since: float  # when the current value began (the container's start for the first NotReady)
    next_change: float | None  # absolute time of the next change, None if there is none


def readiness(probe: Obj | None, health: Health, running_at: float, now: float) -> Readiness:
    """The readiness of a container running since ``running_at``, at ``now``."""
    if probe is None:
        return Readiness(True, running_at, None)
    initial = float(probe.get("initialDelaySeconds") or 0)
    period = float(probe.get("periodSeconds") or 10)
    need = {True: int(probe.get("successThreshold") or 1), False: int(probe.get("failureThreshold") or 3)}
    base = running_at + initial

    def check_index(t: float) -> int:
        """The first check at or after ``t``."""
        return 0 if t == -math.inf else max(0, math.ceil((t - base) / period - 1e-9))

    ready, since, later = False, running_at, 0
    for start, end, ok in _runs(_windows(health, running_at), check_index):
        if base + start * period > now:
            later += 1
            if later > HORIZON_WINDOWS:
                return Readiness(ready, since, base + start * period)  # nothing changes soon: look again then
        if ok == ready or (end is not None and end - start < need[ok]):
            continue
        at = base + (start + need[ok] - 1) * period
        if at > now:
            return Readiness(ready, since, at)
        ready, since = ok, at
    return Readiness(ready, since, None)


def _runs(windows: Iterator[tuple[float, float]], check_index: Callable[[float], int]) -> Iterator[tuple[int, int | None, bool]]:
    """Runs of equal check results: (first check, end exclusive or None for ever, passes).

    Windows come sorted by start; failing checks of overlapping or touching windows form one run.
    """
    k = 0  # the first check not yet in a run
    lo = hi = -1  # the failing run being built
    for a, b in windows:
        wlo, whi = check_index(a), check_index(b)
        if whi <= wlo:
            continue  # no check falls in this window
        if hi >= 0 and wlo <= hi:
            hi = max(hi, whi)
            continue
        if hi >= 0:
            yield lo, hi, False
            k = hi
        if wlo > k:
            yield k, wlo, True
        lo, hi = max(wlo, k), whi
    if hi >= 0:
        yield lo, hi, False
        k = hi
    yield k, None, True


def _windows(health: Health, running_at: float) -> Iterator[tuple[float, float]]:
    """The app's unhealthy intervals in time order: before it is up, then its windows."""
    up = running_at + health.ready_seconds
    fixed = sorted(w for w in health.unhealthy if w[1] > w[0])
    flaps = [_flap(up, every, length) for every, length in health.flapping if every > 0 and length > 0]
    yield (-math.inf, up)
    yield from heapq.merge(fixed, *flaps)


def _flap(up: float, every: float, length: float) -> Iterator[tuple[float, float]]:
    m = 1
    while True:
        yield (up + m * every, up + m * every + length)
        m += 1
