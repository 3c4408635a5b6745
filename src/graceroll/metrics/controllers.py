"""Reconcile counters and durations per controller, and the work queue's depth at scrape time."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from graceroll.controllers.runtime import Manager

RESULTS = ("success", "requeue_after", "conflict", "error")
# controller-runtime's reconcile buckets stop at 60 s; graceroll's reconciles are in-process, so
# finer buckets at the low end say more (a slow reconcile on the event loop delays everything).
DURATION_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ReconcileMetrics:
    """A ``Manager`` observer: counts each reconcile by result and times it with ``monotonic``."""

    def __init__(self, registry: CollectorRegistry, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self.total = Counter("graceroll_controller_reconcile", "Reconciles per controller, by result.", ["controller", "result"], registry=registry)
        self.errors = Counter("graceroll_controller_reconcile_errors", "Reconciles that failed unexpectedly (retried after a second).", ["controller"], registry=registry)
        self.duration = Histogram(
            "graceroll_controller_reconcile_duration_seconds", "Time one reconcile took.", ["controller"], buckets=DURATION_BUCKETS, registry=registry
        )

    def known(self, controllers: list[str]) -> None:
        """Export zeros for every controller from the start (a rate over a missing series is no data)."""
        for name in controllers:
            self.errors.labels(name)
            self.duration.labels(name)
            for result in RESULTS:
                self.total.labels(name, result)

    def start(self) -> float:
        return self._monotonic()

    def done(self, controller: str, started: float, result: str) -> None:
        self.duration.labels(controller).observe(max(self._monotonic() - started, 0.0))
        self.total.labels(controller, result).inc()
        if result == "error":
            self.errors.labels(controller).inc()


class QueueCollector(Collector):
    """``graceroll_workqueue_depth``: keys waiting per controller, read when scraped."""

    def __init__(self, manager: Manager) -> None:
        self.manager = manager

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("graceroll_workqueue_depth", "Keys waiting in a controller's work queue.", labels=["controller"])
        for name, n in self.manager.queue_depths().items():
            depth.add_metric([name], n)
        yield depth
