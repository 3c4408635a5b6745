"""Benchmark: failed requests through each data plane, with an ordinary keep-alive app.

The app is a plain ``http.server.ThreadingHTTPServer`` (``protocol_version = "HTTP/1.1"``, so
connections are kept alive), written here as an image directory: it answers its version and, on
SIGTERM, dies with Python's default action — idle keep-alive connections are not closed first,
as with most apps nobody tuned for graceful shutdown. Not graceroll's demo app.

For each data plane (``builtin``; ``haproxy`` when installed), one engine, and:

1. **Updates**: a Deployment (rolling, maxSurge 1, maxUnavailable 0) and a CloneSet
   (``InPlaceIfPossible``, ``gracePeriodSeconds: 1``), 3 replicas each, each behind a Service with
   an unnamed port (the engine decides the mode: sniffed, ``auto``) and one
   with ``appProtocol: http``. Each update runs under ``graceroll verify`` twice: 4 keep-alive
   clients only, then 4 new-connection clients only.
2. **kill -9 of the engine** under load (4 keep-alive + 4 new-connection clients through the
   HTTP Service of the Deployment): failures while the engine is dead (5 s), then across its
   restart (the next engine attaches to the data plane and adopts the running pods).
3. **down + up** under the same load: ``graceroll down`` stops the pods and the data plane, so
   this one disrupts; measured: failed requests and the seconds from the first failure to the
   first success after the last one.

    python bench/dataplane_failures.py [--out bench/results/dataplane_failures.json] [--planes builtin,haproxy]

Run it inside a network namespace of its own when others share the machine (loopback addresses
127.1.x and 127.10.x are machine-wide).
"""

from __future__ import annotations

import argparse
import asyncio
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

from graceroll.clock import SystemClock
from graceroll.dataplane import record
from graceroll.dataplane.choice import find_haproxy
from graceroll.verify.load import Load, LoadSpec
from graceroll.verify.report import Sample

HERE = Path(__file__).resolve().parent
DEAD_SECONDS = 5.0

APP = '''#!{python}
"""An ordinary keep-alive app: ThreadingHTTPServer, HTTP/1.1, default SIGTERM (dies at once)."""
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = {version!r}.encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(VERSION)))
        self.end_headers()
        self.wfile.write(VERSION)

    def log_message(self, *args):
        pass


ThreadingHTTPServer((os.environ["POD_IP"], int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
'''

WORKLOAD = """\
apiVersion: {api}
kind: {kind}
metadata: {{name: {name}}}
spec:
  replicas: 3
  selector: {{matchLabels: {{app: {name}}}}}
  {strategy}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: app
        image: plain:v1
        env: [{{name: PORT, value: "8080"}}]
        ports: [{{containerPort: 8080}}]
        readinessProbe: {{httpGet: {{path: /, port: 8080}}, periodSeconds: 1}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 80, targetPort: 8080{app_protocol}}}]
"""

DEPLOYMENT = ("apps/v1", "Deployment", "strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}")
CLONESET = ("apps.kruise.io/v1alpha1", "CloneSet", "updateStrategy: {type: InPlaceIfPossible, maxUnavailable: 1, inPlaceUpdateStrategy: {gracePeriodSeconds: 1}}")


