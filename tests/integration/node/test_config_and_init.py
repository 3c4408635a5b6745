"""Pods on the process node: init containers, and what pods read from ConfigMaps and Secrets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graceroll.api.meta import clone
from graceroll.node.process import logs

from .harness import Cluster

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]


def shell(name: str, script: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": "tool:v1", "command": ["/bin/sh", "-c", script], **extra}


def init_status(cluster: Cluster, pod: str, name: str) -> dict[str, Any]:
    return next((c for c in cluster.status(pod).get("initContainerStatuses") or () if c["name"] == name), {})


def output(cluster: Cluster, pod: str, container: str) -> bytes:
    return b"".join(ln.content for r in logs.runs(cluster.node.logs_dir("default", pod, container)) for ln in logs.read(r))


async def test_init_containers_run_in_order_to_completion_before_the_app(cluster: Cluster) -> None:
    marks = cluster.tmp / "order"
    inits = [shell("first", f"echo first >> {marks}; echo one"), shell("second", f"echo second >> {marks}")]
    app = shell("app", f"echo app >> {marks}; exec sleep 30")
    cluster.create("web", [app], initContainers=inits)
    await cluster.until(lambda: cluster.cs("web").get("state", {}).get("running"), timeout=10, what="the app runs")
    assert marks.read_text().split() == ["first", "second", "app"]
    assert [init_status(cluster, "web", n)["state"]["terminated"]["reason"] for n in ("first", "second")] == ["Completed", "Completed"]
    assert cluster.condition("web", "Initialized") == "True" and cluster.status("web")["phase"] == "Running"
    assert output(cluster, "web", "first") == b"one\n"  # each container has its own log


async def test_a_failing_init_container_is_retried_and_the_app_waits(cluster: Cluster) -> None:
    flag = cluster.tmp / "ok"
    cluster.create("web", [shell("app", "exec sleep 30")], initContainers=[shell("wait", f"test -e {flag}")])
    await cluster.until(lambda: init_status(cluster, "web", "wait").get("restartCount", 0) >= 1, timeout=10, what="a retry")
    status = cluster.status("web")
    assert status["phase"] == "Pending"
    initialized = next(c for c in status["conditions"] if c["type"] == "Initialized")
    assert (initialized["status"], initialized["reason"], initialized["message"]) == ("False", "ContainersNotInitialized", "containers with incomplete status: [wait]")
    assert cluster.cs("web")["state"] == {"waiting": {"reason": "PodInitializing"}}
    flag.touch()
    await cluster.until(lambda: cluster.cs("web").get("state", {}).get("running"), timeout=10, what="the app runs")


async def test_a_failed_init_container_fails_a_pod_that_never_restarts(cluster: Cluster) -> None:
    cluster.create("job", [shell("app", "exit 0")], initContainers=[shell("boom", "exit 3")], restartPolicy="Never")
    await cluster.until(lambda: cluster.status("job").get("phase") == "Failed", timeout=10, what="Failed")
    assert init_status(cluster, "job", "boom")["state"]["terminated"]["exitCode"] == 3
    assert "running" not in cluster.cs("job").get("state", {})


async def test_env_and_volumes_come_from_config_maps_and_secrets_and_files_follow_changes(cluster: Cluster) -> None:
    store = cluster.store
    env = [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "app", "key": "mode"}}}]
    volumes = [{"name": "config", "configMap": {"name": "app"}}, {"name": "creds", "secret": {"secretName": "creds"}}]
    mounts = [{"name": "config", "mountPath": "conf"}, {"name": "creds", "mountPath": "creds"}]
    app = cluster.container(APP_PRINT_ENV="1") | {"volumeMounts": mounts, "envFrom": [{"secretRef": {"name": "creds"}, "prefix": "S_"}]}
    app["env"] += env
    cluster.create("web", [app], volumes=volumes)
    await cluster.until(lambda: cluster.cs("web").get("state", {}).get("waiting", {}).get("reason") == "ContainerCreating" and "message" in cluster.cs("web")["state"]["waiting"], what="waiting for the config map")
    assert cluster.cs("web")["state"]["waiting"]["message"] == 'MountVolume.SetUp failed for volume "config" : configmap "app" not found'
    store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": "default"}, "data": {"mode": "fast"}})
    await cluster.until(lambda: cluster.cs("web").get("state", {}).get("waiting", {}).get("message") == 'MountVolume.SetUp failed for volume "creds" : secret "creds" not found', what="waiting for the secret")
    store.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "default"}, "data": {"pw": "aHVudGVyMg=="}})
    await cluster.until(lambda: b"to stderr" in output(cluster, "web", "app"), timeout=10, what="the app started")
    seen = json.loads(output(cluster, "web", "app").splitlines()[0])
    assert (seen["MODE"], seen["S_pw"]) == ("fast", "hunter2")
    root = cluster.tmp / "node" / "pods" / cluster.pod("web")["metadata"]["uid"] / "root"  # type: ignore[index]
    assert (root / "conf" / "mode").read_text() == "fast" and (root / "creds" / "pw").read_text() == "hunter2"
    cm = clone(store.get("ConfigMap", "default", "app"))
    cm["data"] = {"mode": "slow"}
    store.update(cm)
    await cluster.until(lambda: (root / "conf" / "mode").read_text() == "slow", what="the file follows the config map")
    assert cluster.cs("web")["restartCount"] == 0  # the running container keeps its environment


async def test_a_sidecar_starts_before_the_app_and_stops_when_the_app_is_done(cluster: Cluster) -> None:
    marks = cluster.tmp / "order"
    sidecar = shell("proxy", f"echo sidecar >> {marks}; exec sleep 60", restartPolicy="Always")
    app = shell("app", f"echo app >> {marks}; sleep 0.5")
    cluster.create("job", [app], initContainers=[sidecar], restartPolicy="Never")
    await cluster.until(lambda: cluster.status("job").get("phase") == "Succeeded", timeout=15, what="Succeeded")
    assert marks.read_text().split() == ["sidecar", "app"]
    proxy = await cluster.until(lambda: (p := init_status(cluster, "job", "proxy")) and "terminated" in p["state"] and p, what="the sidecar stopped")
    assert "sidecar" not in proxy  # the node's own mark is not written
    assert cluster.status("job")["phase"] == "Succeeded"
