"""A rollout held in progress on a real engine: an ordinary app (written here, not the demo app)
whose v2 never passes its readiness probe, so with maxSurge 1 / maxUnavailable 0 the Deployment
stays at 3 desired, 1 updated, 3 ready, 3 available until someone acts."""

from __future__ import annotations

import sys
from pathlib import Path

from .harness import Engine

APP = """#!{python}
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEALTHY = {healthy}

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        code = 200 if HEALTHY or self.path != "/healthz" else 503
        body = b"shop " + os.environ["GRACEROLL_IMAGE"].encode() + b"\\n"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

ThreadingHTTPServer((os.environ["POD_IP"], int(os.environ["PORT"])), Handler).serve_forever()
"""

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: app
        image: shop/web:v1
        env: [{name: PORT, value: "8080"}]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
"""


def write_images(data_dir: Path) -> None:
    for tag, healthy in (("v1", True), ("v2", False)):
        run = data_dir / "images" / "shop" / "web" / tag / "run"
        run.parent.mkdir(parents=True, exist_ok=True)
        run.write_text(APP.format(python=sys.executable, healthy=healthy))
        run.chmod(0o755)


def hold_rollout(engine: Engine, tmp: Path) -> None:
    """Deploy v1 to completion, then start v2 and wait until its one surge pod exists."""
    write_images(engine.data_dir)
    manifest = tmp / "web.yaml"
    manifest.write_text(MANIFEST)
    engine.cli("apply", "-f", str(manifest))
    engine.cli("rollout", "status", "deployment/web", "--timeout", "90")
    engine.cli("set", "image", "deployment/web", "app=shop/web:v2")
    engine.cli("wait", "--for=jsonpath={.status.updatedReplicas}=1", "deployment/web", "--timeout=90s")
    engine.cli("wait", "--for=jsonpath={.status.availableReplicas}=3", "deployment/web", "--timeout=90s")
