"""The traffic-weighted canary and the built-in judge on a real engine, end to end.

* A CloneSet of 10 at ``trafficWeight: 10`` with 1 of 10 pods updated: 10% ± 1% of the requests
  reach the new revision; then with 5 of 10 pods updated, still 10% ± 1% (a pod ratio would be 50%).
* A bad canary (an app that answers 5xx to 20% of requests) at ``trafficWeight: 20``: the judge
  fails it, ``onFailure: Abort`` sends the CloneSet back to the stable revision, and not one
  request to the stable revision fails, nor any request at all once the abort has taken effect.

Each test runs on both data planes. The app is an ordinary one written here
(``ThreadingHTTPServer``), not the demo app. The weights are the data plane's; the judge reads the
per-revision counters the data plane reports through the engine's ``TrafficSource`` (the same ones
``/metrics`` exports).
"""

from __future__ import annotations

import http.client
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import pytest

from .harness import Engine

REPLICAS = 10
APP = """#!{python}
import itertools, os, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

IMAGE = os.environ["GRACEROLL_IMAGE"]
BAD = IMAGE.endswith(":bad")
COUNT = itertools.count(1)
LOCK = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        with LOCK:
            n = next(COUNT)
        code = 500 if BAD and self.path != "/healthz" and n % 5 == 0 else 200  # 5xx on 20% of requests
        body = IMAGE.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer((os.environ["POD_IP"], 8080), Handler)
server.daemon_threads = True
server.serve_forever()
"""

MANIFESTS = """\
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{name: http, port: 8080, targetPort: 8080}}]
---
apiVersion: tkex.tencent.com/v1alpha1
kind: HookTemplate
metadata: {{name: judge}}
spec:
  metrics:
  - name: canary-vs-stable
    initialDelay: 5s
    interval: 5s
    count: 3
    inconclusiveLimit: 2
    provider:
      graceroll: {{service: web, minRequests: 50}}
---
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  updateStrategy:
    type: InPlaceIfPossible
    maxUnavailable: 2
    inPlaceUpdateStrategy: {{gracePeriodSeconds: 1}}
    canary:
      steps: {steps}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: app
        image: canary/web:{tag}
        ports: [{{containerPort: 8080}}]
        readinessProbe: {{httpGet: {{path: /healthz, port: 8080}}, periodSeconds: 1}}
"""
WEIGHTED = "[{partition: 9}, {trafficWeight: 10}, {pause: {}}, {partition: 5}, {pause: {}}, {partition: 0}]"
JUDGED = "[{partition: 9}, {trafficWeight: 20}, {hook: {templateName: judge, onFailure: Abort}}, {partition: 0}]"


@dataclass
class Load:
    """Keep-alive clients through the Service, counting answers by the version that gave them."""

    host: str
    port: int
    clients: int = 4
    ok: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)  # 5xx, by version
    errors: list[str] = field(default_factory=list)  # no HTTP answer at all
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Self:
        self._stop.clear()
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.clients)]
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(10)

    def total(self) -> int:
        with self._lock:
            return sum(self.ok.values()) + sum(self.failed.values()) + len(self.errors)

    def snapshot(self) -> tuple[Counter[str], Counter[str]]:
        with self._lock:
            return Counter(self.ok), Counter(self.failed)

    def wait_for(self, n: int, timeout: float = 120.0) -> None:
        target, deadline = self.total() + n, time.monotonic() + timeout
        while self.total() < target:
            assert time.monotonic() < deadline, f"only {self.total()} of {target} requests answered"
            time.sleep(0.05)  # other threads count; nothing to await across threads

    def _client(self) -> None:
        conn: http.client.HTTPConnection | None = None
        for _ in range(1_000_000):  # bounded; stopped long before
            if self._stop.is_set():
                break
            try:
                conn = conn or http.client.HTTPConnection(self.host, self.port, timeout=5)
                conn.request("GET", "/")
                r = conn.getresponse()
                version = r.read().decode(errors="replace")
                with self._lock:
                    (self.ok if r.status == 200 else self.failed)[version] += 1
            except (OSError, http.client.HTTPException) as e:
                with self._lock:
                    self.errors.append(repr(e))
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()


def install(engine: Engine) -> None:
    for tag in ("v1", "v2", "bad"):
        run = engine.data_dir / "images" / "canary" / "web" / tag / "run"
        run.parent.mkdir(parents=True, exist_ok=True)
        run.write_text(APP.format(python=sys.executable))
        run.chmod(0o755)


def apply(engine: Engine, tmp: Path, tag: str, steps: str) -> None:
    path = tmp / f"web-{tag}.yaml"
    path.write_text(MANIFESTS.format(replicas=REPLICAS, steps=steps, tag=tag))
    engine.cli("apply", "-f", str(path))


