"""The engine's life: authentication, restart on the same data dir, a crash of the engine itself,
logs, and a failing rollout."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from graceroll.engine.paths import DataDir

from .harness import Engine, alive, recorded_groups, store_pods

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
WEB = EXAMPLES / "demo" / "web.yaml"


def is_ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod.get("status", {}).get("conditions", []))


def ready_pods(engine: Engine) -> dict[str, dict[str, object]]:
    return {p["metadata"]["name"]: p for p in engine.get("pods")["items"] if is_ready(p)}


def test_a_request_without_the_token_gets_401_and_changes_nothing(engine: Engine) -> None:
    r = engine.api("GET", "/api/v1/namespaces/default/pods", token=None)
    assert r.status_code == 401
    assert r.json()["kind"] == "Status" and r.json()["code"] == 401
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"ports": [{"port": 80}]}}
    assert engine.api("POST", "/api/v1/namespaces/default/services", token="wrong", json=body).status_code == 401
    assert engine.api("GET", "/api/v1/namespaces/default/services/x").status_code == 404
    assert (engine.dd.token.stat().st_mode & 0o777) == 0o600


def test_a_graceful_restart_on_the_same_data_dir_restarts_the_pods_and_keeps_every_object(engine: Engine) -> None:
    engine.cli("apply", "-f", str(WEB))
    engine.cli("rollout", "status", "deployment/web", "--timeout", "60")
    before = ready_pods(engine)
    assert len(before) == 5
    groups = recorded_groups(engine.data_dir)
    assert groups
    assert engine.stop() == 0
    assert not any(alive(g) for g in groups)  # a graceful stop stops every pod process
    engine.start()
    engine.cli("rollout", "status", "deployment/web", "--timeout", "60")
    after = engine.get("pods")["items"]
    assert sorted(p["metadata"]["name"] for p in after) == sorted(before)  # same pods, none added
    assert all(p["status"]["containerStatuses"][0]["restartCount"] >= 1 for p in after)
    assert len(ready_pods(engine)) == 5
    assert engine.get("deployment", "web")["metadata"]["uid"]


def container(pod: dict[str, Any]) -> dict[str, Any]:
    cs: dict[str, Any] = pod["status"]["containerStatuses"][0]
    return cs


def pid_of(pod: dict[str, Any]) -> int:
    return int(str(container(pod)["containerID"]).removeprefix("process://"))


def test_after_a_kill_9_the_next_engine_adopts_every_pod_and_restarts_only_the_one_gone(engine: Engine) -> None:
    engine.cli("apply", "-f", str(WEB))
    engine.cli("rollout", "status", "deployment/web", "--timeout", "60")
    before = {p["metadata"]["name"]: p for p in engine.get("pods")["items"]}
    assert len(before) == 5 and len(ready_pods(engine)) == 5
    engine.stop(signal.SIGKILL)
    assert all(alive(pid_of(p)) for p in before.values()), "containers live on in their own sessions"
    victim = min(before)
    os.kill(pid_of(before[victim]), signal.SIGKILL)  # dies while no engine runs
    engine.start()
    engine.cli("rollout", "status", "deployment/web", "--timeout", "60")

    after = {p["metadata"]["name"]: p for p in engine.get("pods")["items"]}
    assert sorted(after) == sorted(before), "same pods, none added"
    for name in sorted(set(before) - {victim}):
        assert after[name]["status"] == before[name]["status"], f"{name}: same pid, restartCount, IP, startedAt, Ready"
    gone = container(after[victim])
    assert pid_of(after[victim]) != pid_of(before[victim]) and gone["restartCount"] == 1
    assert gone["lastState"]["terminated"]["reason"] == "ContainerStatusUnknown"
    assert gone["lastState"]["terminated"]["exitCode"] == 137
    assert after[victim]["status"]["podIP"] == before[victim]["status"]["podIP"]
    assert len(ready_pods(engine)) == 5
    assert sorted(recorded_groups(engine.data_dir)) == sorted(pid_of(p) for p in after.values())


def test_logs_show_what_the_container_printed(engine: Engine) -> None:
    engine.cli("apply", "-f", str(WEB))
    engine.cli("rollout", "status", "deployment/web", "--timeout", "60")
    pod = min(ready_pods(engine))
    assert "serving demo:v1" in engine.cli("logs", pod).out


def test_rollout_status_fails_once_the_progress_deadline_is_exceeded(engine: Engine, tmp_path: Path) -> None:
    image = engine.data_dir / "images" / "broken" / "v1"
    image.mkdir(parents=True)
    (image / "run").write_text("#!/bin/sh\necho failing >&2\nexit 3\n")
    (image / "run").chmod(0o755)
    manifest = tmp_path / "broken.yaml"
    manifest.write_text(
        WEB.read_text().replace("name: web\nspec:\n  replicas: 5", "name: web\nspec:\n  progressDeadlineSeconds: 3\n  replicas: 5")
    )
    engine.cli("apply", "-f", str(WEB))
    engine.cli("rollout", "status", "deployment/web", "--timeout", "60")
    engine.cli("apply", "-f", str(manifest))
    engine.cli("set", "image", "deployment/web", "app=broken:v1")
    r = engine.cli("rollout", "status", "deployment/web", "--timeout", "60", check=False)
    assert r.code == 1
    assert 'deployment "web" exceeded its progress deadline' in r.err
    assert len(ready_pods(engine)) >= 4  # the old pods keep serving (maxUnavailable 1)
    engine.cli("rollout", "undo", "deployment/web")
    engine.cli("rollout", "status", "deployment/web", "--timeout", "60")
    pods = engine.get("pods")["items"]
    assert len(ready_pods(engine)) == 5 and {p["spec"]["containers"][0]["image"] for p in pods} == {"demo:v1"}


def test_a_rollout_interrupted_by_a_kill_9_completes_after_the_restart_restarting_nothing_alive(engine: Engine) -> None:
    engine.cli("apply", "-f", str(WEB))
    engine.cli("rollout", "status", "deployment/web", "--timeout", "60")
    engine.cli("set", "image", "deployment/web", "app=demo:v2")
    engine.stop(signal.SIGKILL)  # mid-rollout: maxSurge 1 means at most 6 pods exist
    data = DataDir(engine.data_dir)
    running = {}  # pod uid -> (pid, restartCount) of every container running at the kill
    for pod in store_pods(data):
        cs = (pod.get("status") or {}).get("containerStatuses") or []
        if cs and "running" in cs[0]["state"] and alive(pid_of(pod)):
            running[pod["metadata"]["uid"]] = (pid_of(pod), cs[0]["restartCount"])
    assert running
    engine.start()
    seen, unavailable, restarted = [], [], []
    for _ in range(600):  # bounded: ends when the rollout does
        pods = engine.get("pods")["items"]
        live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        seen.append(len(live))
        unavailable.append(5 - sum(1 for p in live if is_ready(p)))
        restarted += [
            p["metadata"]["name"]
            for p in pods
            if p["metadata"]["uid"] in running
            and p["status"].get("containerStatuses")
            and (pid_of(p), container(p)["restartCount"]) != running[p["metadata"]["uid"]]
        ]
        if engine.cli("rollout", "status", "deployment/web", "--no-watch").out.startswith('deployment "web" successfully'):
            break
    assert max(seen) <= 6, "replicas + maxSurge, across the crash"
    assert max(unavailable) <= 1, "maxUnavailable, across the crash: no adopted pod turned NotReady"
    assert restarted == [], "nothing alive at the kill was restarted"
    assert {p["spec"]["containers"][0]["image"] for p in engine.get("pods")["items"]} == {"demo:v2"}
    kept = {p["metadata"]["uid"] for p in engine.get("pods")["items"]} & set(running)
    assert all(alive(running[uid][0]) for uid in kept), "surge pods created before the kill still run the same process"
    gone = set(running) - kept
    assert gone and not any(alive(running[uid][0]) for uid in gone), "old pods were stopped by the rollout"


def test_malformed_and_invalid_bodies_get_status_objects_and_store_nothing(engine: Engine) -> None:
    path = "/apis/apps/v1/namespaces/default/deployments"
    bad_json = engine.api("POST", path, content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["kind"] == "Status"
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "bad"},
        "spec": {
            "selector": {"matchLabels": {"app": "bad"}},
            "strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}},
            "template": {"metadata": {"labels": {"app": "bad"}}, "spec": {"containers": [{"name": "app", "image": "demo:v1"}]}},
        },
    }
    invalid = engine.api("POST", path, json=body)
    assert invalid.status_code == 422
    causes = invalid.json()["details"]["causes"]
    assert any(c["field"] == "spec.strategy.rollingUpdate.maxUnavailable" for c in causes)
    assert engine.api("GET", f"{path}/bad").status_code == 404


def test_the_cli_finds_the_engine_by_server_token_and_ca_from_the_environment(engine: Engine, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "GRACEROLL_SERVER": engine.url, "GRACEROLL_TOKEN": engine.token, "GRACEROLL_CA": str(engine.dd.tls_cert)}
    cmd = [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(tmp_path / "elsewhere"), "apply", "-f", str(WEB)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert p.returncode == 0, p.stderr
    assert engine.get("deployment", "web")["spec"]["replicas"] == 5
    env["GRACEROLL_TOKEN"] = "wrong"
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert p.returncode == 1 and "Traceback" not in p.stderr
