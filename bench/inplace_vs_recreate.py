"""Benchmark: one CloneSet update on the engine, in place against recreate, under the same load.

Same app (the demo server with a readiness probe), same replicas, same load (``graceroll verify``:
keep-alive and new-connection clients through the Service). For each strategy it reports the
rollout's duration, the time per updated pod, and the failed requests (target 0 for both).

    python bench/inplace_vs_recreate.py [--replicas 6] [--out bench/results/inplace_vs_recreate.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MANIFEST = """\
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {{name: bench}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: bench}}}}
  updateStrategy:
    type: {strategy}
    maxUnavailable: 1
    inPlaceUpdateStrategy: {{gracePeriodSeconds: 1}}
  template:
    metadata: {{labels: {{app: bench}}}}
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
metadata: {{name: bench}}
spec:
  selector: {{app: bench}}
  ports: [{{name: http, port: 8080, targetPort: http}}]
"""


def graceroll(data_dir: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(data_dir), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def run_one(strategy: str, replicas: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="graceroll-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        engine = subprocess.Popen(
            [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(data_dir), "up", "--listen", "127.0.0.1:0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not (data_dir / "engine.url").exists():
                if engine.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the engine did not start")
                time.sleep(0.05)
            manifest = Path(tmp) / "cloneset.yaml"
            manifest.write_text(MANIFEST.format(replicas=replicas, strategy=strategy))
            for args in (("apply", "-f", str(manifest)), ("rollout", "status", "cloneset/bench", "--timeout", "120")):
                r = graceroll(data_dir, *args)
                if r.returncode:
                    raise SystemExit(f"{' '.join(args)}: {r.stderr}")
            r = graceroll(data_dir, "verify", "bench", "--during", "set image cloneset/bench app=demo:v2", "-o", "json", "--timeout", "240")
            report = json.loads(r.stdout)
            duration = report["rollout_duration_s"]
            return {
                "strategy": strategy,
                "replicas": replicas,
                "rollout_duration_s": duration,
                "s_per_updated_pod": round(duration / replicas, 3) if duration is not None else None,
                "requests": report["requests"],
                "failed_requests": report["failed"],
                "failures": report["failures"],
                "latency_ms": report["latency_ms"],
            }
        finally:
            engine.send_signal(signal.SIGTERM)
            try:
                engine.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(engine.pid, signal.SIGKILL)
                engine.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicas", type=int, default=6)
    ap.add_argument("--out", default="bench/results/inplace_vs_recreate.json")
    args = ap.parse_args()
    runs = [run_one(s, args.replicas) for s in ("InPlaceIfPossible", "ReCreate")]
    inplace, recreate = runs
    ratio = (
        round(inplace["rollout_duration_s"] / recreate["rollout_duration_s"], 3)
        if inplace["rollout_duration_s"] and recreate["rollout_duration_s"]
        else None
    )
    result = {"python": platform.python_version(), "machine": platform.machine(), "runs": runs, "inplace_to_recreate_duration_ratio": ratio}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
