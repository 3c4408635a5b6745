"""Pods as real processes: readiness, environment, logs, liveness, crash loops, restart policies."""

from __future__ import annotations

import itertools
import json
import sys
from typing import Any

import pytest

from graceroll.node.process import logs

from .harness import Cluster

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]


def readiness(path: str = "/healthz", period: float = 0.1, **extra: object) -> dict[str, object]:
    return {"httpGet": {"path": path, "port": "http", **extra}, "periodSeconds": period}


async def test_pod_turns_ready_only_after_its_readiness_probe_passes(cluster: Cluster) -> None:
    ready_file = cluster.tmp / "ready"
    header = {"httpHeaders": [{"name": "X-Custom-Header", "value": "Awesome"}]}
    app = cluster.container(APP_SERVE="1", APP_HEADER="X-Custom-Header: Awesome", APP_READY_FILE=str(ready_file))
    cluster.create("web", [app | {"readinessProbe": readiness(**header)}])
    cluster.create("no-header", [app | {"readinessProbe": readiness()}])
    await cluster.until(lambda: cluster.cs("web").get("state", {}).get("running") and cluster.cs("no-header").get("state", {}).get("running"))
    await cluster.clock.sleep(0.6)  # several probe periods: the app answers 503
    assert cluster.condition("web", "Ready") == "False"
    assert cluster.cs("web")["started"] is True and cluster.cs("web")["ready"] is False

    ready_file.touch()
    await cluster.until(lambda: cluster.condition("web", "Ready") == "True", what="web Ready")
    status = cluster.status("web")
    assert status["phase"] == "Running"
    assert status["podIP"].startswith("127.") and status["podIP"] in cluster.node.addresses.in_use()
    assert status["hostIP"] == "127.0.0.1"
    assert status["podIP"] != cluster.status("no-header")["podIP"]
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "PodScheduled": "True",
        "Initialized": "True",
        "ContainersReady": "True",
        "Ready": "True",
    }
    cs = cluster.cs("web")
    assert (cs["ready"], cs["started"], cs["restartCount"], cs["image"]) == (True, True, 0, "app:v1")
    assert cs["imageID"].startswith("graceroll://app:v1@sha256:")
    await cluster.clock.sleep(0.3)
    assert cluster.condition("no-header", "Ready") == "False", "the probe without the header must keep failing"


async def test_environment_and_field_refs_reach_the_process_and_output_goes_to_the_log(cluster: Cluster) -> None:
    app = cluster.container(APP_PRINT_ENV="1", image="shop/app:v7")
    app["env"] += [
        {"name": "MY_POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "MY_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "MY_NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {"name": "MY_TIER", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['tier']"}}},
        {"name": "GREETING", "value": "hi $(POD_NAME)"},
    ]
    app["workingDir"] = "work"
    cluster.create("env", [app], labels={"tier": "front"})
    log_dir = cluster.node.logs_dir("default", "env", "app")

    def output() -> bytes:
        return b"".join(ln.content for r in logs.runs(log_dir) for ln in logs.read(r))

    line = await cluster.until(lambda: b"to stderr" in output() and output().splitlines()[0])
    env = json.loads(line)
    ip = cluster.status("env")["podIP"]
    assert {k: env[k] for k in ("POD_NAME", "POD_NAMESPACE", "POD_IP", "GRACEROLL_IMAGE", "GRACEROLL_CONTAINER")} == {
        "POD_NAME": "env",
        "POD_NAMESPACE": "default",
        "POD_IP": ip,
        "GRACEROLL_IMAGE": "shop/app:v7",
        "GRACEROLL_CONTAINER": "app",
    }
    assert (env["MY_POD"], env["MY_IP"], env["MY_NODE"], env["MY_TIER"]) == ("env", ip, "local", "front")
    assert env["GREETING"] == "hi env"
    assert env["PATH"] and env["PORT"] == "8080"
    assert cluster.app_events("start")[0]["cwd"].endswith("/root/work")
    assert output().splitlines()[-1] == b"to stderr"  # stdout and stderr share the log, in order


