"""Proxy throughput and added latency against direct, for every data path, in one run.

    python bench/proxy_throughput.py [--rounds 5] [--seconds 3]   → bench/results/proxy_throughput.json

Backend: nginx (Debian's ``nginx-light``; ``apt-get install -y nginx-light``), one worker, answering
every request with a 17-byte body from memory: a fast C server, so what is measured is the path in
front of it, not the app. Client: wrk (Debian), one thread. Paths, each a listener in front of the
same nginx:

- ``direct``: wrk to nginx;
- ``builtin-l4`` / ``builtin-http`` / ``builtin-auto``: graceroll's service proxy (``appProtocol:
  tcp``, a port named ``http``, an unnamed port that is sniffed), all three in ONE separate process
  (``--serve``, as a data-plane process would run them), on the default asyncio event loop;
- ``haproxy-tcp`` / ``haproxy-http``: HAProxy (Debian's 2.6) with a plain config written here,
  ``mode tcp`` and ``mode http`` with keep-alive to nginx, one thread.

Per round, each path in turn: throughput with 8 keep-alive connections (``-c8``), then latency
with one connection (``-c1``: requests back to back, so p50/p99 are per-request costs, not
queueing). Rounds alternate over the paths, so a noisy moment hits them all alike; every ratio is
taken against ``direct`` of the same round. No process is pinned to a CPU: on a 2-core machine the
client, nginx and the proxy share both cores, as they would in use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BACKEND = ("127.30.0.1", 8080)
PATHS = {
    "direct": BACKEND,
    "builtin-l4": ("127.31.0.1", 8080),
    "builtin-http": ("127.31.0.2", 8080),
    "builtin-auto": ("127.31.0.3", 8080),
    "haproxy-tcp": ("127.31.0.4", 8080),
    "haproxy-http": ("127.31.0.5", 8080),
}
BUILTIN_PORTS = {"builtin-l4": {"name": "web", "appProtocol": "tcp"}, "builtin-http": {"name": "http"}, "builtin-auto": {"name": "web"}}
RESULTS = Path(__file__).resolve().parent / "results" / "proxy_throughput.json"

NGINX_CONF = """worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen {host}:{port};
    location / {{ default_type text/plain; return 200 "hello from nginx\\n"; }}
  }}
}}
"""

HAPROXY_CONF = """global
  maxconn 4096
  nbthread 1
defaults
  timeout connect 2s
  timeout client 60s
  timeout server 60s
frontend tcp_in
  mode tcp
  bind {tcp[0]}:{tcp[1]}
  default_backend tcp_out
backend tcp_out
  mode tcp
  server nginx {backend[0]}:{backend[1]}
frontend http_in
  mode http
  option http-keep-alive
  bind {http[0]}:{http[1]}
  default_backend http_out
backend http_out
  mode http
  option http-keep-alive
  server nginx {backend[0]}:{backend[1]}
"""

WRK_REPORT = """done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


async def serve() -> None:
    """The service proxy alone, in this process, with one Service per built-in mode."""
    import graceroll.api.builtin  # noqa: F401  (registers the kinds)
    from graceroll.clock import SystemClock
    from graceroll.proxy.service_proxy import ServiceProxy
    from graceroll.store.memory import MemoryStore

    clock = SystemClock()
    store = MemoryStore(clock)
    for path, port in BUILTIN_PORTS.items():
        name = path.replace("builtin-", "bench-")
        ip, number = PATHS[path]
        spec = {"clusterIP": ip, "ports": [{**port, "port": number, "protocol": "TCP"}], "selector": {"app": name}}
        store.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"}, "spec": spec})
        store.create(
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {"name": f"{name}-a", "namespace": "default", "labels": {"kubernetes.io/service-name": name}},
                "addressType": "IPv4",
                "ports": [{"name": port["name"], "port": BACKEND[1], "protocol": "TCP"}],
                "endpoints": [{"addresses": [BACKEND[0]], "conditions": {"ready": True}}],
            }
        )
    proxy = ServiceProxy(store, clock)
    await proxy.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    await proxy.stop()