class Engine:
    def __init__(self, data: Path, plane: str) -> None:
        self.data = data
        self.plane = plane
        self.proc: subprocess.Popen[bytes] | None = None
        self.groups: set[int] = set()

    def start(self) -> float:
        """Start ``graceroll up``; returns seconds until its API answered."""
        t0 = time.monotonic()
        (self.data / "engine.url").unlink(missing_ok=True)
        log = open(self.data / "bench-engine.log", "ab")  # noqa: SIM115  (handed to the child)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(self.data), "up", "--listen", "127.0.0.1:0", "--data-plane", self.plane],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        self.groups.add(self.proc.pid)
        deadline = time.monotonic() + 60
        while not (self.data / "engine.url").exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the engine did not start; see {self.data / 'bench-engine.log'}")
            time.sleep(0.05)
        return time.monotonic() - t0

    def cli(self, *args: str, timeout: float = 300, check: bool = True) -> str:
        cmd = [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(self.data), *args]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if check and p.returncode != 0:
            raise SystemExit(f"graceroll {' '.join(args)} failed:\n{p.stdout}\n{p.stderr}")
        return p.stdout

    def remember(self) -> None:
        for ledger in (self.data / "node").rglob("processes.json"):
            try:
                self.groups.update(int(g["pgid"]) for g in json.loads(ledger.read_text()).get("groups", []))
            except (OSError, ValueError, KeyError):
                continue
        rec = record.load(self.data)
        if rec is not None:
            self.groups.add(rec.pid)

    def kill9(self) -> None:
        assert self.proc is not None
        self.remember()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def down(self) -> None:
        self.remember()
        self.cli("down", timeout=300)
        if self.proc is not None:
            self.proc.wait(30)

    def cleanup(self) -> None:
        self.remember()
        if self.proc is not None and self.proc.poll() is None:
            self.cli("down", timeout=120, check=False)
        for g in self.groups:
            try:
                os.killpg(g, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def write_images(data: Path) -> None:
    for version in ("v1", "v2"):
        run = data / "images" / "plain" / version / "run"
        run.parent.mkdir(parents=True, exist_ok=True)
        run.write_text(APP.format(python=sys.executable, version=f"plain:{version}"))
        run.chmod(0o755)


def services() -> list[tuple[str, tuple[str, str, str], bool]]:
    return [("deploy", DEPLOYMENT, False), ("deploy-http", DEPLOYMENT, True), ("clone", CLONESET, False), ("clone-http", CLONESET, True)]


def updates(engine: Engine) -> list[dict[str, Any]]:
    rows = []
    for name, (api, kind, strategy), http in services():
        version = "v1"
        for load, flags in (("keep-alive", ["--keepalive-clients", "4", "--new-conn-clients", "0"]), ("new-connection", ["--keepalive-clients", "0", "--new-conn-clients", "4"])):
            version = "v2" if version == "v1" else "v1"
            out = engine.cli("verify", name, "--path", "/", "--during", f"set image {kind.lower()}/{name} app=plain:{version}", "--timeout", "180", "-o", "json", *flags, check=False)
            r = json.loads(out)
            rows.append(
                {
                    "workload": kind,
                    "strategy": "RollingUpdate" if kind == "Deployment" else "InPlaceIfPossible",
                    "service_port": "appProtocol: http" if http else "unnamed",
                    "load": load,
                    "requests": r["requests"],
                    "failed": r["failed"],
                    "failures": {k: v for k, v in r["failures"].items() if v},
                    "rollout_s": r["rollout_duration_s"],
                    "first_failures": r["first_failures"][:3],
                }
            )
            print(f"  {kind:10} {rows[-1]['service_port']:17} {load:14} requests {r['requests']:6}  failed {r['failed']}", flush=True)
    return rows


def summary(samples: list[Sample], start: float, end: float) -> dict[str, Any]:
    inside = [s for s in samples if start <= s.t < end]
    failed = [s for s in inside if s.failure]
    window = 0.0
    if failed:
        after = [s.t for s in inside if s.failure is None and s.t > failed[-1].t]
        window = (after[0] if after else end) - failed[0].t
    return {
        "requests": len(inside),
        "failed": len(failed),
        "failed_by_client": {c: sum(1 for s in failed if s.client == c) for c in ("keepalive", "new-conn")},
        "disruption_s": round(window, 2),
    }


async def under_load(engine: Engine, url: str, action: str) -> dict[str, Any]:
    """Load through ``url`` while the engine is killed (``kill9``) or stopped (``down``) and started again."""
    clock = SystemClock()
    load = Load(LoadSpec(url, keepalive_clients=4, new_conn_clients=4, timeout=5.0), clock)
    load.start()
    try:
        await asyncio.sleep(2)
        t_stop = load.elapsed()
        rec = record.load(engine.data)
        if action == "kill9":
            engine.kill9()
            await asyncio.sleep(DEAD_SECONDS)
        else:
            await asyncio.to_thread(engine.down)
        t_start = load.elapsed()
        start_s = await asyncio.to_thread(engine.start)
        await asyncio.to_thread(engine.cli, "rollout", "status", "deployment/deploy-http", "--timeout", "120")
        t_ready = load.elapsed()
        await asyncio.sleep(3)
        t_end = load.elapsed()
    finally:
        await load.stop()
    after = record.load(engine.data)
    return {
        "action": "kill -9 of the engine, then up" if action == "kill9" else "graceroll down, then up",
        "engine_down_s": round(t_start - t_stop, 2),
        "engine_start_s": round(start_s, 2),
        "same_data_plane_pid": bool(rec and after and rec.pid == after.pid),
        "while_engine_down": summary(load.samples, t_stop, t_start),
        "restart_until_pods_ready_plus_3s": summary(load.samples, t_start, t_end),
        "whole": summary(load.samples, 0, t_end),
        "pods_ready_after_s": round(t_ready - t_start, 2),
    }


def run_plane(plane: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="graceroll-dpbench-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        write_images(data)
        engine = Engine(data, plane)
        try:
            engine.start()
            for name, (api, kind, strategy), http in services():
                manifest = Path(tmp) / f"{name}.yaml"
                manifest.write_text(WORKLOAD.format(api=api, kind=kind, name=name, strategy=strategy, app_protocol=", appProtocol: http" if http else ""))
                engine.cli("apply", "-f", str(manifest))
            for name, (_, kind, _), _ in services():
                engine.cli("rollout", "status", f"{kind.lower()}/{name}", "--timeout", "120")
            print(f"{plane}: updates", flush=True)
            rows = updates(engine)
            svc = json.loads(engine.cli("get", "service", "deploy-http", "-o", "json"))
            url = f"http://{svc['spec']['clusterIP']}:80/"
            print(f"{plane}: kill -9 of the engine under load", flush=True)
            crash = asyncio.run(under_load(engine, url, "kill9"))
            print(f"  {crash}", flush=True)
            print(f"{plane}: down + up under load", flush=True)
            restart = asyncio.run(under_load(engine, url, "down"))
            print(f"  {restart}", flush=True)
        finally:
            engine.cleanup()
    return {"data_plane": plane, "updates": rows, "engine_kill_9": crash, "down_up": restart}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "dataplane_failures.json")
    parser.add_argument("--planes", default="builtin,haproxy" if find_haproxy() else "builtin")
    args = parser.parse_args()
    results = [run_plane(p) for p in args.planes.split(",")]
    out = {
        "benchmark": "dataplane_failures",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.system()},
        "app": "http.server.ThreadingHTTPServer, HTTP/1.1 keep-alive, default SIGTERM",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
