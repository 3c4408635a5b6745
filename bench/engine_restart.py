"""Benchmark: an engine started after ``kill -9`` of the last one — adopting its pods against restarting them.

For N pods of the demo app (a Deployment; readiness probe every 1 s, 1 s start-up delay), the
engine is killed with SIGKILL and started again on the same data dir, in two ways, alternating:

- **adopt** — this engine as it is: it takes over the running containers;
- **restart** — the behaviour before adoption: the ledgers are rewritten in the old format (no
  ``version``, no container records), so the new engine kills every recorded group and starts
  every pod afresh — the very code path an engine without adoption ran.

Measured from spawning ``graceroll up``: when the API answers, what the node reports for its own
start (``node started in …`` in the engine log: reading ledgers, verifying and adopting or killing,
until every pod has its worker), and when every pod is Ready again (adopt: with the pid it had;
restart: with a new one); plus the most pods seen NotReady at once, polling the API every 50 ms.

    python bench/engine_restart.py [--pods 20 100] [--runs 3] [--out bench/results/engine_restart.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from graceroll.client.http_store import trusting

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: app
        image: demo:v1
        env: [{{name: STARTUP_DELAY, value: "1"}}]
        ports: [{{name: http, containerPort: 8080}}]
        readinessProbe: {{httpGet: {{path: /healthz, port: http}}, periodSeconds: 1}}
"""
NODE_STARTED = re.compile(r"node started in ([0-9.]+)s")
POLL = 0.05
TIMEOUT = 300.0


class Engine:
    def __init__(self, data: Path) -> None:
        self.data = data
        self.proc: subprocess.Popen[bytes] | None = None
        self.pgids: set[int] = set()

    def start(self) -> float:
        """Spawn ``graceroll up``; returns the instant (monotonic) it was spawned, once the API answers."""
        (self.data / "engine.url").unlink(missing_ok=True)
        log = open(self.data / "bench-engine.log", "wb")  # noqa: SIM115  (handed to the child)
        began = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(self.data), "up", "--listen", "127.0.0.1:0"],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        url = self.data / "engine.url"
        while not (url.exists() and url.read_text().strip()):  # written once the API listens
            if self.proc.poll() is not None or time.monotonic() - began > TIMEOUT:
                raise SystemExit(f"the engine did not start:\n{self.log()[-3000:]}")
            time.sleep(0.01)
        return began

    def log(self) -> str:
        return (self.data / "bench-engine.log").read_text(errors="replace")

    def client(self) -> httpx.Client:
        url = (self.data / "engine.url").read_text().strip()
        token = (self.data / "token").read_text().strip()
        return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, verify=trusting(self.data / "tls.crt"), timeout=30)

    def cli(self, *args: str) -> str:
        cmd = [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(self.data), *args]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        if p.returncode:
            raise SystemExit(f"graceroll {' '.join(args)}: {p.stderr}")
        return p.stdout

    def kill9(self) -> None:
        assert self.proc is not None
        self.remember_groups()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.remember_groups()
        for pgid in self.pgids:  # whatever a failed stop left
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def remember_groups(self) -> None:
        for path in (self.data / "node" / "pods").glob("*/processes.json"):
            try:
                self.pgids.update(int(g["pgid"]) for g in json.loads(path.read_text())["groups"])
            except (OSError, ValueError, KeyError):
                continue


def pods(client: httpx.Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/v1/namespaces/default/pods").json()["items"]
    return items


def pid_of(pod: dict[str, Any]) -> int | None:
    cs = (pod.get("status") or {}).get("containerStatuses") or []
    cid = str(cs[0].get("containerID") or "") if cs else ""
    return int(cid.removeprefix("process://")) if cid else None


def is_ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in (pod.get("status") or {}).get("conditions") or ())


def forget_containers(data: Path) -> None:
    """Rewrite every ledger as an engine without adoption wrote it: it then kills and restarts."""
    for path in (data / "node" / "pods").glob("*/processes.json"):
        led = json.loads(path.read_text())
        old = {k: led[k] for k in ("namespace", "name", "uid")}
        old["groups"] = [{k: g[k] for k in ("pgid", "started", "boot")} for g in led["groups"]]
        path.write_text(json.dumps(old))


def one_restart(engine: Engine, n: int, mode: str) -> dict[str, Any]:
    with engine.client() as c:
        before = {p["metadata"]["uid"]: pid_of(p) for p in pods(c)}
    assert len(before) == n and all(before.values())
    engine.kill9()
    if mode == "restart":
        forget_containers(engine.data)
    began = engine.start()
    api_s = time.monotonic() - began
    most_unready, restarted = 0, 0
    with engine.client() as c:
        while True:
            now = pods(c)
            unready = sum(1 for p in now if not is_ready(p))
            most_unready = max(most_unready, unready)
            changed = sum(1 for p in now if pid_of(p) != before.get(p["metadata"]["uid"]))
            done = unready == 0 and (changed == 0 if mode == "adopt" else changed == n)
            if done:
                ready_s = time.monotonic() - began
                restarted = changed
                break
            if time.monotonic() - began > TIMEOUT:
                raise SystemExit(f"{mode}: pods not back within {TIMEOUT}s")
            time.sleep(POLL)
    found = NODE_STARTED.findall(engine.log())
    return {
        "mode": mode,
        "api_s": round(api_s, 3),
        "node_start_s": float(found[-1]) if found else None,
        "all_ready_s": round(ready_s, 3),
        "most_pods_not_ready": most_unready,
        "pods_restarted": restarted,
    }


def bench(n: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="graceroll-bench-") as tmp:
        engine = Engine(Path(tmp) / "data")
        engine.data.mkdir()
        try:
            engine.start()
            manifest = Path(tmp) / "web.yaml"
            manifest.write_text(WEB.format(replicas=n))
            engine.cli("apply", "-f", str(manifest))
            engine.cli("rollout", "status", "deployment/web", "--timeout", str(int(TIMEOUT)))
            rows = []
            for _ in range(runs):
                for mode in ("adopt", "restart"):
                    rows.append(one_restart(engine, n, mode))
                    print(json.dumps({"pods": n, **rows[-1]}), flush=True)
        finally:
            engine.stop()
    summary = {}
    for mode in ("adopt", "restart"):
        mine = [r for r in rows if r["mode"] == mode]
        summary[mode] = {
            key: statistics.median(r[key] for r in mine)
            for key in ("api_s", "node_start_s", "all_ready_s", "most_pods_not_ready", "pods_restarted")
            if all(r[key] is not None for r in mine)
        }
    ratio = summary["restart"]["all_ready_s"] / summary["adopt"]["all_ready_s"]
    return {"pods": n, "runs": rows, "median": summary, "all_ready_restart_over_adopt": round(ratio, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, nargs="+", default=[20, 100])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default="bench/results/engine_restart.json")
    args = ap.parse_args()
    result = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "results": [bench(n, args.runs) for n in args.pods],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps([{"pods": r["pods"], **r["median"], "ratio": r["all_ready_restart_over_adopt"]} for r in result["results"]], indent=2))


if __name__ == "__main__":
    main()