def wrk(address: tuple[str, int], connections: int, seconds: float, script: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(script), f"http://{address[0]}:{address[1]}/"],
        capture_output=True, text=True, timeout=seconds + 30, check=True,
    ).stdout
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    report["rps"] = report["requests"] / (report["duration_us"] / 1e6)
    return report


def wait_listening(address: tuple[str, int], proc: subprocess.Popen[bytes], what: str) -> None:
    import socket

    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(address, timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{what} did not start listening on {address[0]}:{address[1]}") from None
            time.sleep(0.05)  # polls another process's socket: there is no event to await


def spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="per throughput run (latency runs take 2/3 of it)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return
    missing = [tool for tool in ("nginx", "wrk", "haproxy") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)} (Debian: apt-get install -y nginx-light wrk haproxy)")

    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="graceroll-bench-") as tmp:
        d = Path(tmp)
        (d / "nginx.conf").write_text(NGINX_CONF.format(dir=d, host=BACKEND[0], port=BACKEND[1]))
        (d / "haproxy.cfg").write_text(HAPROXY_CONF.format(tcp=PATHS["haproxy-tcp"], http=PATHS["haproxy-http"], backend=BACKEND))
        script = d / "report.lua"
        script.write_text(WRK_REPORT)
        try:
            for what, cmd in (
                ("nginx", ["nginx", "-c", str(d / "nginx.conf")]),
                ("haproxy", ["haproxy", "-db", "-f", str(d / "haproxy.cfg")]),
                ("service proxy", [sys.executable, __file__, "--serve"]),
            ):
                procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
            wait_listening(BACKEND, procs[0], "nginx")
            for name, address in PATHS.items():
                wait_listening(address, procs[1] if name.startswith("haproxy") else procs[2], name)
            rounds: list[dict[str, Any]] = []
            for r in range(args.rounds):
                row: dict[str, Any] = {}
                for name, address in PATHS.items():
                    wrk(address, 8, 1, script)  # warm-up: connections pooled, caches warm
                    throughput = wrk(address, 8, args.seconds, script)
                    latency = wrk(address, 1, args.seconds * 2 / 3, script)
                    row[name] = {
                        "rps": round(throughput["rps"]),
                        "errors": throughput["errors"] + latency["errors"],
                        "p50_us": latency["p50_us"],
                        "p99_us": latency["p99_us"],
                    }
                for name in PATHS:
                    row[name]["ratio"] = round(row[name]["rps"] / row["direct"]["rps"], 3)
                    row[name]["added_p50_us"] = row[name]["p50_us"] - row["direct"]["p50_us"]
                    row[name]["added_p99_us"] = row[name]["p99_us"] - row["direct"]["p99_us"]
                rounds.append(row)
                print(f"round {r + 1}: " + "  ".join(f"{n} {row[n]['rps']:.0f}/s ({row[n]['ratio']:.2f})" for n in PATHS), flush=True)
        finally:
            for p in procs:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()

    summary = {
        name: {
            "rps": spread([row[name]["rps"] for row in rounds]),
            "ratio_to_direct": spread([row[name]["ratio"] for row in rounds]),
            "added_p50_us": spread([row[name]["added_p50_us"] for row in rounds]),
            "added_p99_us": spread([row[name]["added_p99_us"] for row in rounds]),
            "errors": sum(row[name]["errors"] for row in rounds),
        }
        for name in PATHS
    }
    result = {
        "backend": "nginx, 1 worker, 17-byte body from memory",
        "client": "wrk -t1: -c8 for throughput, -c1 for latency",
        "rounds": args.rounds,
        "seconds_per_throughput_run": args.seconds,
        "pinned": False,
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "summary": summary,
        "per_round": rounds,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for name, s in summary.items():
        print(f"{name:13s} {s['rps']['median']:>8.0f} req/s  ratio {s['ratio_to_direct']['median']:.2f} ({s['ratio_to_direct']['min']:.2f}-{s['ratio_to_direct']['max']:.2f})"
              f"  added p50 {s['added_p50_us']['median']:.0f} us  p99 {s['added_p99_us']['median']:.0f} us")


if __name__ == "__main__":
    main()
