"""A process node on a memory store with short timings, a scriptable test app, and polling helpers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graceroll.api.meta import clone
from graceroll.clock import SystemClock
from graceroll.node.process.addresses import AddressPool
from graceroll.node.process.agent import ProcessNode
from graceroll.node.process.backoff import BackoffPolicy
from graceroll.node.process.images import ImageResolver
from graceroll.node.process.tuning import Tuning
from graceroll.store.base import WatchEvent
from graceroll.store.memory import MemoryStore
from graceroll.store.sqlite import open_store

FAST = Tuning(
    backoff=BackoffPolicy(initial=0.4, cap=1.6),
    min_kill_grace=0.3,
    config_retry=0.5,
    sweep_interval=0.2,
    kill_wait=5.0,
)
POLL = 0.02

# The app under test. Environment switches (all optional):
#   APP_EVENTS     file to append {"event", "t", "pid", "image"} lines to (start, term, ...)
#   APP_SERVE      serve HTTP on $POD_IP:$PORT: /healthz, /live
#   APP_HEADER     /healthz answers 503 unless this "Name: value" header is sent
#   APP_READY_FILE /healthz answers 503 until this file exists
#   APP_LIVE_FILE  /live answers 500 while this file holds the app's own pid
#   APP_IGNORE_TERM  record SIGTERM but keep running
#   APP_COUNT      increment $GRACEROLL_VOLUME_DATA/count; exit 1 while it is below this number
#   APP_EXIT       exit with this code right after starting
#   APP_PRINT_ENV  print the environment as one JSON line (stdout) and "to stderr" (stderr)
APP = r'''
import http.server, json, os, signal, sys, threading, time

env = os.environ
pid = os.getpid()

def record(event, **extra):
    if env.get("APP_EVENTS"):
        with open(env["APP_EVENTS"], "a") as f:
            f.write(json.dumps({"event": event, "t": time.time(), "pid": pid, "image": env.get("GRACEROLL_IMAGE"), **extra}) + "\n")

stop = threading.Event()
def on_term(signum, frame):
    record("term")
    if not env.get("APP_IGNORE_TERM"):
        stop.set()
signal.signal(signal.SIGTERM, on_term)
record("start", cwd=os.getcwd())  # after the handler: a test that saw "start" may send SIGTERM
if env.get("APP_PRINT_ENV"):
    print(json.dumps(dict(env)), flush=True)
    print("to stderr", file=sys.stderr, flush=True)
if env.get("APP_COUNT"):
    path = os.path.join(env["GRACEROLL_VOLUME_DATA"], "count")
    count = int(open(path).read()) + 1 if os.path.exists(path) else 1
    open(path, "w").write(str(count))
    record("count", count=count, relative=open("data/count").read())
    if count < int(env["APP_COUNT"]):
        sys.exit(1)
if "APP_EXIT" in env:
    sys.exit(int(env["APP_EXIT"]))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code = 200
        if self.path == "/healthz":
            if env.get("APP_HEADER"):
                name, _, value = env["APP_HEADER"].partition(": ")
                if self.headers.get(name) != value:
                    code = 503
            if env.get("APP_READY_FILE") and not os.path.exists(env["APP_READY_FILE"]):
                code = 503
        elif self.path == "/missing":
            code = 404
        elif self.path == "/live":
            f = env.get("APP_LIVE_FILE")
            if f and os.path.exists(f) and open(f).read().strip() == str(pid):
                code = 500
        self.send_response(code)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")
    def log_message(self, *args):
        pass

if env.get("APP_SERVE"):
    server = http.server.ThreadingHTTPServer((env["POD_IP"], int(env["PORT"])), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
stop.wait()
record("exit")
'''


@dataclass
class RecordingDrain:
    """A DrainGate that records when it was asked and takes ``delay`` seconds to drain."""

    clock: SystemClock
    delay: float = 0.0
    honour_timeout: bool = True  # False: a broken gate that overstays its timeout
    calls: list[tuple[float, str, float]] = field(default_factory=list)

    async def drained(self, pod_ip: str, timeout: float) -> bool:
        self.calls.append((self.clock.now(), pod_ip, timeout))
        await self.clock.sleep(min(self.delay, timeout) if self.honour_timeout else self.delay)
        return self.delay <= timeout


class Cluster:
    """``durable``: the store is a SQLite file, so that a node in another process can use it (``NodeProcess``)."""

    def __init__(self, tmp_path: Path, durable: bool = False) -> None:
        self.tmp = tmp_path
        self.clock = SystemClock()
        self.store_path = tmp_path / "store.db"
        self.store: MemoryStore = open_store(self.store_path, self.clock) if durable else MemoryStore(self.clock)
        self.state_dir = tmp_path / "node"
        self.drain = RecordingDrain(self.clock)
        self.app = tmp_path / "app.py"
        self.app.write_text(APP)
        self.events = tmp_path / "events.jsonl"
        self.watch: list[WatchEvent] = []
        self.store.subscribe(self.watch.append)
        self.nodes: list[ProcessNode] = []
        self.elsewhere: list[NodeProcess] = []
        # A random /16 of 127/8 (not the engine's 127.10): concurrent test runs and a real engine
        # on this machine never hand out the same IP:port.
        self.block = f"127.{random.randrange(100, 250)}.{random.randrange(0, 256)}"
        self.node = self.new_node()

    def reopen(self) -> ProcessNode:
        """After a ``NodeProcess`` crashed: open the durable store here again; returns a node (not started)."""
        self.store = open_store(self.store_path, self.clock)
        self.store.subscribe(self.watch.append)
        return self.new_node()

    def new_node(self) -> ProcessNode:
        node = ProcessNode(self.store, self.clock, self.state_dir, ImageResolver(self.tmp), self.drain)
        node.tuning = FAST
        node.addresses = AddressPool(first=f"{self.block}.1", last=f"{self.block}.254")
        self.nodes.append(node)
        return node

    # ---- pods --------------------------------------------------------------------------------
    def container(self, name: str = "app", image: str = "app:v1", port: int = 8080, **app_env: str) -> dict[str, Any]:
        env = [{"name": "APP_EVENTS", "value": str(self.events)}] + [{"name": k, "value": v} for k, v in app_env.items()]
        return {
            "name": name,
            "image": image,
            "command": [sys.executable, str(self.app)],
            "env": env,
            "ports": [{"name": "http", "containerPort": port}],
        }

    def create(self, name: str, containers: list[dict[str, Any]], labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
        spec.setdefault("terminationGracePeriodSeconds", 2)
        metadata = {"name": name, "labels": labels or {}}
        return self.store.create({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": {"containers": containers, **spec}})

    def pod(self, name: str) -> dict[str, Any] | None:
        return self.store.try_get("Pod", "default", name)

    def status(self, name: str) -> dict[str, Any]:
        pod = self.pod(name)
        return (pod or {}).get("status") or {}

    def cs(self, name: str, container: str = "app") -> dict[str, Any]:
        for c in self.status(name).get("containerStatuses") or ():
            if c["name"] == container:
                return dict(c)
        return {}

    def condition(self, name: str, type_: str) -> str | None:
        for c in self.status(name).get("conditions") or ():
            if c["type"] == type_:
                return str(c["status"])
        return None

    def set_condition(self, name: str, type_: str, value: str) -> None:
        """What another controller does: write a condition into the pod status."""
        pod = clone(self.store.get("Pod", "default", name))
        conditions = [c for c in pod["status"].get("conditions") or () if c["type"] != type_]
        pod["status"]["conditions"] = conditions + [{"type": type_, "status": value}]
        self.store.update_status(pod)

    def app_events(self, event: str | None = None) -> list[dict[str, Any]]:
        if not self.events.exists():
            return []
        rows = [json.loads(line) for line in self.events.read_text().splitlines() if line.strip()]
        return [r for r in rows if event is None or r["event"] == event]

    def pid(self, name: str, container: str = "app") -> int | None:
        cid = self.cs(name, container).get("containerID") or ""
        return int(cid.removeprefix("process://")) if cid else None

    async def app_running(self, name: str, container: str = "app") -> int:
        """Wait until the container's current process has started the app (its signal handler is set)."""

        def started() -> int | None:
            pid = self.pid(name, container)
            running = "running" in (self.cs(name, container).get("state") or {})
            return pid if running and any(e["pid"] == pid for e in self.app_events("start")) else None

        pid: int = await self.until(started, what=f"{name}/{container} running the app")
        return pid

    async def fetch(self, url: str) -> bytes:
        """GET ``url`` without blocking the event loop the node runs on."""
        def get() -> bytes:
            with urllib.request.urlopen(url, timeout=2) as response:
                data: bytes = response.read()
            return data

        return await asyncio.to_thread(get)

    async def until(self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = "") -> Any:
        """Poll ``predicate`` until it is truthy; fail after ``timeout`` seconds."""
        end = self.clock.now() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if self.clock.now() > end:
                raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
            await self.clock.sleep(POLL)

    async def close(self) -> None:
        """Stop every node; then SIGKILL, by process group, anything a failed stop left running.

        Only groups whose leader is not reaped yet are signalled: their ids cannot have been reused.
        A node in another process is killed, and what the ledgers still record with it.
        """
        for other in self.elsewhere:
            if other.proc.poll() is None:
                other.kill()
        for node in self.nodes:
            try:
                async with asyncio.timeout(15):
                    await node.stop()
            finally:
                for pgid in node.runtime.live_groups() if node.runtime is not None else []:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(pgid, signal.SIGKILL)


