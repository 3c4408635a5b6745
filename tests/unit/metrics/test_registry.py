"""``/metrics`` as rendered for a rollout held in progress on the simulated cluster."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from graceroll.metrics.registry import EngineMetrics
from graceroll.metrics.traffic import LATENCY_BUCKETS, TrafficSample

from ..held_rollout import held_cluster

WEB = {"kind": "Deployment", "namespace": "default", "name": "web"}  # labels


def scrape(m: EngineMetrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(m.render().decode())
        for s in family.samples
    }


def sample(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], metric: str, /, **labels: str) -> float | None:
    return samples.get((metric, frozenset(labels.items())))


def test_rollout_progress_is_read_from_the_store_at_scrape_time() -> None:
    c = held_cluster()
    m = EngineMetrics(c.store, c.manager, c.clock.now, c.clock.monotonic)
    s = scrape(m)
    assert [sample(s, f"graceroll_rollout_{n}_replicas", **WEB) for n in ("desired", "current", "updated", "ready", "available")] == [4, 5, 1, 4, 4]
    assert [sample(s, f"graceroll_rollout_{n}", **WEB) for n in ("paused", "complete", "failed")] == [0, 0, 0]
    c.edit("web", lambda d: d["spec"].update(paused=True))
    assert sample(scrape(m), "graceroll_rollout_paused", **WEB) == 1


def test_pods_by_phase_and_readiness_and_objects_by_kind() -> None:
    c = held_cluster()
    s = scrape(EngineMetrics(c.store, c.manager, c.clock.now, c.clock.monotonic))
    assert sample(s, "graceroll_pods", namespace="default", phase="Running", ready="true") == 4
    assert sample(s, "graceroll_pods", namespace="default", phase="Running", ready="false") == 1
    assert sample(s, "graceroll_store_objects", kind="ReplicaSet") == 2
    assert sample(s, "graceroll_store_objects", kind="Deployment") == 1


def test_reconciles_are_counted_per_controller_from_when_metrics_attach() -> None:
    c = held_cluster()
    m = EngineMetrics(c.store, c.manager, c.clock.now, c.clock.monotonic)
    before = scrape(m)
    assert sample(before, "graceroll_controller_reconcile_total", controller="deployment", result="success") == 0  # exported from the start
    c.edit("web", lambda d: d["spec"].update(replicas=6))
    after = scrape(m)
    counted = sum(sample(after, "graceroll_controller_reconcile_total", controller="deployment", result=r) or 0 for r in ("success", "requeue_after"))
    assert counted > 0
    assert sample(after, "graceroll_controller_reconcile_duration_seconds_count", controller="deployment") == counted
    assert sample(after, "graceroll_controller_reconcile_errors_total", controller="deployment") == 0
    assert sample(after, "graceroll_workqueue_depth", controller="replicaset") == 0  # settled


class Source:
    def samples(self) -> list[TrafficSample]:
        buckets = tuple(range(1, len(LATENCY_BUCKETS) + 2))
        return [TrafficSample("default", "web", "5d8c7f9b4", 20, {"5xx": 2, "reset": 1}, buckets, 0.5)]


def test_traffic_series_appear_only_once_a_data_plane_registers_a_source() -> None:
    c = held_cluster()
    m = EngineMetrics(c.store, c.manager, c.clock.now, c.clock.monotonic)
    assert not [k for k in scrape(m) if k[0].startswith("graceroll_service_")]
    m.add_traffic_source(Source())
    s = scrape(m)
    labels = {"namespace": "default", "service": "web", "revision": "5d8c7f9b4"}
    assert sample(s, "graceroll_service_requests_total", **labels) == 20
    assert sample(s, "graceroll_service_request_failures_total", **labels, kind="5xx") == 2
    assert sample(s, "graceroll_service_request_duration_seconds_bucket", **labels, le="+Inf") == len(LATENCY_BUCKETS) + 1
    assert sample(s, "graceroll_service_request_duration_seconds_sum", **labels) == 0.5