async def test_liveness_failure_restarts_the_container_in_the_same_pod(cluster: Cluster) -> None:
    live_file = cluster.tmp / "unhealthy-pid"
    app = cluster.container(APP_SERVE="1", APP_LIVE_FILE=str(live_file))
    app["livenessProbe"] = {"httpGet": {"path": "/live", "port": "http"}, "periodSeconds": 0.1, "failureThreshold": 2}
    # liveness runs once the app answers: otherwise a slow interpreter start fails it (connection
    # refused) and the SIGTERM lands before the app's handler exists
    app["startupProbe"] = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 0.1, "failureThreshold": 300}
    cluster.create("live", [app])
    await cluster.until(lambda: cluster.condition("live", "Ready") == "True")
    await cluster.app_running("live")  # its SIGTERM handler is set: the clean exit below is the app's
    ip, first = cluster.status("live")["podIP"], cluster.cs("live")["containerID"]
    live_file.write_text(first.removeprefix("process://"))
    await cluster.until(lambda: cluster.cs("live")["restartCount"] == 1 and cluster.condition("live", "Ready") == "True", timeout=15, what="restart")
    cs = cluster.cs("live")
    assert cs["containerID"] != first and cluster.status("live")["podIP"] == ip
    assert cs["lastState"]["terminated"]["exitCode"] == 0  # the app exits cleanly on SIGTERM
    assert cs["lastState"]["terminated"]["containerID"] == first
    reasons = [e["reason"] for e in cluster.store.list("Event")]
    assert "Unhealthy" in reasons and "Killing" in reasons


async def test_failing_readiness_checks_are_counted_unhealthy_events_and_describe_shows_them(cluster: Cluster) -> None:
    """The kubelet records an Unhealthy event per failed check (prober.go) and counts repeats into
    one Event (client-go's correlator); a port name the container lacks is a probe error."""
    import graceroll.printers.describe_builtin  # noqa: F401  (registers the Pod describer)
    from graceroll.printers.describe import describe

    app = cluster.container(APP_SERVE="1")
    cluster.create("notfound", [app | {"readinessProbe": readiness(path="/missing")}])
    cluster.create("noport", [app | {"readinessProbe": {"httpGet": {"path": "/healthz", "port": "metrics"}, "periodSeconds": 0.1}}])

    failed = "Readiness probe failed: HTTP probe failed with statuscode: 404"
    errored = 'Readiness probe errored and resulted in unknown state: strconv.Atoi: parsing "metrics": invalid syntax'

    def unhealthy(pod: str, message: str) -> list[dict[str, Any]]:
        """Before the app listens the checks fail otherwise (connection refused): other events."""
        return [e for e in cluster.store.list("Event") if e["involvedObject"]["name"] == pod and e["reason"] == "Unhealthy" and e["message"] == message]

    def counted() -> bool:
        return all(len(unhealthy(p, m)) == 1 and int(unhealthy(p, m)[0]["count"]) >= 3 for p, m in (("notfound", failed), ("noport", errored)))

    await cluster.until(counted, what="counted events")
    (notfound,) = unhealthy("notfound", failed)
    assert (notfound["type"], notfound["source"]) == ("Warning", {"component": "kubelet"})
    assert notfound["firstTimestamp"] < notfound["lastTimestamp"]
    assert cluster.condition("notfound", "Ready") == "False" and cluster.condition("noport", "Ready") == "False"
    pod = cluster.store.get("Pod", "default", "notfound")
    events = [e for e in cluster.store.list("Event") if e["involvedObject"]["name"] == "notfound"]
    text = describe(pod, events, cluster.clock.now())
    assert "    Readiness:      http-get http://:http/missing delay=0s timeout=1s period=0.1s #success=1 #failure=3" in text
    line = next(x for x in text.splitlines() if x.endswith(failed))
    assert line.split()[:2] == ["Warning", "Unhealthy"] and "(x" in line


