"""Pod termination: drain → preStop → SIGTERM → SIGKILL at the end of the grace period → removed."""

from __future__ import annotations

import os
import sys

import pytest

from graceroll.clock import parse_time
from graceroll.node.process import logs
from graceroll.node.process.procfs import group_members

from .harness import Cluster

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]


def pre_stop_recorder(cluster: Cluster, sleep: float = 0.0) -> dict[str, object]:
    script = (
        f"import json, time; time.sleep({sleep}); "
        f"open({str(cluster.events)!r}, 'a').write(json.dumps({{'event': 'preStop', 't': time.time()}}) + '\\n')"
    )
    return {"preStop": {"exec": {"command": [sys.executable, "-c", script]}}}


async def test_stop_order_is_drain_then_pre_stop_then_sigterm_then_sigkill_at_the_deadline(cluster: Cluster) -> None:
    cluster.drain.delay = 0.3
    app = cluster.container(APP_IGNORE_TERM="1") | {"lifecycle": pre_stop_recorder(cluster)}
    cluster.create("web", [app], terminationGracePeriodSeconds=2)
    pid = await cluster.app_running("web")
    uid = cluster.pod("web")["metadata"]["uid"]  # type: ignore[index]
    ip = cluster.status("web")["podIP"]
    log_dir = cluster.node.logs_dir("default", "web", "app")
    assert logs.runs(log_dir)
    marked = cluster.store.delete("Pod", "default", "web")
    assert marked is not None
    deadline = parse_time(marked["metadata"]["deletionTimestamp"])
    deleted_at = deadline - 2

    await cluster.until(lambda: cluster.pod("web") is None, timeout=6, what="pod removed")
    gone_at = cluster.clock.now()

    [(drain_t, drain_ip, budget)] = cluster.drain.calls
    [pre_stop] = cluster.app_events("preStop")
    [term] = cluster.app_events("term")
    assert drain_ip == ip and 1.5 < budget <= 2
    assert deleted_at <= drain_t < pre_stop["t"] < term["t"], "drain, then preStop, then SIGTERM"
    assert pre_stop["t"] - drain_t >= 0.3, "preStop waits until the proxy drained"
    assert deadline - 0.05 <= gone_at < deadline + 1.0, "SIGKILL when the grace period is used up, not before"
    assert not cluster.app_events("exit"), "the app ignored SIGTERM and was killed"
    assert not group_members(pid)
    assert not (cluster.state_dir / "pods" / uid).exists()
    assert not log_dir.parent.exists()

    # Readiness dropped (and was written) as soon as termination began, before the drain finished.
    not_ready = [
        e for e in cluster.watch
        if e.object["kind"] == "Pod" and e.object["metadata"].get("deletionTimestamp")
        and any(c["type"] == "Ready" and c["status"] == "False" for c in (e.object.get("status") or {}).get("conditions", ()))
    ]
    assert not_ready and parse_time(not_ready[0].object["metadata"]["deletionTimestamp"]) == deadline


async def test_a_process_that_exits_on_sigterm_is_gone_long_before_the_grace_period(cluster: Cluster) -> None:
    cluster.create("quick", [cluster.container()], terminationGracePeriodSeconds=30)
    await cluster.app_running("quick")
    start = cluster.clock.now()
    cluster.store.delete("Pod", "default", "quick")
    await cluster.until(lambda: cluster.pod("quick") is None, timeout=5)
    assert cluster.clock.now() - start < 2
    assert [e["event"] for e in cluster.app_events()] == ["start", "term", "exit"]


async def test_pre_stop_counts_against_the_grace_period(cluster: Cluster) -> None:
    app = cluster.container(APP_IGNORE_TERM="1") | {"lifecycle": pre_stop_recorder(cluster, sleep=10)}
    cluster.create("slow-hook", [app], terminationGracePeriodSeconds=1)
    await cluster.app_running("slow-hook")
    start = cluster.clock.now()
    cluster.store.delete("Pod", "default", "slow-hook")
    await cluster.until(lambda: cluster.pod("slow-hook") is None, timeout=5)
    took = cluster.clock.now() - start
    # preStop is cut off at 1 s, then SIGTERM; SIGKILL min_kill_grace (0.3 s) later.
    assert 1.2 <= took < 2.5
    assert not cluster.app_events("preStop") and cluster.app_events("term")


async def test_a_shorter_grace_period_brings_sigkill_closer(cluster: Cluster) -> None:
    cluster.create("stubborn", [cluster.container(APP_IGNORE_TERM="1")], terminationGracePeriodSeconds=30)
    await cluster.app_running("stubborn")
    start = cluster.clock.now()
    cluster.store.delete("Pod", "default", "stubborn")
    await cluster.until(lambda: cluster.app_events("term"))
    cluster.store.delete("Pod", "default", "stubborn", grace_period_seconds=1)
    await cluster.until(lambda: cluster.pod("stubborn") is None, timeout=5)
    assert cluster.clock.now() - start < 2.5


async def test_a_pod_removed_from_the_store_at_once_has_its_processes_stopped(cluster: Cluster) -> None:
    cluster.create("forced", [cluster.container(APP_IGNORE_TERM="1")])
    pid = await cluster.app_running("forced")
    cluster.store.delete("Pod", "default", "forced", grace_period_seconds=0)
    await cluster.until(lambda: not group_members(pid), timeout=5, what="process killed")
    await cluster.until(lambda: not cluster.node.workers(), timeout=5)
    assert not any(os.scandir(cluster.state_dir / "pods"))


async def test_a_drain_gate_that_overstays_is_cut_off_at_the_grace_period(cluster: Cluster) -> None:
    cluster.drain.delay, cluster.drain.honour_timeout = 30, False
    cluster.create("stuck", [cluster.container()], terminationGracePeriodSeconds=1)
    await cluster.app_running("stuck")
    start = cluster.clock.now()
    cluster.store.delete("Pod", "default", "stuck")
    await cluster.until(lambda: cluster.pod("stuck") is None, timeout=5)
    assert 1 <= cluster.clock.now() - start < 2
    assert cluster.app_events("term"), "SIGTERM still came"
