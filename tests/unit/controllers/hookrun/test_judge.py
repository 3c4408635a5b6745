"""The built-in judge: histogram quantiles, windows between readings, verdicts, and the graceroll
provider through the HookRun controller with a fake ``TrafficSource`` on virtual time."""

from __future__ import annotations

import math
from typing import Any

import pytest

import graceroll.api.builtin  # noqa: F401
from graceroll.api.admission import admit
from graceroll.clock import VirtualClock
from graceroll.controllers.hookrun import judge
from graceroll.controllers.hookrun.controller import HookRunController
from graceroll.controllers.hookrun.fetch import FakeFetcher
from graceroll.controllers.hookrun.judge import Counters, Thresholds
from graceroll.controllers.hookrun.providers import COUNTERS, NO_DATA_PLANE
from graceroll.controllers.runtime import Manager
from graceroll.metrics.traffic import LATENCY_BUCKETS, TrafficSample
from graceroll.store.memory import MemoryStore

Obj = dict[str, Any]
BOUNDS = (*LATENCY_BUCKETS, math.inf)


def hist(**counts: int) -> tuple[int, ...]:
    """Cumulative buckets from per-bucket counts keyed ``b<bound in ms>`` (``b10=50`` is ≤10 ms), ``inf``."""
    per = [0] * len(BOUNDS)
    for key, n in counts.items():
        per[len(BOUNDS) - 1 if key == "inf" else LATENCY_BUCKETS.index(float(key[1:].replace("_", ".")) / 1000)] += n
    out, total = [], 0
    for n in per:
        total += n
        out.append(total)
    return tuple(out)


def side(requests: int, failures: int = 0, latency_ms: str = "b5") -> Counters:
    return Counters(requests, failures, hist(**{latency_ms: requests}), 0.0)


# ---- histogram_quantile --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "buckets", "want"),
    [
        pytest.param(0.99, hist(b10=50, b25=40, b50=9, b100=1), 0.05, id="rank 99 of 100 at the top of the 25-50 ms bucket"),
        pytest.param(0.95, hist(b10=50, b25=40, b50=9, b100=1), 0.025 + 0.025 * 5 / 9, id="interpolated inside a bucket"),
        pytest.param(0.5, hist(b10=50, b25=40, b50=9, b100=1), 0.01, id="the median at the top of the first filled bucket"),
        pytest.param(0.5, hist(b1=10), 0.0005, id="the first bucket starts at 0"),
        pytest.param(0.99, hist(inf=10), 10.0, id="a rank in +Inf is the highest finite bound"),
        pytest.param(0.99, hist(), None, id="no observations: no quantile"),
    ],
)
def test_quantile_interpolates_as_prometheus_histogram_quantile(q: float, buckets: tuple[int, ...], want: float | None) -> None:
    """prometheus/prometheus ``promql/quantile.go`` ``bucketQuantile``: linear inside the bucket the
    rank falls in, the lowest bucket from 0, +Inf answered by the highest finite bound."""
    got = judge.quantile(q, buckets)
    assert got == pytest.approx(want) if want is not None else got is None


# ---- windows -------------------------------------------------------------------------------------


def test_a_window_is_the_delta_since_the_previous_reading_and_a_reset_starts_afresh() -> None:
    before = {"web/canary": side(100, 10), "web/stable": side(900)}
    now = {"web/canary": side(300, 20), "web/stable": side(50)}  # the stable side's data plane restarted
    canary, stable = judge.windows(now, before, "canary", None)
    assert (canary.requests, canary.failures) == (200, 10)
    assert stable.requests == 50


def test_the_first_reading_judges_everything_counted_so_far_and_stable_defaults_to_every_other_revision() -> None:
    now = {"web/c": side(10), "web/s1": side(20), "web/s2": side(30), "api/s1": side(5)}
    canary, stable = judge.windows(now, {}, "c", None)
    assert (canary.requests, stable.requests) == (10, 55)
    assert judge.windows(now, {}, "c", "s2")[1].requests == 30  # stableRevision picks one


# ---- verdicts ------------------------------------------------------------------------------------

DEFAULT = Thresholds(min_requests=50, tolerance=0.01, factor=1.5)


