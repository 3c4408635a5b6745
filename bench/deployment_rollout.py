"""Benchmark: simulate a Deployment rollout (maxSurge 25%, maxUnavailable 25%) at several sizes.

Only the v1 -> v2 rollout is timed (the initial deployment is brought up first). Reported per
replaced pod: wall and CPU time. Targets: under 1 ms CPU per replaced pod at 10,000 replicas,
and the per-pod cost at 10,000 within 1.5x of the cost at 1,000 (no quadratic loops).

    python bench/deployment_rollout.py [--sizes 1000 10000] [--out bench/results/deployment_rollout.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from graceroll.scenario import Scenario, Step
from graceroll.simulate import Simulation, quiet_gc

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: bench
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: bench}}
  template:
    metadata:
      labels: {{app: bench}}
    spec:
      containers:
      - name: app
        image: app:{version}
"""


def measure(replicas: int, workdir: Path) -> dict[str, Any]:
    files = {}
    for version in ("v1", "v2"):
        files[version] = workdir / f"{replicas}-{version}.yaml"
        files[version].write_text(MANIFEST.format(replicas=replicas, version=version))
    sim = Simulation(Scenario(steps=[Step(wait="complete")], until=1e9))
    with quiet_gc():
        sim.execute(Step(apply=str(files["v1"])))
        sim.execute(Step(wait="complete"))
        reconciles_before = sim.manager.reconciles
        wall0, cpu0 = time.perf_counter(), time.process_time()
        sim.execute(Step(apply=str(files["v2"])))
        sim.execute(Step(wait="complete"))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    outcome = sim.finish()
    assert outcome.complete, f"the {replicas}-replica rollout did not complete"
    return {
        "replicas": replicas,
        "replaced_pods": replicas,
        "wall_s": round(wall, 4),
        "cpu_s": round(cpu, 4),
        "cpu_ms_per_replaced_pod": round(cpu * 1000 / replicas, 4),
        "wall_ms_per_replaced_pod": round(wall * 1000 / replicas, 4),
        "reconciles": sim.manager.reconciles - reconciles_before,
        "virtual_duration_s": outcome.duration_s,
        "max_pods": outcome.max_pods,
        "min_available": outcome.min_available,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--out", default="bench/results/deployment_rollout.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [measure(n, Path(tmp)) for n in args.sizes]
    result: dict[str, Any] = {
        "benchmark": "deployment_rollout",
        "strategy": {"maxSurge": "25%", "maxUnavailable": "25%"},
        "python": platform.python_version(),
        "machine": platform.machine(),
        "runs": runs,
    }
    if len(runs) >= 2:
        small, large = runs[0], runs[-1]
        result["per_pod_cpu_ratio"] = round(large["cpu_ms_per_replaced_pod"] / small["cpu_ms_per_replaced_pod"], 3)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
