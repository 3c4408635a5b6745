"""Node restarts: pods are restarted, not adopted; groups left by a crashed engine are killed first."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from graceroll.node.process.ledger import FILE, Ledger
from graceroll.node.process.procfs import POD_UID_ENV, group_members

from .harness import Cluster

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]


async def test_stopped_node_leaves_pods_in_the_store_and_a_new_node_restarts_them(cluster: Cluster) -> None:
    app = cluster.container(APP_COUNT="1") | {"volumeMounts": [{"name": "data", "mountPath": "data"}]}
    cluster.create("web", [app], volumes=[{"name": "data", "emptyDir": {}}], terminationGracePeriodSeconds=5)
    first = await cluster.app_running("web")
    ip = cluster.status("web")["podIP"]

    await cluster.node.stop()
    assert not group_members(first)
    assert cluster.pod("web") is not None, "stopping the engine does not delete pods"
    assert cluster.condition("web", "Ready") == "False"
    assert "terminated" in cluster.cs("web")["state"]

    node = cluster.new_node()
    await node.start()
    second = await cluster.app_running("web")
    assert second != first
    cs = cluster.cs("web")
    assert cs["restartCount"] == 1 and cs["lastState"]["terminated"]["exitCode"] == 0
    assert cluster.status("web")["podIP"] == ip, "a restarted pod keeps its address"
    assert [c["count"] for c in cluster.app_events("count")] == [1, 2], "emptyDir data survives"


@pytest.fixture
def stale_process(tmp_path: Path) -> object:
    """A container an engine killed with -9 left behind: its own session, the pod uid in its environment."""
    started: list[subprocess.Popen[bytes]] = []

    def start(uid: str) -> subprocess.Popen[bytes]:
        env = dict(os.environ, **{POD_UID_ENV: uid})
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], env=env, start_new_session=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


async def test_a_recorded_group_still_alive_is_killed_before_the_pod_starts_again(cluster: Cluster, stale_process: object) -> None:
    await cluster.node.stop()  # the test plays the crashed engine's part itself
    pod = cluster.create("web", [cluster.container()])
    uid = pod["metadata"]["uid"]
    stale = stale_process(uid)  # type: ignore[operator]
    pod_dir = cluster.state_dir / "pods" / uid
    pod_dir.mkdir(parents=True)
    ledger = Ledger(pod_dir / FILE, "default", "web", uid)
    ledger.add(stale.pid)
    unrelated = stale_process("another-pod")  # type: ignore[operator]
    ledger.add(unrelated.pid)
    record = json.loads((pod_dir / FILE).read_text())
    record["groups"][1]["started"] -= 1  # as if the recorded id had been reused by another process since
    (pod_dir / FILE).write_text(json.dumps(record))
    (cluster.state_dir / "pods" / "uid-of-a-deleted-pod").mkdir()
    old_logs = cluster.state_dir / "logs" / "default_web_uid-of-a-deleted-pod"
    old_logs.mkdir(parents=True)

    node = cluster.new_node()
    await node.start()
    assert stale.wait(timeout=5) == -signal.SIGKILL
    assert unrelated.poll() is None, "a group that is not the pod's is left alone"
    await cluster.app_running("web")
    assert not (cluster.state_dir / "pods" / "uid-of-a-deleted-pod").exists()
    assert not old_logs.exists(), "logs of pods no longer in the store go too"
