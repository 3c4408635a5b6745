"""The engine rolls an app nobody here wrote (``tests/apps/plain_http.py``: ThreadingHTTPServer,
HTTP/1.1 keep-alive, no graceful shutdown) under ``graceroll verify`` load with no failed
request, through an ``http``-named Service port and through an unnamed one (sniffed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from .harness import Engine

APP = Path(__file__).resolve().parents[2] / "apps" / "plain_http.py"


def manifest(port_name: str | None) -> str:
    service_port: dict[str, Any] = {"port": 8080, "targetPort": 8080}
    if port_name:
        service_port["name"] = port_name
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "plain"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "plain"}},
            "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": "plain"}},
                "spec": {
                    "terminationGracePeriodSeconds": 10,
                    "containers": [
                        {
                            "name": "app",
                            "image": "plain:v1",
                            "command": [sys.executable, str(APP)],
                            "env": [{"name": "PORT", "value": "8080"}],
                            "ports": [{"containerPort": 8080}],
                            "readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1},
                        }
                    ],
                },
            },
        },
    }
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "plain"}, "spec": {"selector": {"app": "plain"}, "ports": [service_port]}}
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": [deployment, service]})


@pytest.mark.parametrize("port_name", [pytest.param("http", id="http-named port"), pytest.param(None, id="unnamed port, sniffed")])
def test_a_plain_keepalive_app_rolls_without_a_failed_request(engine: Engine, tmp_path: Path, port_name: str | None) -> None:
    path = tmp_path / "plain.json"
    path.write_text(manifest(port_name))
    engine.cli("apply", "-f", str(path))
    engine.cli("rollout", "status", "deployment/plain", "--timeout", "60")
    r = engine.cli("verify", "plain", "--during", "set image deployment/plain app=plain:v2", "--timeout", "120", "-o", "json", check=False)
    assert r.out, f"no report: {r.err}\n{engine.log_tail()}"
    report = json.loads(r.out)
    assert report["failed"] == 0, report["first_failures"]
    assert r.code == 0 and report["ok"]
    seen = {v for row in report["versions"] for v in row["versions"]}
    assert {"plain:v1", "plain:v2"} <= seen  # traffic really moved across the versions
    assert report["requests_by_client"].get("keepalive", 0) > 0 and report["requests_by_client"].get("new-conn", 0) > 0
    assert report["versions"][-1]["versions"].keys() == {"plain:v2"}
