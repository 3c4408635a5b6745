"""The prometheus provider against a real Prometheus (Debian package ``prometheus``, 2.42).

The test serves ``/metrics`` on 127.0.0.1, starts Prometheus on a free loopback port with a temp
config scraping it every second and a temp data dir, waits (bounded) for the first sample, then
runs a HookRun through the real ``HttpxFetcher``. Prometheus is killed by pid in ``finally``.
Skipped when the ``prometheus`` binary is absent (CI: ``apt-get install -y prometheus``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

import graceroll.api.builtin  # noqa: F401
from graceroll.clock import VirtualClock
from graceroll.controllers.hookrun.controller import HookRunController
from graceroll.controllers.hookrun.fetch import HttpxFetcher
from graceroll.controllers.runtime import Manager
from graceroll.store.memory import MemoryStore

PROMETHEUS = shutil.which("prometheus")
READY_TIMEOUT = 60.0

pytestmark = pytest.mark.skipif(PROMETHEUS is None, reason="needs the prometheus binary (Debian package: prometheus)")


class Metrics(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"# TYPE game_errors_total counter\ngame_errors_total 3\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[str]:
    target = ThreadingHTTPServer(("127.0.0.1", 0), Metrics)
    threading.Thread(target=target.serve_forever, daemon=True).start()
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: game\n    static_configs: [{{targets: ['127.0.0.1:{target.server_address[1]}']}}]\n"
    )
    proc = subprocess.Popen(
        [str(PROMETHEUS), f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            try:
                data = httpx.get(f"{address}/api/v1/query", params={"query": "game_errors_total"}, timeout=2).json()
                if data.get("data", {}).get("result"):
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("prometheus did not scrape the target in time")
            time.sleep(0.2)
        yield address
    finally:
        proc.kill()
        proc.wait(timeout=10)
        target.shutdown()
        target.server_close()


def run_query(address: str, condition: str) -> dict[str, object]:
    clock = VirtualClock()
    store = MemoryStore(clock, seed=0)
    fetcher = HttpxFetcher()
    manager = Manager(store, clock, [HookRunController(store, clock, fetcher)])
    metric = {"name": "errors", "successCondition": condition, "provider": {"prometheus": {"address": address, "query": "{{ args.metric }}"}}}
    store.create(
        {
            "apiVersion": "tkex.tencent.com/v1alpha1",
            "kind": "HookRun",
            "metadata": {"name": "r", "namespace": "default"},
            "spec": {"metrics": [metric], "args": [{"name": "metric", "value": "game_errors_total"}]},
        }
    )
    try:
        manager.run_pending()
    finally:
        fetcher.close()
    status: dict[str, object] = store.get("HookRun", "default", "r")["status"]
    return status


def test_a_vector_result_meets_the_success_condition(prometheus: str) -> None:
    status = run_query(prometheus, "result[0] == 3")
    assert status["phase"] == "Successful"
    assert status["metricResults"][0]["measurements"][0]["value"] == "[3]"  # type: ignore[index]


def test_a_vector_result_failing_the_condition(prometheus: str) -> None:
    assert run_query(prometheus, "result[0] < 1")["phase"] == "Failed"
