"""The simulated node: readiness timing from probes, crash-loop back-off, termination."""

from __future__ import annotations

import math

import pytest

from graceroll.clock import format_time
from graceroll.node.sim import Behaviour, Behaviours, crash_restarts
from graceroll.node.sim_probes import Health, readiness


@pytest.mark.parametrize(
    "probe, app_ready, delay",
    [
        pytest.param(None, 0, 0, id="no probe: ready when running"),
        pytest.param({"initialDelaySeconds": 5}, 0, 5, id="first probe after the initial delay"),
        pytest.param({"initialDelaySeconds": 5, "periodSeconds": 10, "successThreshold": 3}, 0, 25, id="success threshold adds periods"),
        pytest.param({"initialDelaySeconds": 2, "periodSeconds": 10}, 15, 22, id="probes fail until the app is up"),
        pytest.param({"periodSeconds": 3}, 6, 6, id="a probe landing exactly when the app is up passes"),
    ],
)
def test_first_ready(probe: dict | None, app_ready: float, delay: float) -> None:
    spec = None if probe is None else {"httpGet": {"path": "/"}, **probe}
    assert readiness(spec, Health(app_ready), 0.0, math.inf).since == delay


@pytest.mark.parametrize(
    "elapsed, restarts, next_in",
    [(0, 1, 10), (9.5, 1, 0.5), (10, 2, 20), (30, 3, 40), (70, 4, 80), (10 + 20 + 40 + 80 + 160, 6, 300), (10 + 20 + 40 + 80 + 160 + 300, 7, 300)],
)
def test_crash_loop_backoff_doubles_to_five_minutes(elapsed: float, restarts: int, next_in: float) -> None:
    assert crash_restarts(elapsed) == (restarts, pytest.approx(next_in))


def test_a_pod_is_as_slow_as_its_slowest_container() -> None:
    b = Behaviours(Behaviour(start_seconds=1), {"slow": Behaviour(start_seconds=9), "bad": Behaviour(crash=True)})
    pod = {"spec": {"containers": [{"image": "fast"}, {"image": "slow"}]}}
    assert b.for_pod(pod).start_seconds == 9
    assert b.for_pod({"spec": {"containers": [{"image": "bad"}]}}).crash


@pytest.mark.parametrize("behaviour, gone_after", [(Behaviour(start_seconds=0), 30.0), (Behaviour(start_seconds=0, stop_seconds=4), 4.0)])
def test_deleted_pod_goes_after_its_grace_period_or_stop_seconds(behaviour: Behaviour, gone_after: float) -> None:
    from ..controllers.harness import Cluster, deployment

    c = Cluster(behaviour)
    c.store.create(deployment(replicas=1))
    assert c.run_until(lambda: c.snapshot().complete)
    c.edit("web", lambda d: d["spec"].update(replicas=0))
    start = c.now
    assert c.run_until(lambda: not c.store.list("Pod"))
    assert c.now - start == gone_after


def test_crashing_pod_reports_restarts_and_never_turns_ready() -> None:
    from ..controllers.harness import Cluster, deployment

    c = Cluster(Behaviour(start_seconds=1), {"bad": Behaviour(crash=True)})
    c.store.create(deployment(replicas=1, image="bad"))
    c.advance(1 + 10 + 20 + 1)
    (pod,) = c.store.list("Pod")
    cs = pod["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 3  # at once, then after 10 s and 20 s
    assert cs["state"] == {"waiting": {"reason": "CrashLoopBackOff"}}
    assert not cs["ready"]


def test_a_pod_waits_for_its_config_map_then_starts_when_it_appears() -> None:
    from ..controllers.harness import Cluster, deployment

    c = Cluster(Behaviour(start_seconds=1))
    d = deployment(replicas=1)
    d["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "app", "key": "mode"}}}]
    c.store.create(d)
    assert c.run_until(lambda: bool(c.store.list("Pod")) and "containerStatuses" in (c.store.list("Pod")[0].get("status") or {}))
    waiting = c.store.list("Pod")[0]["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting == {"reason": "CreateContainerConfigError", "message": 'configmap "app" not found'}
    c.store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": "default"}, "data": {"mode": "fast"}})
    appeared = c.now
    assert c.run_until(lambda: c.snapshot().complete)
    assert c.store.list("Pod")[0]["status"]["startTime"] >= format_time(appeared)
