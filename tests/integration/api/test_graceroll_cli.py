"""graceroll's own CLI over HTTP (``--server``/``--token``): the same verbs as against a local engine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import Api

CLI_TIMEOUT = 30.0
WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    kubernetes.io/change-cause: first
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: app
        image: demo:v1
"""


class Graceroll:
    def __init__(self, api: Api, home: Path) -> None:
        self.base = [
            sys.executable, "-m", "graceroll.cli.main",
            "--data-dir", str(home / "data"),
            "--server", api.url, "--token", api.token, "--certificate-authority", str(api.ca),
        ]  # fmt: skip
        self.env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}

    def __call__(self, *args: str) -> str:
        p = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=CLI_TIMEOUT, env=self.env, stdin=subprocess.DEVNULL, check=False)
        assert p.returncode == 0, f"graceroll {' '.join(args)} failed:\n{p.stderr}"
        return p.stdout

    def deployment(self) -> Any:
        return json.loads(self("get", "deployment", "web", "-o", "json"))


@pytest.fixture
def graceroll(api: Api, tmp_path: Path) -> Graceroll:
    return Graceroll(api, tmp_path)


def test_the_graceroll_cli_rolls_out_scales_and_rolls_back_over_http(graceroll: Graceroll, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB)
    assert "deployment.apps/web created" in graceroll("apply", "-f", str(manifest))
    assert "deployment.apps/web scaled" in graceroll("scale", "deployment/web", "--replicas=4")
    assert "deployment.apps/web image updated" in graceroll("set", "image", "deployment/web", "app=demo:v2")
    assert 'deployment "web" successfully rolled out' in graceroll("rollout", "status", "deployment/web", "--timeout", "20")
    d = graceroll.deployment()
    assert d["status"]["updatedReplicas"] == 4 and d["spec"]["template"]["spec"]["containers"][0]["image"] == "demo:v2"

    history = [line.split() for line in graceroll("rollout", "history", "deployment/web").splitlines() if line.strip()]
    assert history[-3:] == [["REVISION", "CHANGE-CAUSE"], ["1", "first"], ["2", "first"]]

    assert "deployment.apps/web rolled back" in graceroll("rollout", "undo", "deployment/web")
    graceroll("rollout", "status", "deployment/web", "--timeout", "20")
    assert graceroll.deployment()["spec"]["template"]["spec"]["containers"][0]["image"] == "demo:v1"
