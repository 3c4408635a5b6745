"""Benchmark: what one ``/metrics`` scrape and one dashboard update cost on the engine's event loop.

Both read the store synchronously on the loop, so their time is time no controller runs. A
simulated cluster (store, Deployment and ReplicaSet controllers, simulated node) holds
``--deployments`` Deployments of ``--replicas`` pods, each in the middle of a rollout (v2 never
ready). Reported: the median and worst of ``--rounds`` renders of ``/metrics`` and builds of the
dashboard's JSON, and the bytes of each.

    python bench/observability_cost.py [--deployments 50] [--replicas 20] [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graceroll.dashboard import view
from graceroll.dashboard.history import History
from graceroll.metrics.registry import EngineMetrics
from graceroll.node.sim import Behaviour
from tests.unit.controllers.harness import Cluster, deployment


def cluster(deployments: int, replicas: int) -> Cluster:
    c = Cluster(images={"app:v2": Behaviour(never_ready=True)})
    names = [f"web-{i}" for i in range(deployments)]
    for name in names:
        c.store.create(deployment(name=name, replicas=replicas, max_surge=2, max_unavailable=0))
    c.advance(30)
    for name in names:
        c.edit(name, lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image="app:v2"))
    c.advance(30)
    return c


def timed(fn: Any, rounds: int) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        size = len(fn())
        times.append(time.perf_counter() - t0)
    return times, size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deployments", type=int, default=50)
    ap.add_argument("--replicas", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--out", default="bench/results/observability_cost.json")
    args = ap.parse_args()
    c = cluster(args.deployments, args.replicas)
    metrics = EngineMetrics(c.store, c.manager, c.clock.now, c.clock.monotonic)
    history = History()
    scrape, scrape_bytes = timed(metrics.render, args.rounds)
    page, page_bytes = timed(lambda: json.dumps(view.build(c.store, history, c.clock.now(), [])).encode(), args.rounds)
    result = {
        "benchmark": "observability_cost",
        "python": platform.python_version(),
        "deployments": args.deployments,
        "pods": len(c.store.list("Pod")),
        "objects": sum(len(c.store.list(k)) for k in ("Pod", "ReplicaSet", "Deployment", "Event")),
        "metrics_scrape_ms": {"median": round(statistics.median(scrape) * 1000, 2), "max": round(max(scrape) * 1000, 2), "bytes": scrape_bytes},
        "dashboard_update_ms": {"median": round(statistics.median(page) * 1000, 2), "max": round(max(page) * 1000, 2), "bytes": page_bytes},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