def service(engine: Engine) -> tuple[str, int]:
    svc = engine.get("service", "web")
    return svc["spec"]["clusterIP"], int(svc["spec"]["ports"][0]["port"])


def reports_traffic(engine: Engine) -> bool:
    """Whether the engine's data plane hands per-revision counters to ``/metrics``."""
    text = engine.api("GET", "/metrics").text
    return any(line.startswith("graceroll_service_requests_total{") for line in text.splitlines())


def started(engine: Engine, tmp: Path, steps: str) -> Load:
    install(engine)
    apply(engine, tmp, "v1", steps)
    engine.cli("rollout", "status", "cloneset/web", "--timeout", "120")
    load = Load(*service(engine))
    with load:
        load.wait_for(200)
    assert reports_traffic(engine), "the data plane reports no per-revision traffic at /metrics"
    return load


def status(engine: Engine) -> dict[str, Any]:
    st: dict[str, Any] = engine.get("cloneset", "web")["status"]
    return st


def wait_jsonpath(engine: Engine, path: str, value: str) -> None:
    engine.cli("wait", f"--for=jsonpath={{{path}}}={value}", "cloneset/web", "--timeout=120s")


def share_of(load: Load, version: str, requests: int) -> float:
    before, _ = load.snapshot()
    with load:
        load.wait_for(requests)
    after, _ = load.snapshot()
    delta = after - before
    assert not load.errors, load.errors[:5]
    return delta[version] / sum(delta.values())


@pytest.mark.timeout(600)
def test_a_canary_at_10_percent_gets_10_percent_of_the_requests_whatever_its_pod_count(engine_on: Engine, tmp_path: Path) -> None:
    engine = engine_on
    load = started(engine, tmp_path, WEIGHTED)
    apply(engine, tmp_path, "v2", WEIGHTED)
    wait_jsonpath(engine, ".status.currentStepIndex", "2")  # paused, 1 of 10 updated, weight 10
    st = status(engine)
    assert st["updatedReadyReplicas"] == 1 and st["trafficRouting"]["weight"] == 10
    one_of_ten = share_of(load, "canary/web:v2", 5_000)
    engine.cli("rollout", "resume", "cloneset/web")
    wait_jsonpath(engine, ".status.currentStepIndex", "4")  # paused again, 5 of 10 updated, still weight 10
    assert status(engine)["updatedReadyReplicas"] == 5
    five_of_ten = share_of(load, "canary/web:v2", 5_000)
    print(f"canary share: 1 of 10 pods {one_of_ten:.2%}, 5 of 10 pods {five_of_ten:.2%}")
    assert 0.09 <= one_of_ten <= 0.11
    assert 0.09 <= five_of_ten <= 0.11  # a pod ratio would give 50%
    engine.cli("rollout", "resume", "cloneset/web")
    engine.cli("rollout", "status", "cloneset/web", "--timeout", "120")
    assert "trafficRouting" not in status(engine)


@pytest.mark.timeout(600)
def test_a_bad_canary_is_judged_and_aborted_with_no_request_lost_to_the_stable_revision(engine_on: Engine, tmp_path: Path) -> None:
    engine = engine_on
    load = started(engine, tmp_path, JUDGED)
    stable = status(engine)["updateRevision"]
    with load:
        apply(engine, tmp_path, "bad", JUDGED)
        events = []
        deadline = time.monotonic() + 180
        while not events:
            assert time.monotonic() < deadline, f"no abort; status {status(engine)}"
            events = [e for e in engine.get("events")["items"] if e["reason"] == "RolloutAborted"]
            time.sleep(0.5)  # the engine is another process: polled through the API
        engine.cli("rollout", "status", "cloneset/web", "--timeout", "120")
        wait_jsonpath(engine, ".status.updateRevision", stable)
        ok_at_back, failed_at_back = load.snapshot()
        load.wait_for(2_000)  # after the rollback, every request goes to the stable pods
    ok, failed = load.snapshot()
    st = status(engine)
    print(f"answered: {dict(ok)}; 5xx: {dict(failed)}; transport errors: {len(load.errors)}; abort: {events[0]['message']}")
    assert "trafficRouting" not in st and st["updateRevision"] == stable
    assert failed["canary/web:bad"] > 0  # the canary did fail, and the judge saw it
    assert failed["canary/web:v1"] == 0 and not load.errors  # no request to the stable revision was lost
    assert (ok - ok_at_back)["canary/web:bad"] == 0 and (failed - failed_at_back)["canary/web:bad"] == 0
    assert "ended Failed: back to the stable revision" in events[0]["message"]
