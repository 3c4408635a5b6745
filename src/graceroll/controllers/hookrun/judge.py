"""The built-in judge: the canary revision against the stable one, from the data plane's counters.

The data plane counts requests per (namespace, Service, pod revision), cumulative since it started
(``metrics.traffic.TrafficSample``). Each measurement stores the counters it read, keyed
``<service>/<revision>`` (``counters`` in the HookRun's measurement, so nothing lives outside the
store). The next measurement judges the **window** between the two readings: the delta of every
counter. A counter that went down means the data plane restarted, and its new value is the
window, as Prometheus' ``rate()`` treats a reset. The first measurement judges everything counted
so far: for a canary revision, that is its whole life.

Verdict, first match wins:

1. fewer than ``minRequests`` canary requests in the window → **Inconclusive** (never a success on
   too little data);
2. a relative threshold is set and fewer than ``minRequests`` stable requests → **Inconclusive**;
3. success rate (requests without a refused / reset / timeout / 5xx failure, over requests):
   canary < stable − ``tolerance``, or canary < ``minimum`` → **Failed**;
4. p99 latency, from the histogram as Prometheus' ``histogram_quantile`` computes it: canary >
   stable × ``factor``, or canary > ``maximumSeconds`` → **Failed**. A relative regression must
   also leave the histogram bucket the stable p99 lies in: inside one bucket, the interpolation
   cannot tell two latencies apart (stable 1.1 ms and canary 2.2 ms are both in 1–2.5 ms);
5. otherwise **Successful**.

Example: a window with 500 canary requests of which 100 answered 5xx (80.0%) and 4,500 stable
requests all good (100.0%), tolerance 0.01: 80.0% < 99.0%, Failed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graceroll.metrics.traffic import LATENCY_BUCKETS, TrafficSample

Obj = dict[str, Any]
SUCCESSFUL, FAILED, INCONCLUSIVE = "Successful", "Failed", "Inconclusive"
BOUNDS = (*LATENCY_BUCKETS, math.inf)


@dataclass(frozen=True)
class Counters:
    """One (service, revision)'s counters, or a window of them, or a sum of windows."""

    requests: int = 0
    failures: int = 0
    buckets: tuple[int, ...] = ()  # cumulative per BOUNDS
    latency_sum: float = 0.0

    @staticmethod
    def of(sample: TrafficSample) -> Counters:
        return Counters(sample.requests, sum(sample.failures.values()), tuple(sample.latency_buckets), sample.latency_sum)

    @staticmethod
    def load(data: Obj) -> Counters:
        return Counters(int(data.get("requests") or 0), int(data.get("failures") or 0), tuple(int(b) for b in data.get("buckets") or ()), float(data.get("sum") or 0.0))

    def dump(self) -> Obj:
        return {"requests": self.requests, "failures": self.failures, "buckets": list(self.buckets), "sum": self.latency_sum}

    def since(self, before: Counters | None) -> Counters:
        """The window from ``before`` to this reading (all of it after a reset)."""
        if before is None or self.requests < before.requests or len(before.buckets) != len(self.buckets):
            return self
        return Counters(
            self.requests - before.requests,
            max(self.failures - before.failures, 0),
            tuple(max(a - b, 0) for a, b in zip(self.buckets, before.buckets)),
            max(self.latency_sum - before.latency_sum, 0.0),
        )

    def __add__(self, other: Counters) -> Counters:
        if not self.buckets or not other.buckets:
            buckets = self.buckets or other.buckets
        else:
            buckets = tuple(a + b for a, b in zip(self.buckets, other.buckets))
        return Counters(self.requests + other.requests, self.failures + other.failures, buckets, self.latency_sum + other.latency_sum)

    @property
    def success_rate(self) -> float:
        return (self.requests - self.failures) / self.requests if self.requests else math.nan

    @property
    def p99(self) -> float | None:
        return quantile(0.99, self.buckets)


def quantile(q: float, buckets: Sequence[int]) -> float | None:
    """Prometheus' ``histogram_quantile``: linear interpolation inside the bucket the rank falls in
    (from 0 for the first bucket); the highest finite bound when it falls in +Inf. None when empty.

    Example: buckets ≤0.01: 90, ≤0.025: 99, ≤0.05: 100 (cumulative), q 0.99: rank 99 is in the
    second bucket at its top, 0.025."""
    if len(buckets) != len(BOUNDS) or buckets[-1] <= 0:
        return None
    rank = q * buckets[-1]
    for i, cumulative in enumerate(buckets):
        if cumulative >= rank:
            if math.isinf(BOUNDS[i]):
                return BOUNDS[i - 1] if i > 0 else None
            lower, below = (0.0, 0) if i == 0 else (BOUNDS[i - 1], buckets[i - 1])
            inside = cumulative - below
            return BOUNDS[i] if inside == 0 else lower + (BOUNDS[i] - lower) * (rank - below) / inside
    return None


