"""The data plane outlives the engine: a ``kill -9`` of the engine leaves every Service serving,
the next engine attaches to the same process, a data plane that dies is started again, and
``graceroll down`` stops it after the pods."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from graceroll.dataplane import record

from .harness import Engine, alive, recorded_groups

WEB = Path(__file__).resolve().parents[3] / "examples" / "demo" / "web.yaml"
WAIT = 60.0


@dataclass
class Traffic:
    """Two clients through the Service: one keep-alive connection, and a new connection per request."""

    host: str
    port: int
    ok: int = 0
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self._threads = [threading.Thread(target=self._client, args=(keep,), daemon=True) for keep in (True, False)]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(10)

    def more(self, n: int) -> None:
        """Wait (bounded) until ``n`` more requests have been answered."""
        target, deadline = self.ok + n, time.monotonic() + WAIT
        while self.ok < target and not self.failures:
            assert time.monotonic() < deadline, f"only {self.ok} of {target} requests answered"
            time.sleep(0.05)  # another thread counts; nothing to await across threads here

    def _client(self, keepalive: bool) -> None:
        conn: http.client.HTTPConnection | None = None
        for _ in range(100_000):  # bounded; stopped long before
            if self._stop.is_set():
                break
            try:
                conn = conn if keepalive and conn is not None else http.client.HTTPConnection(self.host, self.port, timeout=5)
                conn.request("GET", "/version")
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    self.ok += 1
                else:
                    self.failures.append(f"HTTP {r.status}")
            except (OSError, http.client.HTTPException) as e:
                self.failures.append(f"{'keep-alive' if keepalive else 'new connection'}: {e!r}")
                keepalive_failed = True
            else:
                keepalive_failed = False
            if conn is not None and (keepalive_failed or not keepalive):
                conn.close()
                conn = None
        if conn is not None:
            conn.close()


def deploy_web(engine: Engine) -> None:
    engine.cli("apply", "-f", str(WEB))
    engine.cli("rollout", "status", "deployment/web", "--timeout", "60")


def service_address(engine: Engine, name: str) -> tuple[str, int]:
    svc = engine.get("service", name)
    return svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["port"]


def test_while_the_engine_is_dead_the_service_keeps_answering_and_the_next_engine_attaches(engine_on: Engine) -> None:
    engine = engine_on
    deploy_web(engine)
    plane = record.load(engine.data_dir)
    assert plane is not None and plane.kind == engine.data_plane and plane.alive()
    pods = recorded_groups(engine.data_dir)
    traffic = Traffic(*service_address(engine, "web"))
    traffic.start()
    try:
        traffic.more(50)
        engine.stop(signal.SIGKILL)
        assert all(alive(g) for g in pods)  # the pods live on in their own sessions ...
        traffic.more(300)  # ... and the data plane keeps serving them, old and new connections alike
        assert traffic.failures == []
        assert plane.alive()
    finally:
        traffic.stop()
    engine.start()
    assert record.load(engine.data_dir) == plane  # the same process, attached, not a new one
    assert "attached to the running" in engine.log_tail(200)
    engine.cli("rollout", "status", "deployment/web", "--timeout", "60")
    status = engine.cli("status").out
    assert f"data plane: {engine.data_plane} (pid {plane.pid}, running)" in status


def test_a_data_plane_that_dies_is_started_again_with_the_table(engine_on: Engine) -> None:
    engine = engine_on
    deploy_web(engine)
    first = record.load(engine.data_dir)
    assert first is not None
    engine.pgids.add(first.pid)
    os.killpg(first.pid, signal.SIGKILL)
    deadline = time.monotonic() + WAIT
    while (now := record.load(engine.data_dir)) is None or now.pid == first.pid or not now.alive():
        assert time.monotonic() < deadline, f"no new data plane:\n{engine.log_tail()}"
        time.sleep(0.1)  # the engine notices within a second; the record is a file it rewrites
    engine.pgids.add(now.pid)
    assert "is gone; starting a new one" in engine.log_tail(200)
    traffic = Traffic(*service_address(engine, "web"))
    traffic.start()
    try:
        traffic.more(50)
    finally:
        traffic.stop()
    assert traffic.failures == []


def test_down_stops_the_data_plane_after_the_pods(engine_on: Engine) -> None:
    engine = engine_on
    deploy_web(engine)
    plane = record.load(engine.data_dir)
    assert plane is not None
    assert engine.stop() == 0
    assert not plane.alive()
    assert record.load(engine.data_dir) is None
    log = engine.log_tail(400)
    assert log.rindex("data plane: ") > log.rindex("stopping: API")


def test_asking_for_haproxy_without_the_binary_is_a_one_line_error(tmp_path: Path) -> None:
    env = {**os.environ, "GRACEROLL_HAPROXY": str(tmp_path / "no-haproxy"), "GRACEROLL_MACHINE_LOCK": str(tmp_path / "lock")}
    cmd = [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(tmp_path / "data"), "up", "--listen", "127.0.0.1:0", "--data-plane", "haproxy"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert p.returncode == 1
    assert p.stderr.strip().splitlines() == [
        "error: --data-plane haproxy: the haproxy binary was not found (install the haproxy package, or use --data-plane builtin)"
    ]
    assert record.load(tmp_path / "data") is None  # nothing was started
