"""Benchmark: the engine with real processes — rollout duration, proxy throughput, memory per pod.

1. **Rollout duration**: 20 replicas of the demo app (1 s start-up, readiness probe every 1 s),
   maxSurge 25%, maxUnavailable 0, one image change under ``graceroll verify`` load. The lower
   bound is ceil(20 / 5) waves × the median time a new pod takes from creation to Ready.
2. **Proxy throughput**: one pod behind its own Service; the same keep-alive client
   (``http_load.py``, its own process) against the pod's address and against the Service (L4).
3. **Engine memory per pod**: the engine's resident memory with 0 pods and with 21, pods' own
   processes excluded.

    python bench/engine_bench.py [--out bench/results/engine.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from graceroll.clock import parse_time

HERE = Path(__file__).resolve().parent
REPLICAS, SURGE = 20, 5

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  strategy: {{rollingUpdate: {{maxSurge: 25%, maxUnavailable: 0}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: app
        image: demo:v1
        env: [{{name: STARTUP_DELAY, value: "1"}}]
        ports: [{{name: http, containerPort: 8080}}]
        readinessProbe: {{httpGet: {{path: /healthz, port: http}}, periodSeconds: 1}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  selector: {{app: {name}}}
  ports: [{{name: http, port: 8080, targetPort: http}}]
"""


class Engine:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.data = tmp / "data"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(self.data), "up", "--listen", "127.0.0.1:0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not (self.data / "engine.url").exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the engine did not start")
            time.sleep(0.05)

    def cli(self, *args: str, timeout: float = 300) -> str:
        cmd = [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(self.data), *args]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if p.returncode and args[0] != "verify":
            raise SystemExit(f"graceroll {' '.join(args)}: {p.stderr}")
        return p.stdout

    def apply(self, name: str, replicas: int) -> None:
        path = self.tmp / f"{name}.yaml"
        path.write_text(WEB.format(name=name, replicas=replicas))
        self.cli("apply", "-f", str(path))
        self.cli("rollout", "status", f"deployment/{name}", "--timeout", "120")

    def get(self, *args: str) -> Any:
        return json.loads(self.cli("get", *args, "-o", "json"))

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def load(host: str, port: int, seconds: float = 5, connections: int = 8) -> dict[str, Any]:
    p = subprocess.run([sys.executable, str(HERE / "http_load.py"), host, str(port), str(seconds), str(connections)], capture_output=True, text=True, timeout=seconds + 30, check=True)
    out: dict[str, Any] = json.loads(p.stdout)
    out["rps"] = round(out["requests"] / seconds, 1)
    return out


def ready_latency(pod: dict[str, Any]) -> float | None:
    cond = next((c for c in pod.get("status", {}).get("conditions", []) if c["type"] == "Ready" and c["status"] == "True"), None)
    return parse_time(cond["lastTransitionTime"]) - parse_time(pod["metadata"]["creationTimestamp"]) if cond else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench/results/engine.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="graceroll-bench-") as tmp:
        engine = Engine(Path(tmp))
        try:
            time.sleep(1)  # let the engine settle before the baseline reading
            rss_empty = engine.rss_kib()
            engine.apply("one", 1)
            engine.apply("web", REPLICAS)
            rss_full = engine.rss_kib()
            pod = engine.get("pods", "-l", "app=one")["items"][0]
            svc = engine.get("service", "one")
            direct = load(pod["status"]["podIP"], 8080)
            proxied = load(svc["spec"]["clusterIP"], 8080)
            report = json.loads(engine.cli("verify", "web", "--during", "set image deployment/web app=demo:v2", "-o", "json", "--timeout", "300"))
            new_pods = [p for p in engine.get("pods", "-l", "app=web")["items"] if p["spec"]["containers"][0]["image"] == "demo:v2"]
            latencies = [x for p in new_pods if (x := ready_latency(p)) is not None]
            per_wave = statistics.median(latencies)
            bound = math.ceil(REPLICAS / SURGE) * per_wave
        finally:
            engine.stop()
    result = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "rollout": {
            "replicas": REPLICAS,
            "duration_s": report["rollout_duration_s"],
            "median_pod_ready_s": round(per_wave, 3),
            "lower_bound_s": round(bound, 3),
            "ratio_to_lower_bound": round(report["rollout_duration_s"] / bound, 3),
            "requests": report["requests"],
            "failed_requests": report["failed"],
        },
        "proxy_throughput": {"direct_rps": direct["rps"], "l4_proxy_rps": proxied["rps"], "ratio": round(proxied["rps"] / direct["rps"], 3), "errors": direct["errors"] + proxied["errors"]},
        "memory": {"engine_rss_empty_kib": rss_empty, "engine_rss_21_pods_kib": rss_full, "kib_per_pod": round((rss_full - rss_empty) / (REPLICAS + 1), 1)},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
