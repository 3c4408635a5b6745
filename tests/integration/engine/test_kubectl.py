"""Stock kubectl against the engine's API: the everyday Deployment commands work unchanged."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .clients import Kubectl, kubectl_binary
from .harness import Engine

WEB = Path(__file__).resolve().parents[3] / "examples" / "demo" / "web.yaml"


@pytest.fixture
def kubectl(engine: Engine, tmp_path: Path) -> Kubectl:
    return Kubectl(engine, tmp_path)


def image(kubectl: Kubectl) -> str:
    return str(kubectl("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}").stdout)


def test_kubectl_drives_a_deployment_through_its_life(kubectl: Kubectl, engine: Engine) -> None:
    assert "deployment.apps/web created" in kubectl("apply", "-f", str(WEB)).stdout
    assert "successfully rolled out" in kubectl("rollout", "status", "deployment/web", "--timeout=60s").stdout
    table = kubectl("get", "deployments").stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"] and table[1].split()[:2] == ["web", "5/5"]
    assert len(json.loads(kubectl("get", "pods", "-o", "json").stdout)["items"]) == 5

    assert "scaled" in kubectl("scale", "deployment/web", "--replicas=3").stdout
    kubectl("rollout", "status", "deployment/web", "--timeout=60s")
    assert json.loads(kubectl("get", "deployment", "web", "-o", "json").stdout)["status"]["replicas"] == 3

    assert "image updated" in kubectl("set", "image", "deployment/web", "app=demo:v2").stdout
    kubectl("annotate", "deployment/web", "kubernetes.io/change-cause=demo v2")
    kubectl("rollout", "status", "deployment/web", "--timeout=60s")
    history = kubectl("rollout", "history", "deployment/web").stdout
    assert "demo v2" in history and history.count("\n") >= 4

    assert "rolled back" in kubectl("rollout", "undo", "deployment/web").stdout
    kubectl("rollout", "status", "deployment/web", "--timeout=60s")
    assert image(kubectl) == "demo:v1"
    rs = json.loads(kubectl("get", "replicasets", "-o", "json").stdout)["items"]
    assert len(rs) == 2  # the undo reused the first ReplicaSet: the template round-trips through kubectl unchanged

    kubectl("rollout", "undo", "deployment/web", "--to-revision=2")
    kubectl("rollout", "status", "deployment/web", "--timeout=60s")
    assert image(kubectl) == "demo:v2"

    assert "paused" in kubectl("rollout", "pause", "deployment/web").stdout
    assert json.loads(kubectl("get", "deployment", "web", "-o", "json").stdout)["spec"]["paused"] is True
    assert "resumed" in kubectl("rollout", "resume", "deployment/web").stdout
    assert "restarted" in kubectl("rollout", "restart", "deployment/web").stdout
    kubectl("rollout", "status", "deployment/web", "--timeout=60s")
    assert len(json.loads(kubectl("get", "replicasets", "-o", "json").stdout)["items"]) == 3

    assert "configured" in kubectl("apply", "-f", str(WEB)).stdout  # back to v1, 5 replicas
    assert 'deleted' in kubectl("delete", "deployment", "web").stdout


def test_kubectl_sees_api_errors_with_their_codes(kubectl: Kubectl) -> None:
    missing = kubectl("get", "deployment", "nope", ok=False)
    assert missing.returncode == 1 and 'deployments.apps "nope" not found' in missing.stderr
    kubectl("apply", "-f", str(WEB))
    dup = kubectl("create", "-f", str(WEB), ok=False)
    assert 'deployments.apps "web" already exists' in dup.stderr and 'services "web" already exists' in dup.stderr
    bad = kubectl("scale", "deployment/web", "--replicas=-1", ok=False)
    assert bad.returncode != 0


def test_kubectl_with_a_wrong_token_is_refused(engine: Engine, tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "KUBECONFIG": str(tmp_path / "kubeconfig"), "PATH": "/usr/bin:/bin"}
    cmd = [kubectl_binary(), "--server", engine.url, "--certificate-authority", str(engine.dd.tls_cert), "--token", "wrong", "get", "pods"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL, check=False)
    assert p.returncode == 1
    assert "provide credentials" in p.stderr


def test_kubectl_watch_receives_changes(kubectl: Kubectl, engine: Engine) -> None:
    kubectl("apply", "-f", str(WEB))
    watcher = subprocess.Popen([*kubectl.base, "get", "deployments", "-w", "--no-headers"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=kubectl.env)
    try:
        assert watcher.stdout is not None
        first = watcher.stdout.readline()  # the listing
        assert first.startswith("web")
        kubectl("scale", "deployment/web", "--replicas=2")
        second = watcher.stdout.readline()  # a watch event
        assert second.startswith("web")
    finally:
        watcher.kill()
        watcher.communicate(timeout=10)  # reaps it and closes its pipes
