"""Pods by phase and readiness, and stored objects by kind, counted from the store at scrape time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from graceroll.api import kinds
from graceroll.controllers import podutil
from graceroll.store.base import Store


class PodCollector(Collector):
    """``graceroll_pods{namespace,phase,ready}``; a terminating pod keeps its phase (as in Kubernetes)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts: Counter[tuple[str, str, str]] = Counter()
        for pod in self.store.list("Pod"):
            ready = "true" if podutil.is_ready(pod) else "false"
            counts[(pod["metadata"].get("namespace", ""), podutil.phase(pod), ready)] += 1
        family = GaugeMetricFamily("graceroll_pods", "Pods by namespace, phase and readiness.", labels=["namespace", "phase", "ready"])
        for labels, n in sorted(counts.items()):
            family.add_metric(list(labels), n)
        yield family


class StoreCollector(Collector):
    """``graceroll_store_objects{kind}`` and the store's resourceVersion (it only grows: writes/s)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("graceroll_store_objects", "Objects in the store by kind.", labels=["kind"])
        for k in sorted(kinds.all_kinds(), key=lambda k: k.kind):
            family.add_metric([k.kind], len(self.store.list(k.kind)))
        yield family
        yield GaugeMetricFamily("graceroll_store_resource_version", "The store's resourceVersion (one per write).", value=self.store.resource_version)
