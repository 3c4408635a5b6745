"""A node started after another died with SIGKILL: it adopts what runs, restarts what is gone, kills the rest."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from graceroll.api.meta import clone
from graceroll.clock import parse_time
from graceroll.node.process.container import EXIT_UNREAD, LOST, STATUS_UNKNOWN
from graceroll.node.process.procfs import group_members, read_stat

from .harness import Cluster, NodeProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


def ready(pod: dict[str, Any] | None) -> bool:
    conditions = ((pod or {}).get("status") or {}).get("conditions") or ()
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def recorder(cluster: Cluster, event: str, then: str = "") -> list[str]:
    """An exec handler that appends ``event`` (with its pid) to the app's event file, then runs ``then``."""
    script = (
        f"import json, os, time; open({str(cluster.events)!r}, 'a').write("
        f"json.dumps({{'event': {event!r}, 't': time.time(), 'pid': os.getpid()}}) + '\\n'); {then or 'pass'}"
    )
    return [sys.executable, "-c", script]


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def pid_of(cs: dict[str, Any]) -> int:
    return int(str(cs["containerID"]).removeprefix("process://"))


async def app_running(cluster: Cluster, node: NodeProcess, name: str = "web", container: str = "app") -> int:
    """The pid of the container's app on the node in the other process, once it handles signals."""

    def started() -> int | None:
        cs = node.cs(name, container)
        pid = pid_of(cs) if "running" in cs.get("state", {}) else None
        return pid if pid and any(e["pid"] == pid for e in cluster.app_events("start")) else None

    pid: int = await node.until(started, what=f"{name}/{container} running the app")
    return pid


async def test_running_pods_are_adopted_unchanged_and_their_probes_go_on(durable: Cluster) -> None:
    ready_file = durable.tmp / "ready"
    ready_file.touch()
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 1, "failureThreshold": 1}
    app = durable.container(APP_SERVE="1", APP_READY_FILE=str(ready_file)) | {"readinessProbe": probe}
    durable.create("web", [app])
    first = NodeProcess(durable)
    await first.until(lambda: ready(first.pods().get("web")), what="web ready on the first node")
    before = first.pods()["web"]
    pid = pid_of(first.cs("web"))
    first.kill()
    assert group_members(pid), "the container outlives its node"

    node = durable.reopen()
    writes = len(durable.watch)
    await node.start()
    ours = parent_of(pid) == os.getpid()  # re-parented to this process if it is a subreaper, else to init
    assert durable.pid("web") == pid
    assert durable.status("web") == before["status"], "same pid, restartCount, IP, startedAt, Ready: nothing rewritten"
    assert len(durable.watch) == writes
    assert [e["pid"] for e in durable.app_events("start")] == [pid], "never restarted"
    out = os.readlink(f"/proc/{pid}/fd/1")
    assert out.startswith("pipe:") and log_shims_reading(out, pid), "it goes on writing to its log shim, which outlived the node too"

    ready_file.unlink()  # the readiness probe resumed: it notices within a period or two
    await durable.until(lambda: durable.condition("web", "Ready") == "False", timeout=5, what="NotReady from the probe")
    ready_file.touch()
    await durable.until(lambda: durable.condition("web", "Ready") == "True", timeout=5, what="Ready again")

    await node.stop()  # an adopted container stops like any other: SIGTERM, and the app exits
    assert [e["pid"] for e in durable.app_events("term")] == [pid]
    assert not group_members(pid)
    terminated = durable.cs("web")["state"]["terminated"]
    if ours:  # the node reaped it: the app's own exit code
        assert (terminated["exitCode"], terminated["reason"]) == (0, "Completed")
    else:  # init reaped it: nobody here could read the code
        assert (terminated["exitCode"], terminated["reason"], terminated["message"]) == (137, STATUS_UNKNOWN, EXIT_UNREAD)
    assert durable.cs("web")["restartCount"] == 0


