"""Rollout progress per workload, read from the store at scrape time (``workload.progress``)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from graceroll.store.base import Store
from graceroll.workload import progress
from graceroll.workload.base import workload_kinds

LABELS = ["kind", "namespace", "name"]
GAUGES = (
    ("desired", "Replicas the workload asks for (spec.replicas; spec.instance for a Mesos deployment)."),
    ("current", "Non-terminating pods of the workload, every revision."),
    ("updated", "Pods of the workload's newest revision."),
    ("ready", "Ready pods of the workload."),
    ("available", "Available pods of the workload (ready for minReadySeconds)."),
)
FLAGS = (
    ("paused", "1 while the rollout is paused (rollout pause, or a canary pause)."),
    ("complete", "1 once the rollout is complete."),
    ("failed", "1 once the rollout gave up (progress deadline exceeded, Mesos update suspended)."),
)


class RolloutCollector(Collector):
    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = {n: GaugeMetricFamily(f"graceroll_rollout_{n}_replicas", h, labels=LABELS) for n, h in GAUGES}
        flags = {n: GaugeMetricFamily(f"graceroll_rollout_{n}", h, labels=LABELS) for n, h in FLAGS}
        for kind in workload_kinds():
            for obj in self.store.list(kind):
                seen = progress.read(self.store, obj)
                if seen is None:
                    continue
                p = seen[1]
                labels = [kind, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]]
                for name, _ in GAUGES:
                    counts[name].add_metric(labels, getattr(p, name))
                for name, _ in FLAGS:
                    flags[name].add_metric(labels, 1.0 if getattr(p, name) else 0.0)
        yield from counts.values()
        yield from flags.values()