@pytest.mark.parametrize(
    ("canary", "stable", "thresholds", "phase", "message"),
    [
        pytest.param(side(500), side(4500), DEFAULT, "Successful", "", id="a healthy canary passes"),
        pytest.param(side(500, 100), side(4500), DEFAULT, "Failed", "canary success rate 80.00% < stable 100.00% - tolerance 1.00%", id="5xx on 20% of requests fails"),
        pytest.param(side(500, 4), side(4500, 9), DEFAULT, "Successful", "", id="within the tolerance of a stable side that fails too"),
        pytest.param(side(49), side(4500), DEFAULT, "Inconclusive", "too few canary requests: 49 < minRequests 50", id="too few canary requests"),
        pytest.param(side(500), side(10), DEFAULT, "Inconclusive", "too few stable requests: 10 < minRequests 50", id="too few stable requests for a relative check"),
        pytest.param(side(500, 10), side(0), Thresholds(50, minimum=0.99), "Failed", "canary success rate 98.00% < minimum 99.00%", id="an absolute minimum needs no stable side"),
        pytest.param(side(500, latency_ms="b100"), side(4500, latency_ms="b10"), DEFAULT, "Failed", "canary p99 99.5ms > stable p99 10.0ms x factor 1.5", id="p99 regression"),
        pytest.param(side(500, latency_ms="b2_5"), side(4500, latency_ms="b2_5"), DEFAULT, "Successful", "", id="the same bucket is no regression"),
        pytest.param(side(500, latency_ms="b250"), side(4500), Thresholds(50, maximum_seconds=0.1), "Failed", "canary p99 248.5ms > maximumSeconds 0.1", id="an absolute p99 maximum"),
        pytest.param(Counters(500, 0), side(4500), DEFAULT, "Inconclusive", "no latency histogram for the canary", id="no histogram cannot pass a latency check"),
    ],
)
def test_verdicts(canary: Counters, stable: Counters, thresholds: Thresholds, phase: str, message: str) -> None:
    v = judge.judge(canary, stable, thresholds)
    assert (v.phase, v.message) == (phase, message)


def test_a_regression_inside_the_stable_p99s_own_bucket_is_below_the_histograms_resolution() -> None:
    """Stable p99 1.1 ms and canary p99 2.5 ms both lie in the 1-2.5 ms bucket: not a regression."""
    stable = Counters(1000, 0, hist(b1=989, b2_5=11), 0.0)
    canary = Counters(1000, 0, hist(b2_5=1000), 0.0)
    assert stable.p99 is not None and canary.p99 is not None and canary.p99 > stable.p99 * 1.5
    assert judge.judge(canary, stable, DEFAULT).phase == "Successful"


# ---- the provider through the HookRun controller -------------------------------------------------


class FakeTraffic:
    """A TrafficSource whose cumulative counters the test sets."""

    def __init__(self) -> None:
        self.now: list[TrafficSample] = []

    def samples(self) -> list[TrafficSample]:
        return list(self.now)

    def set(self, canary: Counters, stable: Counters) -> None:
        self.now = [
            TrafficSample("default", "web", rev, c.requests, {"5xx": c.failures}, c.buckets, c.latency_sum)
            for rev, c in (("web-canary", canary), ("web-stable", stable))
        ]


class Judged:
    def __init__(self, traffic: FakeTraffic | None = None) -> None:
        self.clock = VirtualClock()
        self.store = MemoryStore(self.clock, seed=0)
        source = traffic.samples if traffic is not None else None
        self.manager = Manager(self.store, self.clock, [HookRunController(self.store, self.clock, FakeFetcher(), source)])

    def run(self, provider: Obj, args: list[Obj] | None = None, **metric: Any) -> None:
        m = {"name": "judge", "provider": {"graceroll": provider}, **metric}
        run = {"apiVersion": "tkex.tencent.com/v1alpha1", "kind": "HookRun", "metadata": {"name": "r", "namespace": "default"}, "spec": {"metrics": [m], "args": args or []}}
        self.store.create(admit(run))
        self.manager.run_pending()

    def step(self) -> None:
        due = self.manager.next_due()
        assert due is not None
        self.clock.advance_to(due)
        self.manager.fire_due()
        self.manager.run_pending()

    def status(self) -> Obj:
        st: Obj = self.store.get("HookRun", "default", "r").get("status") or {}
        return st

    def measurements(self) -> list[Obj]:
        found: list[Obj] = self.status()["metricResults"][0].get("measurements") or []
        return found


CANARY_ARG = [{"name": "CanaryRevision", "value": "web-canary"}]


