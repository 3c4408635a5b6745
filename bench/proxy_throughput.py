"""Proxy throughput and added latency against direct, for every data path, in one run.

    python bench/proxy_throughput.py [--rounds 5] [--seconds 3]   → bench/results/proxy_throughput.json
    python bench/proxy_throughput.py --baseline ../main/src --only builtin-http --out /tmp/ab.json

Backend: nginx (Debian's ``nginx-light``; ``apt-get install -y nginx-light``), one worker, answering
every request with a 17-byte body from memory: a fast C server, so what is measured is the path in
front of it, not the app. Client: wrk (Debian), one thread. Paths, each a listener in front of the
same nginx:

- ``direct``: wrk to nginx;
- ``builtin-l4`` / ``builtin-http`` / ``builtin-auto``: graceroll's service proxy (``appProtocol:
  tcp``, a port named ``http``, an unnamed port that is sniffed), all three in ONE separate process
  (``--serve``, as a data-plane process would run them), on the data plane's event loop
  (``graceroll.proxy.daemon.run``; a ``--baseline`` tree without one runs on asyncio's default);
- ``haproxy-tcp`` / ``haproxy-http``: HAProxy (Debian's 2.6) with a plain config written here,
  ``mode tcp`` and ``mode http`` with keep-alive to nginx, one thread;
- ``haproxy-http-logged``: the same HAProxy HTTP path with graceroll's per-request traffic log (one
  UDP datagram a request) to graceroll's collector (``dataplane.haproxy.collector``): what the
  HAProxy data plane's per-revision counters cost. Its CPU per request is HAProxy's plus the
  collector's, and the run checks that the collector counted every request wrk completed;
- ``builtin-http-2rev`` / ``builtin-http-split``: the built-in HTTP path in front of two nginx
  addresses, pods of two revisions of a CloneSet: without a traffic split, and with one
  (``status.trafficRouting``: weight 10 and a header route the requests do not match, so every
  request pays for the header match and the weighted choice). Their ratio is the split's cost.

Per round, each path in turn: throughput with 8 keep-alive connections (``-c8``), then latency
with one connection (``-c1``: requests back to back, so p50/p99 are per-request costs, not
queueing). For the proxies (built-in and HAProxy) the throughput run also gives the proxy
process's CPU time per request (``cpu_us_per_request``, from ``/proc``): on a busy machine it
moves far less than requests per second, so it is the better measure of a change's cost. ``--baseline SRC`` also runs the built-in paths from another source tree (``SRC`` on the
``PYTHONPATH`` of a second proxy process, on 127.32.0.x), each right after its counterpart
(``<path>@baseline``): a before/after comparison of a change in one run.

Rounds alternate over the paths, so a noisy moment hits them all alike; every ratio is
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
BACKEND2 = ("127.30.0.2", 8080)  # the same nginx: a second pod address for the split paths
PATHS = {
    "direct": BACKEND,
    "builtin-l4": ("127.31.0.1", 8080),
    "builtin-http": ("127.31.0.2", 8080),
    "builtin-auto": ("127.31.0.3", 8080),
    "haproxy-tcp": ("127.31.0.4", 8080),
    "haproxy-http": ("127.31.0.5", 8080),
    "haproxy-http-logged": ("127.31.0.8", 8080),
    "builtin-http-2rev": ("127.31.0.6", 8080),
    "builtin-http-split": ("127.31.0.7", 8080),
}
TWO_REVISIONS = {"builtin-http-2rev": None, "builtin-http-split": {"canaryRevision": "bench-r2", "weight": 10, "headerRoutes": [{"name": "beta", "match": [{"headerName": "X-Canary", "headerValue": {"exact": "yes"}}]}]}}
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
    listen {host2}:{port};
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
frontend http_logged
  mode http
  option http-keep-alive
  bind {logged[0]}:{logged[1]}
  log 127.0.0.1:{log_port} len 1024 format raw local0 info
  log-format "{tag} %b %s %ST %Tu %ts"
  default_backend http_out
"""
LOG_TAG = "gr-bench"

WRK_REPORT = """done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def at(address: tuple[str, int], baseline: bool) -> tuple[str, int]:
    """Where a built-in path listens: its own address, or the baseline process's (127.32.0.x)."""
    return (address[0].replace("127.31.", "127.32.", 1), address[1]) if baseline else address


async def serve(baseline: bool) -> None:
    """The service proxy alone, in this process, with one Service per built-in mode."""
    import graceroll.api.builtin  # noqa: F401  (registers the kinds)
    from graceroll.clock import SystemClock
    from graceroll.proxy.service_proxy import ServiceProxy
    from graceroll.store.memory import MemoryStore

    clock = SystemClock()
    store = MemoryStore(clock)
    for path, port in BUILTIN_PORTS.items():
        name = path.replace("builtin-", "bench-")
        ip, number = at(PATHS[path], baseline)
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
    for path, routing in TWO_REVISIONS.items():
        two_revisions(store, path, routing, baseline)
    proxy = ServiceProxy(store, clock)
    await proxy.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    await proxy.stop()


