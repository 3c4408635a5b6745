"""Traffic splitting on a real engine, on each data plane: a CloneSet of 10 pods of an ordinary app
(written here) with 1 pod on the new revision, and ``status.trafficRouting`` written by the test
as the canary step controllers write it.

- weight 10 → 10 % ± 1 % of 2,000 requests answered by the new revision; weight 50 → 50 % ± 1 %
  (one pod of ten: the share follows the weight, not the pod count);
- header routes (exact, prefix, anchored regex) send exactly the matching requests to the canary
  (weight 0: nothing else reaches it);
- removing ``trafficRouting`` (with stock kubectl: ``patch --subresource=status``) restores plain
  balancing (each pod a tenth);
- the per-revision counters at ``/metrics`` equal what the client counted, requests and 5xx (the
  canary answers 500 on ``/fail``), and survive a ``kill -9`` of the engine (the data plane keeps them).

Every wait for the data plane to take a new routing up is bounded: it sends marked requests (a
header route per phase) until they reach the canary, which happens once the routing is applied.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from .clients import Kubectl
from .harness import Engine, until

REPLICAS = 10
REQUESTS = 2000
CLIENTS = 4
APPLY_WAIT = 60.0

APP = '''
import os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

IMAGE, POD = os.environ["GRACEROLL_IMAGE"], os.environ["POD_NAME"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        failing = self.path.startswith("/fail") and IMAGE.endswith(":v2")
        body = f"{IMAGE} {POD}".encode()
        self.send_response(500 if failing else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer((os.environ["POD_IP"], 8080), Handler)
server.daemon_threads = True
server.serve_forever()
'''


def manifests(app: Path) -> str:
    container = {
        "name": "app",
        "image": "split:v1",
        "command": [sys.executable, str(app)],
        "ports": [{"containerPort": 8080}],
        "readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1},
    }
    cloneset = {
        "apiVersion": "apps.kruise.io/v1alpha1",
        "kind": "CloneSet",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": REPLICAS,
            "selector": {"matchLabels": {"app": "web"}},
            "updateStrategy": {"partition": REPLICAS - 1},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"terminationGracePeriodSeconds": 5, "containers": [container]}},
        },
    }
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": [cloneset, service]})


class Client:
    """Keep-alive clients through the Service, counting every answer by image, pod and status."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.by_image: Counter[tuple[str, int]] = Counter()  # (image, status) over the whole test
        self.lock = threading.Lock()

    def run(self, n: int, path: str = "/", headers: list[dict[str, str]] | None = None) -> list[tuple[str, str, int]]:
        """``n`` GETs over ``CLIENTS`` connections; request i carries ``headers[i % len]``; answers in order."""
        answers: list[tuple[str, str, int] | None] = [None] * n
        errors: list[str] = []

        def work(k: int) -> None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
            try:
                for i in range(k, n, CLIENTS):
                    conn.request("GET", path, headers=headers[i % len(headers)] if headers else {})
                    r = conn.getresponse()
                    image, _, pod = r.read().decode().partition(" ")
                    answers[i] = (image, pod, r.status)
            except (OSError, http.client.HTTPException) as e:
                errors.append(repr(e))
            finally:
                conn.close()

        threads = [threading.Thread(target=work, args=(k,)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors[:3]
        done = [a for a in answers if a is not None]
        assert len(done) == n
        with self.lock:
            self.by_image.update((image, status) for image, _, status in done)
        return done

    def await_canary(self, headers: dict[str, str], want: bool = True) -> None:
        """Send requests carrying ``headers`` until the canary answers them (``want``) — bounded."""
        deadline = time.monotonic() + APPLY_WAIT
        streak = 0
        while streak < 10:
            assert time.monotonic() < deadline, f"the data plane did not take the routing up within {APPLY_WAIT:g} s"
            (image, _, _), = self.run(1, headers=[headers])
            streak = streak + 1 if (image == "split:v2") == want else 0
            if not want and streak:
                return


def set_routing(engine: Engine, routing: dict[str, Any] | None) -> None:
    r = engine.api(
        "PATCH",
        "/apis/apps.kruise.io/v1alpha1/namespaces/default/clonesets/web/status",
        headers={"Content-Type": "application/merge-patch+json"},
        content=json.dumps({"status": {"trafficRouting": routing}}),
    )
    assert r.status_code == 200, r.text
    assert (r.json().get("status") or {}).get("trafficRouting") == routing


def marker(phase: str) -> dict[str, Any]:
    return {"name": f"phase-{phase}", "match": [{"headerName": "X-Phase", "headerValue": {"exact": phase}}]}


def share(answers: list[tuple[str, str, int]]) -> float:
    return sum(1 for image, _, _ in answers if image == "split:v2") / len(answers)


def scrape(engine: Engine) -> dict[tuple[str, str, str], float]:
    """(metric, revision, kind) → value, for the Service ``web``."""
    r = engine.api("GET", "/metrics")
    assert r.status_code == 200
    out: dict[tuple[str, str, str], float] = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            if s.labels.get("service") == "web" and s.name.startswith("graceroll_service_request"):
                out[(s.name, s.labels.get("revision", ""), s.labels.get("kind", s.labels.get("le", "")))] = s.value
    return out


def expected(client: Client, revisions: dict[str, str]) -> dict[tuple[str, str, str], float]:
    out: dict[tuple[str, str, str], float] = {}
    for (image, status), n in client.by_image.items():
        rev = revisions[image]
        for key in (("graceroll_service_requests_total", rev, ""), ("graceroll_service_request_duration_seconds_count", rev, "")):
            out[key] = out.get(key, 0) + n
        if status >= 500:
            key = ("graceroll_service_request_failures_total", rev, "5xx")
            out[key] = out.get(key, 0) + n
    return out


def await_counters(engine: Engine, want: dict[tuple[str, str, str], float]) -> dict[tuple[str, str, str], float]:
    """The counters named in ``want``, once they equal it (the data plane counts as requests end)."""

    def named() -> dict[tuple[str, str, str], float]:
        got = scrape(engine)
        return {k: got.get(k, 0.0) for k in want}

    with contextlib.suppress(AssertionError):  # the caller's comparison shows what differs
        until(lambda: named() == want, "the per-revision counters", timeout=APPLY_WAIT)
    return named()


def test_weights_header_routes_and_counters_per_revision(engine_on: Engine, tmp_path: Path) -> None:
    engine = engine_on
    app = tmp_path / "app.py"
    app.write_text(APP)
    (tmp_path / "web.json").write_text(manifests(app))
    engine.cli("apply", "-f", str(tmp_path / "web.json"))
    engine.cli("rollout", "status", "cloneset/web", "--timeout", "120")
    engine.cli("set", "image", "cloneset/web", "app=split:v2")
    engine.cli("rollout", "status", "cloneset/web", "--timeout", "120")  # partition 9: one pod updated
    engine.cli("wait", "--for=condition=Ready", "pods", "-l", "app=web", "--timeout", "120s")
    pods = engine.get("pods", "")["items"]
    revisions = {p["spec"]["containers"][0]["image"]: p["metadata"]["labels"]["controller-revision-hash"] for p in pods}
    assert sorted(Counter(p["spec"]["containers"][0]["image"] for p in pods).values()) == [1, REPLICAS - 1]
    canary = revisions["split:v2"]
    svc = engine.get("service", "web")
    client = Client(svc["spec"]["clusterIP"], 80)

    for weight in (10, 50):
        set_routing(engine, {"canaryRevision": canary, "weight": weight, "headerRoutes": [marker(f"w{weight}")]})
        client.await_canary({"X-Phase": f"w{weight}"})
        got = share(client.run(REQUESTS))
        assert abs(got - weight / 100) <= 0.01, f"weight {weight}: {got:.2%} of requests went to the canary"

    routes = [
        marker("h"),
        {"name": "beta", "match": [{"headerName": "x-user", "headerValue": {"prefix": "beta-"}}]},
        {"name": "rc", "match": [{"headerName": "X-Build", "headerValue": {"regex": "[0-9]+-rc"}}, {"headerName": "X-Ring", "headerValue": {"exact": "1"}}]},
    ]
    set_routing(engine, {"canaryRevision": canary, "weight": 0, "headerRoutes": routes})
    client.await_canary({"X-Phase": "h"})
    headers = [{"X-User": "beta-7"}, {"X-User": "alpha-7"}, {"X-Build": "12-rc", "X-Ring": "1"}, {"X-Build": "12-rc1", "X-Ring": "1"}, {"X-Build": "12-rc", "X-Ring": "2"}, {}]
    answers = client.run(600, headers=headers)
    for i, (image, _, _) in enumerate(answers):
        assert (image == "split:v2") == (i % len(headers) in (0, 2)), f"{headers[i % len(headers)]} was answered by {image}"

    kubectl = Kubectl(engine, tmp_path)
    kubectl("patch", "cloneset", "web", "--subresource=status", "--type=merge", "-p", '{"status":{"trafficRouting":null}}')
    assert "trafficRouting" not in kubectl.json("get", "cloneset", "web").get("status", {})
    client.await_canary({"X-Phase": "h"}, want=False)
    plain = client.run(REQUESTS)
    assert abs(share(plain) - 1 / REPLICAS) <= 0.01
    per_pod = Counter(pod for _, pod, _ in plain)
    assert len(per_pod) == REPLICAS and max(per_pod.values()) - min(per_pod.values()) <= REQUESTS * 0.02, per_pod

    set_routing(engine, {"canaryRevision": canary, "weight": 50, "headerRoutes": [marker("f")]})
    client.await_canary({"X-Phase": "f"})
    failing = client.run(400, path="/fail")
    assert {status for image, _, status in failing if image == "split:v2"} == {500}
    assert {status for image, _, status in failing if image != "split:v2"} == {200}

    want = expected(client, revisions)
    assert await_counters(engine, want) == want
    assert want[("graceroll_service_request_failures_total", canary, "5xx")] > 0

    engine.stop(signal.SIGKILL)  # the data plane keeps the counters; the next engine reads them again
    engine.start()
    assert await_counters(engine, want) == want
