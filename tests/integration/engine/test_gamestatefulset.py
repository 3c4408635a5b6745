"""A GameStatefulSet on the engine: seed 000's partitioned in-place update under load, per-ordinal
storage that outlives its pod, and a PreInplace hook measured by the engine against a real server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .harness import Engine

GSTS = """\
apiVersion: tkex.tencent.com/v1alpha1
kind: GameStatefulSet
metadata: {name: game}
spec:
  serviceName: game
  podManagementPolicy: OrderedReady
  replicas: 5
  selector: {matchLabels: {app: game}}
  template:
    metadata: {labels: {app: game}}
    spec:
      containers:
      - name: app
        image: demo:v1
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
        volumeMounts: [{name: data, mountPath: data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
  updateStrategy:
    type: InplaceUpdate
    rollingUpdate: {partition: 3}
    inPlaceUpdateStrategy: {gracePeriodSeconds: 2}
---
apiVersion: v1
kind: Service
metadata: {name: game}
spec:
  selector: {app: game}
  ports: [{name: http, port: 8080, targetPort: http}]
"""


def pods(engine: Engine) -> dict[str, Any]:
    return {p["metadata"]["name"]: p for p in engine.get("pods")["items"]}


def container(pod: Any) -> Any:
    return pod["status"]["containerStatuses"][0]


def test_partitioned_in_place_update_under_load_keeps_pods_and_storage(engine: Engine, tmp_path: Path) -> None:
    manifest = tmp_path / "gsts.yaml"
    manifest.write_text(GSTS)
    engine.cli("apply", "-f", str(manifest))
    engine.cli("rollout", "status", "gsts/game", "--timeout", "90")
    before = pods(engine)
    assert sorted(before) == [f"game-{i}" for i in range(5)]
    claims = engine.dd.node / "claims" / "default"
    for name in before:
        (claims / f"data-{name}").mkdir(parents=True, exist_ok=True)
        (claims / f"data-{name}" / "marker").write_text(name)

    r = engine.cli("verify", "game", "--during", "set image gsts/game app=demo:v2", "--timeout", "120", "-o", "json", check=False)
    report = json.loads(r.out)
    assert report["failed"] == 0, report["first_failures"]
    assert r.code == 0
    engine.cli("rollout", "status", "gsts/game", "--timeout", "60")

    after = pods(engine)
    for name, p in after.items():
        old = before[name]
        assert (p["metadata"]["uid"], p["status"]["podIP"]) == (old["metadata"]["uid"], old["status"]["podIP"])
        updated = name in ("game-3", "game-4")  # ordinals at or above the partition
        assert (container(p)["image"], container(p)["restartCount"]) == (("demo:v2", 1) if updated else ("demo:v1", 0)), name
    table = engine.cli("get", "gsts", "game").out.splitlines()
    assert table[0].split() == ["NAME", "REPLICAS", "READYREPLICAS", "CURRENTREPLICAS", "UPDATEDREPLICAS", "UPDATEDREADY_REPLICAS", "AGE"]
    assert table[1].split()[:6] == ["game", "5", "5", "3", "2", "2"]

    # a recreated pod (new uid, same name) finds its ordinal's data
    engine.cli("delete", "pod", "game-4", "--wait=false")
    engine.cli("wait", "--for=condition=Ready", "pod/game-4", "--timeout", "60s")
    engine.cli("rollout", "status", "gsts/game", "--timeout", "60")
    again = pods(engine)["game-4"]
    assert again["metadata"]["uid"] != before["game-4"]["metadata"]["uid"]
    assert (claims / "data-game-4" / "marker").read_text() == "game-4"
    assert any(v.get("persistentVolumeClaim", {}).get("claimName") == "data-game-4" for v in again["spec"]["volumes"])


class Checks:
    """The hook's web endpoint on loopback: ``/check/<pod>`` answers ok unless the pod is failing."""

    def __init__(self) -> None:
        self.failing: set[str] = set()
        self.asked: list[str] = []
        checks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                pod = self.path.rsplit("/", 1)[-1]
                checks.asked.append(pod)
                body = json.dumps({"ok": pod not in checks.failing}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.fixture
def checks() -> Iterator[Checks]:
    c = Checks()
    yield c
    c.close()


HOOKED = """\
apiVersion: tkex.tencent.com/v1alpha1
kind: HookTemplate
metadata: {{name: ready-to-update}}
spec:
  metrics:
  - name: ok
    successCondition: "result == 'true'"
    provider:
      web: {{url: "http://127.0.0.1:{port}/check/{{{{ args.PodName }}}}", jsonPath: "{{$.ok}}"}}
---
apiVersion: tkex.tencent.com/v1alpha1
kind: GameStatefulSet
metadata: {{name: hooked}}
spec:
  serviceName: hooked
  podManagementPolicy: Parallel
  replicas: 3
  selector: {{matchLabels: {{app: hooked}}}}
  template:
    metadata: {{labels: {{app: hooked}}}}
    spec:
      containers:
      - {{name: app, image: demo:v1, ports: [{{containerPort: 8080}}]}}
  preInplaceUpdateStrategy:
    hook: {{templateName: ready-to-update}}
  updateStrategy:
    type: InplaceUpdate
    rollingUpdate: {{maxUnavailable: 3}}
"""


def test_a_failing_pre_inplace_hook_blocks_its_pod_until_retry(engine: Engine, checks: Checks, tmp_path: Path) -> None:
    manifest = tmp_path / "hooked.yaml"
    manifest.write_text(HOOKED.format(port=checks.port))
    engine.cli("apply", "-f", str(manifest))
    engine.cli("rollout", "status", "gsts/hooked", "--timeout", "60")
    checks.failing.add("hooked-1")

    engine.cli("set", "image", "gsts/hooked", "app=demo:v2")
    engine.cli("wait", "--for=jsonpath={.status.updatedReadyReplicas}=2", "gsts/hooked", "--timeout", "60s")
    images = {n: container(p)["image"] for n, p in pods(engine).items()}
    assert images == {"hooked-0": "demo:v2", "hooked-1": "demo:v1", "hooked-2": "demo:v2"}
    assert "hooked-1" in engine.cli("describe", "gsts", "hooked").out.split("Hook Conditions", 1)[1]

    checks.failing.clear()
    engine.cli("patch", "gsts", "hooked", "--type", "merge", "-p", '{"spec": {"preInplaceUpdateStrategy": {"retry": true}}}')
    engine.cli("rollout", "status", "gsts/hooked", "--timeout", "60")
    assert container(pods(engine)["hooked-1"])["image"] == "demo:v2"
    assert checks.asked.count("hooked-1") >= 2
