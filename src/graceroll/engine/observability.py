"""The engine's ``/metrics`` and dashboard, wired to its store, controllers and clock in one place."""

from __future__ import annotations

from dataclasses import dataclass

from graceroll.apiserver.extension import Extension
from graceroll.clock import SystemClock
from graceroll.controllers.runtime import Manager
from graceroll.dashboard.http import Dashboard
from graceroll.metrics import endpoint
from graceroll.metrics.registry import EngineMetrics
from graceroll.store.base import Store


@dataclass(frozen=True)
class Observability:
    metrics: EngineMetrics
    dashboard: Dashboard

    @property
    def extensions(self) -> tuple[Extension, ...]:
        return (endpoint.extension(self.metrics), self.dashboard.extension())


def attach(store: Store, clock: SystemClock, manager: Manager, token: str) -> Observability:
    """Count ``manager``'s reconciles from now on; serve both through the API server's extensions."""
    metrics = EngineMetrics(store, manager, clock.now, clock.monotonic)
    return Observability(metrics, Dashboard(store, clock, token, metrics.traffic.samples))
