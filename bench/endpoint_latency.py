"""Benchmark: how long after a pod turns NotReady the proxy stops giving it new connections.

In one process: a store, the endpoints controller (driven by the engine's controller loop) and the
service proxy, with 3 HTTP backends on loopback. A client opens new connections through the Service
back to back; at t0 one pod's Ready condition turns False (what the node agent writes when a
readiness probe fails). Reported: the time from t0 until the proxy's backend list no longer holds
the pod, and the latest start (after t0) of a connection the pod still answered (0: none did).
Repeated ``--rounds`` times.

    python bench/endpoint_latency.py [--rounds 20] [--out bench/results/endpoint_latency.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from aiohttp import web

import graceroll.api.builtin  # noqa: F401
from graceroll.api.meta import clone
from graceroll.clock import SystemClock, format_time
from graceroll.controllers.endpoints.controller import EndpointsController
from graceroll.controllers.runtime import Manager
from graceroll.engine.driver import ControllerLoop
from graceroll.proxy.service_proxy import ServiceProxy
from graceroll.store.memory import MemoryStore

SERVICE_IP, PORT, BACKEND_PORT = "127.1.210.1", 18090, 18091
IPS = ["127.20.1.1", "127.20.1.2", "127.20.1.3"]


async def backend(ip: str) -> web.AppRunner:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(text=ip)

    app = web.Application()
    app.router.add_get("/", answer)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, ip, BACKEND_PORT).start()
    return runner


def set_ready(store: MemoryStore, clock: SystemClock, name: str, ready: bool, ip: str) -> None:
    pod = clone(store.get("Pod", "default", name))
    pod["status"] = {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": format_time(clock.now())}]}
    store.update_status(pod)


async def ask() -> tuple[float, str]:
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(SERVICE_IP, PORT)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = await reader.read()
    writer.close()
    return started, data.decode(errors="replace").rsplit("\r\n", 1)[-1]


async def main(rounds: int) -> dict[str, Any]:
    clock = SystemClock()
    store = MemoryStore(clock)
    manager = Manager(store, clock, [EndpointsController(store, clock)])
    loop_driver = ControllerLoop(manager, clock)
    proxy = ServiceProxy(store, clock)
    runners = [await backend(ip) for ip in IPS]
    driver = asyncio.create_task(loop_driver.run())
    await proxy.start()
    store.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"}, "spec": {"clusterIP": SERVICE_IP, "selector": {"app": "web"}, "ports": [{"name": "http", "port": PORT, "targetPort": BACKEND_PORT}]}})
    for i, ip in enumerate(IPS):
        store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"web-{i}", "namespace": "default", "labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "demo:v1"}]}})
        set_ready(store, clock, f"web-{i}", True, ip)
    for _ in range(500):  # bounded: until the listener is up with every backend
        await proxy.sync()
        listener = proxy.listeners.get((SERVICE_IP, PORT))
        if listener is not None and len(listener.pool.backends) == len(IPS):
            break
        await asyncio.sleep(0.01)
    latencies: list[float] = []
    removed: list[float] = []
    try:
        for r in range(rounds):
            victim = r % len(IPS)
            for _ in range(200):  # bounded: wait until every backend answers again
                if {(await ask())[1] for _ in range(6)} == set(IPS):
                    break
            pool = proxy.listeners[(SERVICE_IP, PORT)].pool
            t0 = time.monotonic()
            set_ready(store, clock, f"web-{victim}", False, IPS[victim])
            for _ in range(100_000):  # bounded; yields to the controller loop and the proxy each time
                if (IPS[victim], BACKEND_PORT) not in pool.backends:
                    break
                await asyncio.sleep(0)
            removed.append(time.monotonic() - t0)
            last_hit = t0
            for _ in range(300):  # 300 connections after t0, far beyond the removal
                started, who = await ask()
                if who == IPS[victim]:
                    last_hit = started
            latencies.append(max(0.0, last_hit - t0))
            set_ready(store, clock, f"web-{victim}", True, IPS[victim])
    finally:
        loop_driver.stop()
        await driver
        await proxy.stop()
        for runner in runners:
            await runner.cleanup()
    hits = sorted(x * 1000 for x in latencies)
    gone = sorted(x * 1000 for x in removed)
    return {
        "rounds": rounds,
        "removed_from_proxy_median_ms": round(statistics.median(gone), 3),
        "removed_from_proxy_max_ms": round(gone[-1], 3),
        "last_connection_to_it_after_ms_max": round(hits[-1], 3),
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--out", default="bench/results/endpoint_latency.json")
    args = ap.parse_args()
    result = {"python": platform.python_version(), "machine": platform.machine(), **asyncio.run(main(args.rounds))}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
