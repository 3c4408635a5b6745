"""A real bundle (Namespace, ConfigMap, Secret, ServiceAccount, Deployment, Service) on the engine.

The app is written here, not graceroll's demo app: a Python HTTP server that answers with what it
sees of its configuration, the environment and the mounted files, through the Service.
Stock kubectl applies it without extra flags (it validates against the engine's OpenAPI).
"""

from __future__ import annotations

import json
import os
import random
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from .clients import Kubectl
from .harness import Engine, until

APP = r"""
import http.server, json, os
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        seen = {
            "mode": os.environ.get("MODE"),
            "password": os.environ.get("DB_PASSWORD"),
            "greeting": os.environ.get("APP_GREETING"),
            "config_file": open("config/app.conf").read(),
            "secret_file": open("secrets/password").read(),
            "service_account": os.environ.get("SA"),
        }
        body = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer((os.environ["MY_IP"], 8080), Handler).serve_forever()
"""


def documents(namespace: str) -> dict[str, str]:
    app = json.dumps(APP)
    return {
        "Namespace": f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {namespace}}}\n",
        "ConfigMap": f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: app-config, namespace: {namespace}}}
data:
  mode: fast
  app.conf: |
    listen = 8080
""",
        "Secret": f"""\
apiVersion: v1
kind: Secret
metadata: {{name: db, namespace: {namespace}}}
type: Opaque
stringData: {{password: s3cr3t}}
""",
        "ServiceAccount": f"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: app, namespace: {namespace}}}\n",
        "Deployment": f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app, namespace: {namespace}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: bundled}}}}
  template:
    metadata: {{labels: {{app: bundled}}}}
    spec:
      serviceAccountName: app
      terminationGracePeriodSeconds: 2
      containers:
      - name: app
        image: python:3-slim
        command: ["python3", "-c", {app}]
        ports: [{{containerPort: 8080}}]
        readinessProbe: {{tcpSocket: {{port: 8080}}, periodSeconds: 1}}
        envFrom:
        - {{configMapRef: {{name: app-config}}, prefix: APP_}}
        env:
        - {{name: MY_IP, valueFrom: {{fieldRef: {{fieldPath: status.podIP}}}}}}
        - {{name: SA, valueFrom: {{fieldRef: {{fieldPath: spec.serviceAccountName}}}}}}
        - {{name: MODE, valueFrom: {{configMapKeyRef: {{name: app-config, key: mode}}}}}}
        - {{name: DB_PASSWORD, valueFrom: {{secretKeyRef: {{name: db, key: password}}}}}}
        - {{name: APP_GREETING, value: hello}}
        volumeMounts:
        - {{name: config, mountPath: config}}
        - {{name: secrets, mountPath: secrets, readOnly: true}}
      volumes:
      - {{name: config, configMap: {{name: app-config, items: [{{key: app.conf, path: app.conf}}]}}}}
      - {{name: secrets, secret: {{secretName: db, defaultMode: 0400}}}}
""",
        "Service": f"""\
apiVersion: v1
kind: Service
metadata: {{name: app, namespace: {namespace}}}
spec:
  selector: {{app: bundled}}
  ports: [{{port: 80, targetPort: 8080}}]
""",
    }


def bundle(namespace: str, order: list[str]) -> str:
    docs = documents(namespace)
    return "---\n".join(docs[k] for k in order)


def seen_through_service(kubectl: Kubectl, namespace: str) -> dict[str, Any]:
    ip = kubectl.json("get", "service", "app", "-n", namespace)["spec"]["clusterIP"]
    with httpx.Client(timeout=5) as client:
        answer: dict[str, Any] = client.get(f"http://{ip}:80/").json()
        return answer


EXPECTED = {"mode": "fast", "password": "s3cr3t", "greeting": "hello", "config_file": "listen = 8080\n", "secret_file": "s3cr3t", "service_account": "app"}