async def test_crashing_container_backs_off_longer_each_time(cluster: Cluster) -> None:
    cluster.create("crash", [cluster.container(APP_EXIT="1")])
    seen: list[str] = []

    def loop_seen() -> bool:
        waiting = cluster.cs("crash").get("state", {}).get("waiting") or {}
        if waiting.get("reason") == "CrashLoopBackOff":
            seen.append(waiting["message"])
        return len(cluster.app_events("start")) >= 4

    await cluster.until(loop_seen, timeout=8, what="four starts")
    starts = [e["t"] for e in cluster.app_events("start")]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps[0] < 0.4, "the first exit restarts at once"
    assert gaps[1] >= 0.4 and gaps[2] >= 0.8, f"back-off 0.4 s then 0.8 s: {gaps}"
    assert seen and seen[0].startswith("back-off 0.4s restarting failed container=app pod=crash_default(")
    cs = cluster.cs("crash")
    assert cs["restartCount"] >= 3 and cs["lastState"]["terminated"]["reason"] == "Error"
    assert cluster.status("crash")["phase"] == "Running"


@pytest.mark.parametrize(
    "policy, code, phase",
    [
        pytest.param("Never", 0, "Succeeded", id="Never, exit 0: Succeeded"),
        pytest.param("Never", 3, "Failed", id="Never, exit 3: Failed"),
        pytest.param("OnFailure", 0, "Succeeded", id="OnFailure, exit 0: Succeeded"),
    ],
)
async def test_restart_policy_decides_how_a_pod_ends(cluster: Cluster, policy: str, code: int, phase: str) -> None:
    cluster.create("job", [cluster.container(APP_EXIT=str(code))], restartPolicy=policy)
    await cluster.until(lambda: cluster.status("job").get("phase") == phase, what=phase)
    terminated = cluster.cs("job")["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (code, "Completed" if code == 0 else "Error")
    assert cluster.cs("job")["restartCount"] == 0
    assert cluster.status("job")["podIP"] not in cluster.node.addresses.in_use()


async def test_readiness_gate_condition_set_by_a_controller_takes_part_in_ready(cluster: Cluster) -> None:
    cluster.create("gated", [cluster.container()], readinessGates=[{"conditionType": "InPlaceUpdateReady"}])
    await cluster.until(lambda: cluster.condition("gated", "ContainersReady") == "True")
    assert cluster.condition("gated", "Ready") == "False"
    cluster.set_condition("gated", "InPlaceUpdateReady", "True")
    await cluster.until(lambda: cluster.condition("gated", "Ready") == "True", what="Ready with the gate")
    cluster.set_condition("gated", "InPlaceUpdateReady", "False")
    await cluster.until(lambda: cluster.condition("gated", "Ready") == "False", what="not Ready without the gate")
    assert cluster.condition("gated", "InPlaceUpdateReady") == "False"


async def test_container_runs_only_after_post_start_returns_and_a_failed_hook_restarts_it(cluster: Cluster) -> None:
    hook_done = cluster.tmp / "hook-done"
    script = f"import time, pathlib; time.sleep(0.4); pathlib.Path({str(hook_done)!r}).touch()"
    app = cluster.container() | {"lifecycle": {"postStart": {"exec": {"command": [sys.executable, "-c", script]}}}}
    cluster.create("hooked", [app])
    states: list[tuple[bool, str]] = []

    def running() -> bool:
        state = cluster.cs("hooked").get("state") or {}
        states.append((hook_done.exists(), next(iter(state), "")))
        return "running" in state

    await cluster.until(running)
    assert all(kind != "running" for done, kind in states if not done)
    assert hook_done.exists()

    failing = cluster.container(name="bad") | {"lifecycle": {"postStart": {"exec": {"command": ["false"]}}}}
    cluster.create("bad-hook", [failing])
    await cluster.until(lambda: cluster.cs("bad-hook", "bad").get("restartCount", 0) >= 1, what="restart after hook failure")
    assert "FailedPostStartHook" in [e["reason"] for e in cluster.store.list("Event")]
