"""The engine's ``/metrics`` scraped by a real Prometheus (Debian package ``prometheus``) with the
engine's bearer token over HTTPS, as docs/cli.md configures it; PromQL then reads the progress of
a rollout held in progress. Prometheus runs on a free loopback port and is killed by pid.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from .harness import Engine
from .stuck_rollout import hold_rollout

PROMETHEUS = shutil.which("prometheus")
SCRAPE_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def prometheus(engine: Engine, tmp_path: Path) -> Iterator[str]:
    if PROMETHEUS is None:
        pytest.skip("needs the prometheus binary (Debian package: prometheus)")
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: graceroll\n"
        "    scheme: https\n"
        f"    authorization: {{credentials_file: {engine.dd.token}}}\n"
        f"    tls_config: {{ca_file: {engine.dd.tls_cert}}}\n"
        f"    static_configs: [{{targets: ['{urlparse(engine.url).netloc}']}}]\n"
    )
    proc = subprocess.Popen(
        [str(PROMETHEUS), f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'prom'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait(timeout=10)


def query(address: str, promql: str) -> dict[str, float]:
    data = httpx.get(f"{address}/api/v1/query", params={"query": promql}, timeout=5).json()
    return {r["metric"].get("__name__", ""): float(r["value"][1]) for r in data.get("data", {}).get("result", [])}


def await_value(address: str, promql: str, want: float) -> float | None:
    """Poll Prometheus (another process: no event to await) until the query answers ``want``."""
    deadline = time.monotonic() + SCRAPE_TIMEOUT
    last = None
    while time.monotonic() < deadline:
        try:
            values = list(query(address, promql).values())
        except (httpx.HTTPError, ValueError):
            values = []
        last = values[0] if values else None
        if last == want:
            return last
        time.sleep(0.5)
    return last


def test_metrics_need_the_token(engine: Engine) -> None:
    assert engine.api("GET", "/metrics", token=None).status_code == 401
    assert engine.api("GET", "/metrics", token="wrong").status_code == 401
    r = engine.api("GET", "/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=")
    assert 'graceroll_engine_info{python="' in r.text


def test_prometheus_reads_the_progress_of_a_rollout_in_progress(engine: Engine, prometheus: str, tmp_path: Path) -> None:
    hold_rollout(engine, tmp_path)
    sel = '{kind="Deployment",namespace="default",name="web"}'
    assert await_value(prometheus, f"graceroll_rollout_updated_replicas{sel}", 1.0) == 1.0
    assert await_value(prometheus, f"graceroll_rollout_desired_replicas{sel}", 3.0) == 3.0
    assert await_value(prometheus, f"graceroll_rollout_available_replicas{sel}", 3.0) == 3.0
    assert await_value(prometheus, f"graceroll_rollout_current_replicas{sel}", 4.0) == 4.0
    assert await_value(prometheus, f"graceroll_rollout_complete{sel}", 0.0) == 0.0
    assert await_value(prometheus, 'sum(graceroll_pods{namespace="default",ready="false"})', 1.0) == 1.0
    assert await_value(prometheus, 'graceroll_store_objects{kind="ReplicaSet"}', 2.0) == 2.0
    assert await_value(prometheus, 'up{job="graceroll"}', 1.0) == 1.0
    reconciles = query(prometheus, 'sum(graceroll_controller_reconcile_total{controller="deployment"})')
    assert next(iter(reconciles.values())) > 0