def check_bundle(kubectl: Kubectl, engine: Engine, namespace: str) -> None:
    kubectl("rollout", "status", "deployment/app", "-n", namespace, "--timeout=90s")
    assert seen_through_service(kubectl, namespace) == EXPECTED
    pod = kubectl.json("get", "pods", "-n", namespace)["items"][0]
    secret_file = engine.dd.node / "pods" / pod["metadata"]["uid"] / "volumes" / "secrets" / "password"
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o400
    rows = [line.split() for line in kubectl("get", "configmap,secret,serviceaccount", "-n", namespace).stdout.splitlines() if line.strip()]
    assert ["NAME", "DATA", "AGE"] == rows[0] and rows[1][:2] == ["configmap/app-config", "2"]
    assert ["NAME", "TYPE", "DATA", "AGE"] == rows[2] and rows[3][:3] == ["secret/db", "Opaque", "1"]
    assert ["NAME", "SECRETS", "AGE"] == rows[4] and {r[0] for r in rows[5:]} == {"serviceaccount/app", "serviceaccount/default"}
    assert kubectl.json("get", "secret", "db", "-n", namespace)["data"] == {"password": "czNjcjN0"}  # base64, stringData gone


def test_kubectl_applies_the_bundle_and_the_app_sees_its_configuration(engine: Engine, tmp_path: Path) -> None:
    kubectl = Kubectl(engine, tmp_path)
    # kubectl sends in document order: the namespace first, then the Deployment before what it reads
    out = kubectl.apply(bundle("shop", ["Namespace", "Deployment", "Service", "ConfigMap", "Secret", "ServiceAccount"])).stdout
    assert out.splitlines() == [
        "namespace/shop created", "deployment.apps/app created", "service/app created",
        "configmap/app-config created", "secret/db created", "serviceaccount/app created",
    ]
    check_bundle(kubectl, engine, "shop")
    assert "unchanged" in kubectl.apply(bundle("shop", ["Namespace", "ConfigMap", "Secret", "ServiceAccount", "Deployment", "Service"])).stdout

    # a changed ConfigMap reaches the mounted file (the environment stays as the process started)
    changed = documents("shop")["ConfigMap"].replace("listen = 8080", "listen = 9090").replace("mode: fast", "mode: slow")
    kubectl.apply(changed)
    until(lambda: seen_through_service(kubectl, "shop")["config_file"] == "listen = 9090\n", "the file to follow the ConfigMap", ignore=(httpx.HTTPError, ValueError))
    assert seen_through_service(kubectl, "shop")["mode"] == "fast"


def test_graceroll_applies_the_bundle_in_any_document_order(engine: Engine, tmp_path: Path) -> None:
    kubectl = Kubectl(engine, tmp_path)
    order = ["Deployment", "Service", "ConfigMap", "Secret", "ServiceAccount", "Namespace"]
    random.Random(11).shuffle(order)
    path = tmp_path / "bundle.yaml"
    path.write_text(bundle("store", order))
    out = engine.cli("apply", "-f", str(path)).out.splitlines()
    assert out[0] == "namespace/store created" and len(out) == 6
    check_bundle(kubectl, engine, "store")
    assert stat.S_IMODE(os.stat(engine.dd.store).st_mode) == 0o600  # the store holds the Secret


@pytest.mark.parametrize("missing", ["ConfigMap", "Secret"])
def test_a_missing_reference_keeps_the_pods_waiting_until_it_is_applied(engine: Engine, tmp_path: Path, missing: str) -> None:
    kubectl = Kubectl(engine, tmp_path)
    ns = f"late-{missing.lower()}"
    order = [k for k in ("Namespace", "ConfigMap", "Secret", "ServiceAccount", "Deployment", "Service") if k != missing]
    kubectl.apply(bundle(ns, order))

    def waiting() -> dict[str, Any] | None:
        pods = kubectl.json("get", "pods", "-n", ns)["items"]
        states = [cs["state"].get("waiting") for p in pods for cs in (p.get("status") or {}).get("containerStatuses") or ()]
        return states[0] if len(states) == 2 and all(s and s.get("message") for s in states) else None

    state = until(waiting, "the containers to wait for the missing object")
    volume, name = ("config", "app-config") if missing == "ConfigMap" else ("secrets", "db")
    # the volume is mounted before the environment is made: the kubelet's FailedMount comes first
    expect = f'MountVolume.SetUp failed for volume "{volume}" : {missing.lower()} "{name}" not found'
    assert (state["reason"], state["message"]) == ("ContainerCreating", expect)
    events = kubectl.json("get", "events", "-n", ns, "--field-selector", "reason=FailedMount")["items"]
    assert events and events[0]["message"] == expect
    kubectl.apply(documents(ns)[missing])
    check_bundle(kubectl, engine, ns)
