"""The engine's background fetcher: a measurement in flight never blocks a reconcile."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import graceroll.api.builtin  # noqa: F401
from graceroll.clock import VirtualClock
from graceroll.controllers.hookrun.controller import HookRunController
from graceroll.controllers.hookrun.fetch import BackgroundFetcher, FetchPending
from graceroll.controllers.runtime import Manager
from graceroll.store.memory import MemoryStore

WAIT = 10.0


class Gate:
    """An HTTP server on loopback whose answers wait until the test opens the gate."""

    def __init__(self) -> None:
        self.open = threading.Event()
        gate = self.open

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                gate.wait(WAIT)
                body = b'{"errors": 0}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stats"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.open.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(WAIT)


@pytest.fixture
def gate() -> Iterator[Gate]:
    g = Gate()
    yield g
    g.close()


def test_a_pending_request_raises_until_its_answer_is_in_then_answers_once(gate: Gate) -> None:
    ready = threading.Event()
    fetcher = BackgroundFetcher(ready.set)
    try:
        with pytest.raises(FetchPending):
            fetcher.get(gate.url, {}, WAIT)
        with pytest.raises(FetchPending):  # still in flight: not started twice
            fetcher.get(gate.url, {}, WAIT)
        gate.open.set()
        assert ready.wait(WAIT)
        assert fetcher.get(gate.url, {}, WAIT).text == '{"errors": 0}'
        with pytest.raises(FetchPending):  # the answer was used: the next get is a new request
            fetcher.get(gate.url, {}, WAIT)
    finally:
        fetcher.close()


def test_the_controller_records_the_measurement_when_woken(gate: Gate) -> None:
    clock = VirtualClock()
    store = MemoryStore(clock, seed=0)
    ready = threading.Event()
    fetcher = BackgroundFetcher(ready.set)
    controller = HookRunController(store, clock, fetcher)
    manager = Manager(store, clock, [controller])
    metric = {"name": "errors", "successCondition": "asInt(result) == 0", "provider": {"web": {"url": gate.url, "jsonPath": "{$.errors}"}}}
    store.create({"apiVersion": "tkex.tencent.com/v1alpha1", "kind": "HookRun", "metadata": {"name": "r", "namespace": "default"}, "spec": {"metrics": [metric]}})
    try:
        manager.run_pending()  # returns at once although the server has not answered
        status = store.get("HookRun", "default", "r").get("status") or {}
        assert status.get("phase") not in ("Successful", "Failed", "Error")
        assert not any(r.get("measurements") for r in status.get("metricResults") or ())
        assert manager.next_due() is None  # nothing polls: the fetcher wakes the controller
        gate.open.set()
        assert ready.wait(WAIT)
        manager.enqueue(controller, ("default", "r"))
        manager.run_pending()
        status = store.get("HookRun", "default", "r")["status"]
        assert status["phase"] == "Successful"
        assert [m["value"] for m in status["metricResults"][0]["measurements"]] == ["0"]
    finally:
        fetcher.close()