async def test_a_container_gone_while_no_node_ran_is_restarted_and_its_sibling_adopted(durable: Cluster) -> None:
    app, side = durable.container("app", port=8080), durable.container("side", port=8081)
    durable.create("web", [app, side])
    first = NodeProcess(durable)
    await first.until(lambda: all("running" in first.cs("web", c).get("state", {}) for c in ("app", "side")), what="both running")
    app_pid, side_pid = pid_of(first.cs("web", "app")), pid_of(first.cs("web", "side"))
    started = first.cs("web", "app")["state"]["running"]["startedAt"]
    first.kill()
    os.kill(app_pid, 9)
    await durable.until(lambda: not group_members(app_pid), what="app container gone")

    node = durable.reopen()
    await node.start()
    new_pid = await durable.app_running("web", "app")
    assert new_pid != app_pid
    cs = durable.cs("web", "app")
    assert cs["restartCount"] == 1
    assert cs["lastState"]["terminated"] == {
        "exitCode": 137,
        "reason": STATUS_UNKNOWN,
        "message": LOST,
        "startedAt": started,
        "containerID": f"process://{app_pid}",
    }
    assert durable.pid("web", "side") == side_pid and durable.cs("web", "side")["restartCount"] == 0


async def test_exec_probes_in_flight_are_killed_and_run_again_on_schedule(durable: Cluster) -> None:
    probe = {"exec": {"command": recorder(durable, "probe", "time.sleep(60)")}, "periodSeconds": 1, "timeoutSeconds": 60}
    durable.create("web", [durable.container() | {"readinessProbe": probe}])
    first = NodeProcess(durable)
    await first.until(lambda: durable.app_events("probe"), what="a probe in flight")
    [stuck] = durable.app_events("probe")
    first.kill()

    node = durable.reopen()
    await node.start()
    assert not group_members(stuck["pid"]), "the probe the dead node left running is killed before the node goes on"
    await durable.until(lambda: len(durable.app_events("probe")) == 2, timeout=5, what="the probe running again")
    assert len(durable.app_events("start")) == 1


async def test_a_post_start_hook_in_flight_runs_again_then_the_container_is_running(durable: Cluster) -> None:
    marker = durable.tmp / "post-start-began"
    hook = recorder(durable, "postStart", f"p = {str(marker)!r}\nif not os.path.exists(p): open(p, 'w'); time.sleep(60)")
    durable.create("web", [durable.container() | {"lifecycle": {"postStart": {"exec": {"command": hook}}}}])
    first = NodeProcess(durable)
    await first.until(lambda: durable.app_events("postStart"), what="postStart in flight")
    pid = pid_of(first.cs("web"))
    assert "waiting" in first.cs("web")["state"]
    first.kill()

    node = durable.reopen()
    await node.start()
    await durable.until(lambda: "running" in durable.cs("web")["state"], timeout=5, what="running after postStart")
    assert durable.pid("web") == pid and len(durable.app_events("postStart")) == 2
    assert durable.cs("web")["restartCount"] == 0


async def test_a_pod_terminating_at_the_crash_finishes_by_its_deadline_without_a_second_pre_stop(durable: Cluster) -> None:
    pre_stop = {"exec": {"command": recorder(durable, "preStop", "time.sleep(60)")}}
    app = durable.container(APP_IGNORE_TERM="1") | {"lifecycle": {"preStop": pre_stop}}
    durable.create("web", [app], terminationGracePeriodSeconds=4)
    first = NodeProcess(durable)
    pid = await app_running(durable, first)
    first.send(op="delete", name="web")
    await first.until(lambda: durable.app_events("preStop"), what="preStop in flight")
    [hook] = durable.app_events("preStop")
    deadline = parse_time(first.pods()["web"]["metadata"]["deletionTimestamp"])
    first.kill()

    node = durable.reopen()
    await node.start()
    assert not group_members(hook["pid"]), "the interrupted preStop is killed ..."
    await durable.until(lambda: durable.pod("web") is None, timeout=8, what="pod removed")
    gone_at = durable.clock.now()
    assert len(durable.app_events("preStop")) == 1, "... and not run a second time"
    assert [e["pid"] for e in durable.app_events("term")] == [pid], "SIGTERM, to the adopted process"
    assert deadline - 0.05 <= gone_at < deadline + 1.5, "SIGKILL at the deadline set when deletion began"
    assert read_stat(pid) is None or not read_stat(pid).alive  # type: ignore[union-attr]


