"""An app nobody here wrote (``tests/apps/plain_http.py``: ThreadingHTTPServer, HTTP/1.1 keep-alive,
no graceful shutdown: SIGTERM kills it on the spot) loses no request on either data plane — during
a rolling update under ``graceroll verify`` load, through an ``http``-named Service port and through
an unnamed one (sniffed), and across a ``kill -9`` of the engine in the middle of a rollout."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from graceroll.engine.paths import DataDir

from .harness import Engine, alive, store_objects, store_pods
from .traffic import Traffic

APP = Path(__file__).resolve().parents[2] / "apps" / "plain_http.py"
REPLICAS = 4
MAX_SURGE = 1


def manifest(port_name: str | None, min_ready: int = 0) -> str:
    service_port: dict[str, Any] = {"port": 8080, "targetPort": 8080}
    if port_name:
        service_port["name"] = port_name
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "plain"},
        "spec": {
            "replicas": REPLICAS,
            "minReadySeconds": min_ready,
            "selector": {"matchLabels": {"app": "plain"}},
            "strategy": {"rollingUpdate": {"maxSurge": MAX_SURGE, "maxUnavailable": 0}},
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


def deploy(engine: Engine, tmp_path: Path, port_name: str | None, min_ready: int = 0) -> None:
    path = tmp_path / "plain.json"
    path.write_text(manifest(port_name, min_ready))
    engine.cli("apply", "-f", str(path))
    engine.cli("rollout", "status", "deployment/plain", "--timeout", "60")


@pytest.mark.parametrize("port_name", [pytest.param("http", id="http-named port"), pytest.param(None, id="unnamed port, sniffed")])
def test_a_plain_keepalive_app_rolls_without_a_failed_request(engine_on: Engine, tmp_path: Path, port_name: str | None) -> None:
    engine = engine_on
    deploy(engine, tmp_path, port_name)
    r = engine.cli("verify", "plain", "--during", "set image deployment/plain app=plain:v2", "--timeout", "120", "-o", "json", check=False)
    assert r.out, f"no report: {r.err}\n{engine.log_tail()}"
    report = json.loads(r.out)
    assert report["failed"] == 0, report["first_failures"]
    assert r.code == 0 and report["ok"]
    seen = {v for row in report["versions"] for v in row["versions"]}
    assert {"plain:v1", "plain:v2"} <= seen  # traffic really moved across the versions
    assert report["requests_by_client"].get("keepalive", 0) > 0 and report["requests_by_client"].get("new-conn", 0) > 0
    assert report["versions"][-1]["versions"].keys() == {"plain:v2"}


def running_containers(data_dir: Path) -> dict[str, tuple[int, int]]:
    """Pod uid -> (pid, restartCount) of every container running, from a stopped engine's store."""
    found = {}
    for pod in store_pods(DataDir(data_dir)):
        for cs in (pod.get("status") or {}).get("containerStatuses") or ():
            pid = int(str(cs.get("containerID") or "0").removeprefix("process://") or 0)
            if "running" in (cs.get("state") or {}) and pid and alive(pid):
                found[pod["metadata"]["uid"]] = (pid, int(cs["restartCount"]))
    return found


def containers(pod: dict[str, Any]) -> tuple[int, int]:
    cs = pod["status"]["containerStatuses"][0]
    return int(cs["containerID"].removeprefix("process://")), int(cs["restartCount"])


def is_ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in (pod.get("status") or {}).get("conditions") or ())


def test_a_kill_9_of_the_engine_mid_rollout_loses_no_request_and_restarts_nothing_alive(engine_on: Engine, tmp_path: Path) -> None:
    engine = engine_on
    deploy(engine, tmp_path, None, min_ready=5)
    svc = engine.get("service", "plain")
    traffic = Traffic(svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["port"], path="/")
    traffic.start()
    try:
        traffic.more(100)
        engine.cli("set", "image", "deployment/plain", "app=plain:v2")
        # observedGeneration 2 holds from the controller's first pass on (a count would be missed on
        # a loaded machine); each step then takes minReadySeconds or more, so the kill lands mid-way
        engine.cli("wait", "--for=jsonpath={.status.observedGeneration}=2", "deployment/plain", "--timeout", "60s")
        engine.stop(signal.SIGKILL)
        at_kill = next(d for d in store_objects(DataDir(engine.data_dir), "Deployment") if d["metadata"]["name"] == "plain")
        assert int(at_kill["status"].get("updatedReplicas") or 0) < REPLICAS, "the rollout was in flight at the kill"
        alive_at_kill = running_containers(engine.data_dir)
        assert len(alive_at_kill) >= REPLICAS
        traffic.more(200)  # the engine is dead: the data plane and the pods serve on
        engine.start()
        most_pods, fewest_ready, restarted = 0, REPLICAS, []
        for _ in range(600):  # bounded: ends when the rollout does
            pods = engine.get("pods")["items"]
            live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
            most_pods = max(most_pods, len(live))
            fewest_ready = min(fewest_ready, sum(1 for p in live if is_ready(p)))
            restarted += [p["metadata"]["name"] for p in pods if p["metadata"]["uid"] in alive_at_kill and containers(p) != alive_at_kill[p["metadata"]["uid"]]]
            if engine.cli("rollout", "status", "deployment/plain", "--no-watch").out.startswith('deployment "plain" successfully'):
                break
        traffic.more(200)  # the new version serves, on existing and new connections
    finally:
        traffic.stop()
    assert traffic.failures == [], traffic.failures[:5]
    assert restarted == [], "nothing that was running at the kill was restarted"
    assert most_pods <= REPLICAS + MAX_SURGE, "maxSurge held across the crash"
    assert fewest_ready >= REPLICAS, "maxUnavailable 0 held across the crash: no adopted pod turned NotReady"
    assert {p["spec"]["containers"][0]["image"] for p in engine.get("pods")["items"]} == {"plain:v2"}
    assert {"plain:v1", "plain:v2"} <= traffic.answers
