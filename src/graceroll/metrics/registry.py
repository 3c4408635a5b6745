"""One engine's metrics: its own registry with every collector, rendered for ``/metrics``."""

from __future__ import annotations

import platform
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Info,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)

from graceroll import __version__
from graceroll.controllers.runtime import Manager
from graceroll.metrics.controllers import QueueCollector, ReconcileMetrics
from graceroll.metrics.objects import PodCollector, StoreCollector
from graceroll.metrics.rollouts import RolloutCollector
from graceroll.metrics.traffic import TrafficCollector, TrafficSource
from graceroll.store.base import Store

CONTENT_TYPE = CONTENT_TYPE_LATEST


class EngineMetrics:
    def __init__(self, store: Store, manager: Manager, now: Callable[[], float], monotonic: Callable[[], float]) -> None:
        """Observes ``manager``'s reconciles from now on; ``now`` stamps the start time."""
        disable_created_metrics()  # type: ignore[no-untyped-call]  # the ``*_created`` series double every counter and say little here
        self.registry = CollectorRegistry(auto_describe=False)
        Info("graceroll_engine", "The running engine.", registry=self.registry).info({"version": __version__, "python": platform.python_version()})
        Gauge("graceroll_engine_start_time_seconds", "When the engine started (Unix time).", registry=self.registry).set(now())
        ProcessCollector(registry=self.registry)
        self.reconciles = ReconcileMetrics(self.registry, monotonic)
        self.reconciles.known([c.name for c in manager.controllers])
        manager.observer = self.reconciles
        self.traffic = TrafficCollector()
        for collector in (QueueCollector(manager), RolloutCollector(store), PodCollector(store), StoreCollector(store), self.traffic):
            self.registry.register(collector)

    def add_traffic_source(self, source: TrafficSource) -> None:
        """Where a data plane hands over its per-Service, per-revision counters (``traffic.py``)."""
        self.traffic.sources.append(source)

    def render(self) -> bytes:
        """The Prometheus text exposition format, what Prometheus scrapes."""
        return generate_latest(self.registry)