def two_revisions(store: Any, path: str, routing: dict[str, Any] | None, baseline: bool) -> None:
    """A Service on ``path``'s address over a CloneSet's two pods (one per revision) at the two
    nginx addresses, with ``routing`` as the CloneSet's ``status.trafficRouting``."""
    name = path.replace("builtin-", "bench-")
    ip, number = at(PATHS[path], baseline)
    store.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"}, "spec": {"clusterIP": ip, "ports": [{"name": "http", "port": number, "protocol": "TCP"}]}})
    cs = store.create({"apiVersion": "apps.kruise.io/v1alpha1", "kind": "CloneSet", "metadata": {"name": name, "namespace": "default"}, "spec": {}})
    if routing is not None:
        store.update_status(dict(cs, status={"trafficRouting": routing}))
    owner = {"apiVersion": "apps.kruise.io/v1alpha1", "kind": "CloneSet", "name": name, "uid": cs["metadata"]["uid"], "controller": True}
    endpoints = []
    for i, address in enumerate((BACKEND, BACKEND2), 1):
        md = {"name": f"{name}-{i}", "namespace": "default", "labels": {"controller-revision-hash": f"bench-r{i}"}, "ownerReferences": [owner]}
        store.create({"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}})
        endpoints.append({"addresses": [address[0]], "conditions": {"ready": True}, "targetRef": {"kind": "Pod", "namespace": "default", "name": md["name"]}})
    store.create(
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {"name": f"{name}-a", "namespace": "default", "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4",
            "ports": [{"name": "http", "port": BACKEND[1], "protocol": "TCP"}],
            "endpoints": endpoints,
        }
    )


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


def free_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def counted(control: Path) -> int:
    """Request log lines the collector has counted (its control socket's ``show``)."""
    import socket

    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(str(control))
        s.sendall(b"show\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(json.loads(data)["lines"])


def wait_answering(control: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            counted(control)
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the traffic collector did not start") from None
            time.sleep(0.05)  # polls another process's socket: there is no event to await


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its reaped children so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return sum(int(f) for f in fields[11:13]) / os.sysconf("SC_CLK_TCK")


def spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="per throughput run (latency runs take 2/3 of it)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument("--only", default="", help="comma-separated paths to measure (direct always is)")
    parser.add_argument("--baseline", type=Path, help="a source tree (its src directory) to compare the built-in paths with")
    parser.add_argument("--serve", choices=["own", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        from graceroll.proxy import daemon

        getattr(daemon, "run", asyncio.run)(serve(args.serve == "baseline"))
        return
    missing = [tool for tool in ("nginx", "wrk", "haproxy") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)} (Debian: apt-get install -y nginx-light wrk haproxy)")

    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="graceroll-bench-") as tmp:
        d = Path(tmp)
        (d / "nginx.conf").write_text(NGINX_CONF.format(dir=d, host=BACKEND[0], host2=BACKEND2[0], port=BACKEND[1]))
        log_port = free_udp_port()
        (d / "haproxy.cfg").write_text(HAPROXY_CONF.format(tcp=PATHS["haproxy-tcp"], http=PATHS["haproxy-http"], logged=PATHS["haproxy-http-logged"], log_port=log_port, tag=LOG_TAG, backend=BACKEND))
        script = d / "report.lua"
        script.write_text(WRK_REPORT)
        try:
            # imported here, not at the top: a --baseline tree's proxy process reads this file too
            from graceroll.dataplane.haproxy.names import TAG_VARIABLE

            counters = d / "counters.sock"
            commands = [
                (["nginx", "-c", str(d / "nginx.conf")], None),
                (["haproxy", "-db", "-f", str(d / "haproxy.cfg")], None),
                ([sys.executable, __file__, "--serve", "own"], None),
                ([sys.executable, "-m", "graceroll.dataplane.haproxy.collector", "--port", str(log_port), "--control", str(counters)], {**os.environ, TAG_VARIABLE: LOG_TAG}),
            ]
            if args.baseline:
                commands.append(([sys.executable, __file__, "--serve", "baseline"], {**os.environ, "PYTHONPATH": str(args.baseline.resolve())}))
            for cmd, env in commands:
                procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env))
            wait_listening(BACKEND, procs[0], "nginx")
            measured: dict[str, tuple[tuple[str, int], list[subprocess.Popen[bytes]]]] = {}
            for name, address in PATHS.items():
                if args.only and name != "direct" and name not in args.only.split(","):
                    continue
                proxies = [] if name == "direct" else [procs[1], procs[3]] if name == "haproxy-http-logged" else [procs[1]] if name.startswith("haproxy") else [procs[2]]
                measured[name] = (address, proxies)
                if args.baseline and name.startswith("builtin"):
                    measured[f"{name}@baseline"] = (at(address, True), [procs[4]])
            for name, (address, proxies) in measured.items():
                wait_listening(address, proxies[0] if proxies else procs[0], name)
            wait_answering(counters, procs[3])
            completed = 0  # requests wrk completed on the logged path, to check the collector's count
            rounds: list[dict[str, Any]] = []
            for r in range(args.rounds):
                row: dict[str, Any] = {}
                for name, (address, proxies) in measured.items():
                    warm = wrk(address, 8, 1, script)  # warm-up: connections pooled, caches warm
                    cpu_before = sum(cpu_seconds(p.pid) for p in proxies)
                    throughput = wrk(address, 8, args.seconds, script)
                    cpu = sum(cpu_seconds(p.pid) for p in proxies) - cpu_before
                    latency = wrk(address, 1, args.seconds * 2 / 3, script)
                    if name == "haproxy-http-logged":
                        completed += warm["requests"] + throughput["requests"] + latency["requests"]
                    row[name] = {
                        "rps": round(throughput["rps"]),
                        "cpu_us_per_request": round(cpu * 1e6 / max(1, throughput["requests"]), 1),
                        "errors": throughput["errors"] + latency["errors"],
                        "p50_us": latency["p50_us"],
                        "p99_us": latency["p99_us"],
                    }
                for name in measured:
                    row[name]["ratio"] = round(row[name]["rps"] / row["direct"]["rps"], 3)
                    row[name]["added_p50_us"] = row[name]["p50_us"] - row["direct"]["p50_us"]
                    row[name]["added_p99_us"] = row[name]["p99_us"] - row["direct"]["p99_us"]
                rounds.append(row)
                logged = counted(counters) if "haproxy-http-logged" in measured else 0
                print(f"round {r + 1}: " + "  ".join(f"{n} {row[n]['rps']:.0f}/s ({row[n]['ratio']:.2f}, {row[n]['cpu_us_per_request']} us)" for n in measured), flush=True)
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
            "cpu_us_per_request": spread([row[name]["cpu_us_per_request"] for row in rounds]),
            "errors": sum(row[name]["errors"] for row in rounds),
        }
        for name in measured
    }
    split = ("builtin-http-split", "builtin-http-2rev")
    result: dict[str, Any] = {
        "backend": "nginx, 1 worker, 17-byte body from memory",
        "split_over_no_split": {
            "rps": spread([row[split[0]]["rps"] / row[split[1]]["rps"] for row in rounds]),
            "cpu_us_per_request": spread([row[split[0]]["cpu_us_per_request"] - row[split[1]]["cpu_us_per_request"] for row in rounds]),
        }
        if set(split) <= measured.keys()
        else None,
        "haproxy_log_counted": {"completed_by_wrk": completed, "counted_by_collector": logged} if "haproxy-http-logged" in measured else None,
        "over_baseline": {
            name: {
                "rps": spread([row[name]["rps"] / row[f"{name}@baseline"]["rps"] for row in rounds]),
                "cpu_us_per_request": spread([row[name]["cpu_us_per_request"] - row[f"{name}@baseline"]["cpu_us_per_request"] for row in rounds]),
            }
            for name in measured
            if f"{name}@baseline" in measured
        },
        "client": "wrk -t1: -c8 for throughput, -c1 for latency",
        "rounds": args.rounds,
        "seconds_per_throughput_run": args.seconds,
        "pinned": False,
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "summary": summary,
        "per_round": rounds,
    }
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    for name, s in summary.items():
        print(f"{name:18s} {s['rps']['median']:>8.0f} req/s  ratio {s['ratio_to_direct']['median']:.2f} ({s['ratio_to_direct']['min']:.2f}-{s['ratio_to_direct']['max']:.2f})"
              f"  added p50 {s['added_p50_us']['median']:.0f} us  p99 {s['added_p99_us']['median']:.0f} us  cpu {s['cpu_us_per_request']['median']:.1f} us/req")
    if result["haproxy_log_counted"]:
        print(f"haproxy-http-logged: the collector counted {logged} of the {completed} requests wrk completed")
    for name, against in result["over_baseline"].items():
        print(f"{name} against the baseline: req/s x{against['rps']['median']:.3f}, CPU {against['cpu_us_per_request']['median']:+.1f} us per request")
    cost = result["split_over_no_split"]
    if cost:
        print(f"built-in HTTP with a traffic split against without: req/s x{cost['rps']['median']:.3f}, CPU {cost['cpu_us_per_request']['median']:+.1f} us per request")


if __name__ == "__main__":
    main()