class NodeProcess:
    """A node in a process of its own (``crash_node.py``) on a durable cluster's store, to kill with SIGKILL.

    The store is handed over: closed here while the other process runs, reopened with
    ``Cluster.reopen`` once it is dead. What its pods do is read from the snapshot it writes.
    """

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.snapshot = cluster.tmp / "snapshot.json"
        cluster.store.close()
        cfg = {
            "store": str(cluster.store_path),
            "state_dir": str(cluster.state_dir),
            "images": str(cluster.tmp),
            "block": cluster.block,
            "snapshot": str(self.snapshot),
        }
        log = open(cluster.tmp / "crash-node.log", "ab")  # noqa: SIM115  (handed to the child)
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("crash_node.py")), json.dumps(cfg)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        cluster.elsewhere.append(self)

    def pods(self) -> dict[str, Any]:
        try:
            pods: dict[str, Any] = json.loads(self.snapshot.read_text())
        except (OSError, ValueError):
            return {}
        return pods

    def cs(self, name: str, container: str = "app") -> dict[str, Any]:
        pod = self.pods().get(name) or {}
        for c in (pod.get("status") or {}).get("containerStatuses") or ():
            if c["name"] == container:
                return dict(c)
        return {}

    def send(self, **command: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command).encode() + b"\n")
        self.proc.stdin.flush()

    async def until(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
        if self.proc.poll() is not None:
            raise AssertionError(f"the node process exited: {(self.cluster.tmp / 'crash-node.log').read_text()[-2000:]}")
        return await self.cluster.until(predicate, timeout, what)

    def kill(self) -> None:
        """``kill -9``: the node dies at once; its containers live on in their own sessions."""
        self.proc.kill()
        self.proc.wait(timeout=10)
        if self.proc.stdin is not None:
            self.proc.stdin.close()


def kill_recorded(state_dir: Path) -> None:
    """Teardown after a crash test: SIGKILL what any pod ledger still records (safe against reused pids)."""
    from graceroll.node.process.ledger import FILE, Ledger
    from graceroll.node.process.runtime import kill_leftover

    for path in state_dir.glob(f"pods/*/{FILE}"):
        ledger = Ledger.load(path)
        if ledger is None:
            continue
        for group in ledger.groups:
            kill_leftover(group.pgid, group.started, ledger.uid)
