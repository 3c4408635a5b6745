"""The data plane outlives the engine: a ``kill -9`` of the engine leaves every Service serving,
the next engine attaches to the same process, a data plane that dies is started again, and
``graceroll down`` stops it after the pods."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from graceroll.dataplane import record

from .harness import Engine, alive, recorded_groups
from .traffic import Traffic

WEB = Path(__file__).resolve().parents[3] / "examples" / "demo" / "web.yaml"
WAIT = 60.0


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