def bucket_top(value: float) -> float:
    """The upper bound of the bucket ``value`` lies in."""
    return next(b for b in BOUNDS if value <= b)


def read(samples: Iterable[TrafficSample], namespace: str, services: Iterable[str]) -> dict[str, Counters]:
    """``<service>/<revision>`` → counters, for the given Services."""
    wanted = set(services)
    return {f"{s.service}/{s.revision}": Counters.of(s) for s in samples if s.namespace == namespace and s.service in wanted}


@dataclass(frozen=True)
class Thresholds:
    min_requests: int
    tolerance: float | None = None
    minimum: float | None = None
    factor: float | None = None
    maximum_seconds: float | None = None

    @staticmethod
    def of(body: Obj) -> Thresholds:
        rate, latency = body.get("successRate") or {}, body.get("latencyP99") or {}
        return Thresholds(
            int(body.get("minRequests") or 1),
            _number(rate.get("tolerance")),
            _number(rate.get("minimum")),
            _number(latency.get("factor")),
            _number(latency.get("maximumSeconds")),
        )

    @property
    def relative(self) -> bool:
        return self.tolerance is not None or self.factor is not None


def _number(v: Any) -> float | None:
    return None if v is None else float(v)


@dataclass(frozen=True)
class Verdict:
    phase: str
    value: str  # the measurement's value: both sides' numbers
    message: str = ""


def windows(now: Mapping[str, Counters], before: Mapping[str, Counters], canary: str, stable: str | None) -> tuple[Counters, Counters]:
    """The canary's and the stable side's windows: each ``<service>/<revision>`` delta, summed per
    side; ``stable`` None means every revision other than the canary."""
    sides = [Counters(), Counters()]
    for key, counters in now.items():
        revision = key.split("/", 1)[1]
        side = 0 if revision == canary else 1 if stable is None or revision == stable else None
        if side is not None:
            sides[side] = sides[side] + counters.since(before.get(key))
    return sides[0], sides[1]


def judge(canary: Counters, stable: Counters, t: Thresholds) -> Verdict:
    value = f"canary {_side(canary)}; stable {_side(stable)}"

    def verdict(phase: str, message: str = "") -> Verdict:
        return Verdict(phase, value, message)

    if canary.requests < t.min_requests:
        return verdict(INCONCLUSIVE, f"too few canary requests: {canary.requests} < minRequests {t.min_requests}")
    if t.relative and stable.requests < t.min_requests:
        return verdict(INCONCLUSIVE, f"too few stable requests: {stable.requests} < minRequests {t.min_requests}")
    rate, stable_rate = canary.success_rate, stable.success_rate
    if t.tolerance is not None and rate < stable_rate - t.tolerance:
        return verdict(FAILED, f"canary success rate {rate:.2%} < stable {stable_rate:.2%} - tolerance {t.tolerance:.2%}")
    if t.minimum is not None and rate < t.minimum:
        return verdict(FAILED, f"canary success rate {rate:.2%} < minimum {t.minimum:.2%}")
    p99, stable_p99 = canary.p99, stable.p99
    if (t.factor is not None or t.maximum_seconds is not None) and p99 is None:
        return verdict(INCONCLUSIVE, "no latency histogram for the canary")
    if t.factor is not None and stable_p99 is None:
        return verdict(INCONCLUSIVE, "no latency histogram for the stable revision")
    if t.factor is not None and p99 is not None and stable_p99 is not None:
        regressed = p99 > stable_p99 * t.factor and p99 > bucket_top(stable_p99)
        if regressed:
            return verdict(FAILED, f"canary p99 {_ms(p99)} > stable p99 {_ms(stable_p99)} x factor {t.factor:g}")
    if t.maximum_seconds is not None and p99 is not None and p99 > t.maximum_seconds:
        return verdict(FAILED, f"canary p99 {_ms(p99)} > maximumSeconds {t.maximum_seconds:g}")
    return verdict(SUCCESSFUL)


def _side(c: Counters) -> str:
    if not c.requests:
        return "0 requests"
    p99 = c.p99
    return f"{c.success_rate:.2%} of {c.requests} requests ok, p99 {_ms(p99) if p99 is not None else 'unknown'}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}ms"