async def test_an_image_changed_while_no_node_ran_is_an_in_place_restart_of_the_adopted_container(durable: Cluster) -> None:
    durable.create("web", [durable.container(image="app:v1")])
    first = NodeProcess(durable)
    pid = await app_running(durable, first)
    first.kill()

    node = durable.reopen()
    pod = clone(durable.store.get("Pod", "default", "web"))
    pod["spec"]["containers"][0]["image"] = "app:v2"
    durable.store.update(pod)
    await node.start()
    await durable.until(lambda: durable.cs("web").get("image") == "app:v2" and durable.pid("web") != pid, what="restarted with app:v2")
    new_pid = await durable.app_running("web")
    assert [e["pid"] for e in durable.app_events("term")] == [pid], "stopped gracefully, as a live node would"
    assert [e["image"] for e in durable.app_events("start")] == ["app:v1", "app:v2"] and new_pid != pid
    assert durable.cs("web")["restartCount"] == 1


async def test_processes_of_a_pod_gone_from_the_store_are_killed_and_its_directory_removed(durable: Cluster) -> None:
    pod = durable.create("web", [durable.container()])
    first = NodeProcess(durable)
    pid = await app_running(durable, first)
    first.kill()

    node = durable.reopen()
    durable.store.delete("Pod", "default", "web", grace_period_seconds=0)  # a store rolled back or edited
    await node.start()
    assert not group_members(pid)
    assert not (durable.state_dir / "pods" / pod["metadata"]["uid"]).exists()


async def test_an_in_place_restart_in_flight_at_the_crash_completes_by_its_deadline(durable: Cluster) -> None:
    pre_stop = {"exec": {"command": recorder(durable, "preStop", "time.sleep(60)")}}
    app = durable.container(image="app:v1", APP_IGNORE_TERM="1") | {"lifecycle": {"preStop": pre_stop}}
    durable.create("web", [app], terminationGracePeriodSeconds=3)
    first = NodeProcess(durable)
    pid = await app_running(durable, first)
    first.send(op="image", name="web", container="app", image="app:v2")
    await first.until(lambda: durable.app_events("preStop"), what="the in-place restart's preStop in flight")
    first.kill()
    await durable.clock.sleep(1.5)  # the scenario: no engine runs for 1.5 s of the 3 s grace period

    node = durable.reopen()
    adopted_at = durable.clock.now()
    await node.start()
    await durable.until(lambda: durable.cs("web").get("image") == "app:v2" and durable.pid("web") != pid, timeout=8, what="restarted")
    restarted_at = durable.clock.now()
    await durable.app_running("web")
    assert len(durable.app_events("preStop")) == 1, "the preStop that had begun is not run again"
    assert [e["pid"] for e in durable.app_events("term")] == [pid]
    assert restarted_at < adopted_at + 2.7, "SIGKILL 3 s after the stop began (about 1.5 s after adoption), not 3 s after adoption"
    assert [e["image"] for e in durable.app_events("start")] == ["app:v1", "app:v2"]
    assert durable.cs("web")["restartCount"] == 1


async def test_a_container_gone_while_no_node_ran_is_not_restarted_when_its_policy_is_never(durable: Cluster) -> None:
    durable.create("job", [durable.container()], restartPolicy="Never")
    first = NodeProcess(durable)
    pid = await app_running(durable, first, "job")
    first.kill()
    os.kill(pid, 9)
    await durable.until(lambda: not group_members(pid), what="container gone")

    node = durable.reopen()
    await node.start()
    await durable.until(lambda: durable.status("job").get("phase") == "Failed", timeout=5, what="Failed")
    cs = durable.cs("job")
    assert cs["state"]["terminated"]["reason"] == STATUS_UNKNOWN and cs["state"]["terminated"]["exitCode"] == 137
    assert cs["restartCount"] == 0 and len(durable.app_events("start")) == 1


def log_shims_reading(pipe: str, writer: int) -> list[int]:
    """Live processes other than ``writer`` holding the pipe ``pipe`` (``pipe:[inode]``): its log shim."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == writer:
            continue
        try:
            fds = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        if pipe in fds:
            found.append(int(entry.name))
    return found