def test_the_provider_judges_the_window_between_two_measurements() -> None:
    """(step 1/2) the canary was bad before the run started; (step 2/2) the window since is healthy."""
    traffic = FakeTraffic()
    traffic.set(side(1000, 300), side(9000))
    j = Judged(traffic)
    j.run({"service": "web"}, CANARY_ARG, interval="10s", count=2, failureLimit=1)
    first = j.measurements()[0]
    assert first["phase"] == "Failed" and first[COUNTERS]["web/web-canary"]["requests"] == 1000
    traffic.set(side(1500, 300), side(13500))  # 500 more canary requests, none failed
    j.step()
    second = j.measurements()[1]
    assert second["phase"] == "Successful", second
    assert second["value"] == "canary 100.00% of 500 requests ok, p99 5.0ms; stable 100.00% of 4500 requests ok, p99 5.0ms"
    assert j.status()["phase"] == "Successful" and j.clock.elapsed() == 10.0


@pytest.mark.parametrize(
    ("canary", "phase"),
    [
        pytest.param(side(500), "Successful", id="healthy canary"),
        pytest.param(side(500, 100), "Failed", id="5xx on 20% of requests"),
        pytest.param(side(20), "Inconclusive", id="too few samples"),
        pytest.param(side(500, latency_ms="b250"), "Failed", id="p99 regression"),
    ],
)
def test_one_measurement_decides_the_run(canary: Counters, phase: str) -> None:
    traffic = FakeTraffic()
    traffic.set(canary, side(4500))
    j = Judged(traffic)
    j.run({"service": "web"}, CANARY_ARG)
    assert j.status()["phase"] == phase, j.status()


def test_the_services_default_to_those_selecting_the_owners_pods() -> None:
    traffic = FakeTraffic()
    traffic.set(side(500, 100), side(4500))
    j = Judged(traffic)
    owner = j.store.create(
        admit({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
               "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web", "tier": "front"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
    )
    for name, selector in (("web", {"app": "web"}), ("other", {"app": "other"})):
        j.store.create(admit({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"}, "spec": {"selector": selector, "ports": [{"port": 80}]}}))
    run = {"apiVersion": "tkex.tencent.com/v1alpha1", "kind": "HookRun",
           "metadata": {"name": "r", "namespace": "default", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": owner["metadata"]["uid"], "controller": True}]},
           "spec": {"metrics": [{"name": "judge", "provider": {"graceroll": {}}}], "args": CANARY_ARG}}
    j.store.create(admit(run))
    j.manager.run_pending()
    assert j.status()["phase"] == "Failed" and "80.00%" in j.status()["message"]


@pytest.mark.parametrize(
    ("traffic", "provider", "args", "message"),
    [
        pytest.param(None, {"service": "web"}, CANARY_ARG, NO_DATA_PLANE, id="no data plane (operator, simulator)"),
        pytest.param(FakeTraffic(), {"service": "web"}, [], "provider graceroll: no canary revision: set canaryRevision, or run the template from a canary step", id="no canary revision"),
        pytest.param(FakeTraffic(), {}, CANARY_ARG, "provider graceroll: no Service selects the pods of the run's workload; set service", id="no Service"),
    ],
)
def test_what_cannot_be_measured_is_an_error_that_says_why(traffic: FakeTraffic | None, provider: Obj, args: list[Obj], message: str) -> None:
    j = Judged(traffic)
    j.run(provider, args)
    assert j.status()["phase"] == "Error" and j.measurements()[0]["message"] == message


def test_the_judge_is_defaulted_and_refuses_conditions() -> None:
    template = {"apiVersion": "tkex.tencent.com/v1alpha1", "kind": "HookTemplate", "metadata": {"name": "t", "namespace": "default"},
                "spec": {"metrics": [{"name": "judge", "provider": {"graceroll": {}}}]}}
    stored = admit(template)
    assert stored["spec"]["metrics"][0]["provider"]["graceroll"] == {"minRequests": 50, "successRate": {"tolerance": 0.01}, "latencyP99": {"factor": 1.5}}
    bad = admit(template)
    bad["spec"]["metrics"][0].update(successCondition="result > 1")
    bad["spec"]["metrics"][0]["provider"]["graceroll"].update(minRequests=0, successRate={"tolerance": 2})
    with pytest.raises(Exception) as e:
        admit(bad)
    text = str(e.value)
    for part in (
        "spec.metrics[0].successCondition: Forbidden: the graceroll provider decides with its successRate and latencyP99 thresholds",
        "spec.metrics[0].provider.graceroll.minRequests: Invalid value: 0: must be at least 1",
        "spec.metrics[0].provider.graceroll.successRate.tolerance: Invalid value: 2: must be between 0 and 1, inclusive",
    ):
        assert part in text
