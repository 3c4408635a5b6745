"""Rolling updates of real processes through the service proxy, under load (``graceroll verify``),
on each data plane."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .harness import Engine

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def deploy(engine: Engine, manifest: Path | str, workload: str) -> None:
    engine.cli("apply", "-f", str(manifest))
    engine.cli("rollout", "status", workload, "--timeout", "60")


def verify(engine: Engine, service: str, during: str) -> tuple[int, dict[str, Any]]:
    r = engine.cli("verify", service, "--during", during, "--timeout", "120", "-o", "json", check=False)
    assert r.out, f"no report: {r.err}\n{engine.log_tail()}"
    return r.code, json.loads(r.out)


def with_app_protocol(manifest: Path, tmp: Path, app_protocol: str) -> Path:
    """The same manifest with ``appProtocol`` on the Service port (``tcp``: L4 although it is named http)."""
    out = tmp / f"{app_protocol}-{manifest.name}"
    out.write_text(manifest.read_text().replace("targetPort: http", f"targetPort: http\n    appProtocol: {app_protocol}"))
    return out


def assert_lossless(code: int, report: dict[str, Any]) -> None:
    assert report["failed"] == 0, report["first_failures"]
    assert code == 0 and report["ok"]
    seen = {v for row in report["versions"] for v in row["versions"]}
    assert {"demo:v1", "demo:v2"} <= seen  # traffic really moved across the versions
    assert report["requests_by_client"].get("keepalive", 0) > 0 and report["requests_by_client"].get("new-conn", 0) > 0


def test_rolling_update_under_load_loses_no_request_l4(engine_on: Engine, tmp_path: Path) -> None:
    """In L4 mode the demo app's own graceful shutdown (Connection: close after SIGTERM) moves keep-alive clients."""
    engine = engine_on
    deploy(engine, with_app_protocol(EXAMPLES / "demo" / "web.yaml", tmp_path, "tcp"), "deployment/web")
    code, report = verify(engine, "web", "set image deployment/web app=demo:v2")
    assert_lossless(code, report)
    pods = engine.get("pods")["items"]
    assert len(pods) == 5
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"demo:v2"}
    assert report["versions"][-1]["versions"].keys() == {"demo:v2"}


def test_rolling_update_under_load_loses_no_request_http_mode(engine_on: Engine) -> None:
    """The demo Service's port is named http: HTTP handling without any appProtocol."""
    engine = engine_on
    deploy(engine, EXAMPLES / "demo" / "web.yaml", "deployment/web")
    code, report = verify(engine, "web", "set image deployment/web app=demo:v2")
    assert_lossless(code, report)


def test_seed_004_without_a_readiness_probe_a_slow_app_gets_traffic_too_early(engine: Engine) -> None:
    deploy(engine, EXAMPLES / "seed-004" / "no-probe.yaml", "deployment/slow")
    code, report = verify(engine, "slow", "set image deployment/slow app=demo:v2")
    assert code != 0
    assert report["failures"]["5xx"] > 0  # "starting" answers from pods that joined the Service too early


def test_seed_004_the_readiness_probe_fixes_it_without_a_prestop_sleep(engine: Engine) -> None:
    deploy(engine, EXAMPLES / "seed-004" / "with-probe.yaml", "deployment/slow")
    code, report = verify(engine, "slow", "set image deployment/slow app=demo:v2")
    assert report["failed"] == 0, report["first_failures"]
    assert code == 0


ORDINARY_APP = '''#!{python}
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = {version!r}.encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; SIGTERM kills it without closing idle connections

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(VERSION)))
        self.end_headers()
        self.wfile.write(VERSION)

    def log_message(self, *args):
        pass


ThreadingHTTPServer((os.environ["POD_IP"], 8080), Handler).serve_forever()
'''

ORDINARY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: plain}
spec:
  replicas: 3
  selector: {matchLabels: {app: plain}}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: plain}}
    spec:
      containers:
      - name: app
        image: plain:v1
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: plain}
spec:
  selector: {app: plain}
  ports: [{port: 80, targetPort: 8080, appProtocol: http}]
"""


def test_an_ordinary_keep_alive_app_rolls_without_a_failed_request(engine_on: Engine, tmp_path: Path) -> None:
    """A plain ThreadingHTTPServer, not the demo app: nobody here taught it to shut down gracefully."""
    for version in ("v1", "v2"):
        run = engine_on.data_dir / "images" / "plain" / version / "run"
        run.parent.mkdir(parents=True)
        run.write_text(ORDINARY_APP.format(python=sys.executable, version=f"plain:{version}"))
        run.chmod(0o755)
    manifest = tmp_path / "plain.yaml"
    manifest.write_text(ORDINARY)
    deploy(engine_on, manifest, "deployment/plain")
    code, report = verify(engine_on, "plain", "set image deployment/plain app=plain:v2")
    assert report["failed"] == 0, report["first_failures"]
    assert code == 0
    assert {"plain:v1", "plain:v2"} <= {v for row in report["versions"] for v in row["versions"]}
