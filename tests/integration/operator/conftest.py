"""A stand-in cluster for the operator: graceroll's API server over an in-memory store, plus a
simulated kubelet, on one asyncio loop in a background thread (as tests/integration/api does).

The server side runs no workload controller: it plays the API server and the kubelet only (the
simulated node starts pods, turns them Ready, honours readiness gates and applies image changes in
place). Like a real cluster without graceroll's webhook, it stores custom resources as sent:
CloneSets, GameStatefulSets and hook objects are neither defaulted nor validated on the server, so
the operator's own admission is what is tested. The operator reaches it through a kubeconfig
file (server, CA file, token), runs in a thread with its own event loop, and is stopped with a
bounded join.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import graceroll.api.builtin  # noqa: F401  (registers the built-in kinds)
from graceroll.api import admission, kinds
from graceroll.api.meta import clone
from graceroll.apiserver import server as server_module
from graceroll.apiserver.server import ApiServer
from graceroll.client.http_store import HttpStore, trusting
from graceroll.clock import SystemClock
from graceroll.controllers.runtime import Controller, Key, Manager
from graceroll.engine.driver import ControllerLoop
from graceroll.engine.tls import ensure_certificate, server_context
from graceroll.node.sim import Behaviour, Behaviours, SimNode
from graceroll.operator.run import OperatorOptions, run_operator
from graceroll.store.memory import MemoryStore

TOKEN = "operator-test-token-0123456789"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
WAIT_TIMEOUT = 30.0  # the longest any condition may take to come true
POD_BEHAVIOUR = Behaviour(start_seconds=0.2, stop_seconds=0.1)
CUSTOM_GROUPS = ("apps.kruise.io", "tkex.tencent.com")
Obj = dict[str, Any]


def _admit_like_kubernetes(obj: Obj, old: Obj | None = None) -> Obj:
    """Built-in kinds are admitted as Kubernetes would; custom resources are stored as sent."""
    info = kinds.find(str(obj.get("kind")))
    if info is not None and info.group in CUSTOM_GROUPS:
        out = clone(obj)
        out.setdefault("apiVersion", info.api_version)
        return out
    return admission.admit(obj, old)


class _Cluster:
    """API server and simulated node on one loop in a daemon thread."""

    def __init__(self, cert: Path, key: Path) -> None:
        self._cert, self._key = cert, key
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.port = 0
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._run, name="fake-cluster", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT) or self._error is not None:
            raise AssertionError("the stand-in cluster did not start") from self._error

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(STOP_TIMEOUT)
        assert not self._thread.is_alive(), "the stand-in cluster did not stop in time"
        if self._error is not None:
            raise AssertionError("the stand-in cluster failed") from self._error
        assert not self.errors, "the simulated node failed: " + "; ".join(self.errors)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as e:  # noqa: BLE001  (reported by start or stop)
            self._error = e
        finally:
            self._ready.set()

    def _on_error(self, c: Controller, key: Key, e: Exception) -> None:
        self.errors.append(f"{c.name} {key[0]}/{key[1]}: {type(e).__name__}: {e}")

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        clock = SystemClock()
        store = MemoryStore(clock)
        manager = Manager(store, clock, [SimNode(store, clock, Behaviours(POD_BEHAVIOUR))], on_error=self._on_error)
        node = ControllerLoop(manager, clock)
        api = ApiServer(store, clock, TOKEN)
        task = asyncio.create_task(node.run(), name="sim-node")
        try:
            self.port = await api.start("127.0.0.1", 0, server_context(self._cert, self._key))
            self._ready.set()
            await self._stop.wait()
        finally:
            await asyncio.wait_for(api.stop(), STOP_TIMEOUT / 2)
            node.stop()
            await asyncio.wait_for(task, STOP_TIMEOUT / 2)


class _ErrorLog(logging.Handler):
    """Collects the operator's ERROR records (failed reconciles), which fail the test."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


class OperatorThread:
    """``run_operator`` on its own event loop in a thread; ``stop`` ends it and joins (bounded)."""

    def __init__(self, opts: OperatorOptions) -> None:
        self._opts = opts
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="operator", daemon=True)

    def start(self) -> OperatorThread:
        self._thread.start()
        assert self._started.wait(START_TIMEOUT), "the operator thread did not start"
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(STOP_TIMEOUT)
        assert not self._thread.is_alive(), "the operator did not stop in time"
        if self.error is not None:
            raise AssertionError("the operator failed") from self.error

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._started.set()
            await run_operator(self._opts, self._stop)

        try:
            asyncio.run(main())
        except BaseException as e:  # noqa: BLE001  (reported by stop)
            self.error = e
        finally:
            self._started.set()


@dataclass
class Env:
    """What a test needs: a client of the stand-in cluster and a way to start operators on it."""

    rest: HttpStore
    kubeconfig: Path
    start_operator: Callable[..., OperatorThread]

    def wait_for(self, what: str, condition: Callable[[], Any], timeout: float = WAIT_TIMEOUT) -> Any:
        """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            last = condition()
            if last:
                return last
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def write_kubeconfig(path: Path, url: str, ca: Path, token: str) -> Path:
    path.write_text(
        "apiVersion: v1\n"
        "kind: Config\n"
        f"clusters:\n- name: stand-in\n  cluster:\n    server: {url}\n    certificate-authority: {ca}\n"
        f"users:\n- name: operator\n  user:\n    token: {token}\n"
        "contexts:\n- name: stand-in\n  context:\n    cluster: stand-in\n    user: operator\n"
        "current-context: stand-in\n"
    )
    return path


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "tls.crt", d / "tls.key"
    ensure_certificate(cert, key, "127.0.0.1", SystemClock().now())
    return cert, key


@pytest.fixture
def env(tls_files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    monkeypatch.setattr(server_module, "admit", _admit_like_kubernetes)
    cert, key = tls_files
    cluster = _Cluster(cert, key)
    cluster.start()
    url = f"https://127.0.0.1:{cluster.port}"
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", url, cert, TOKEN)
    errors = _ErrorLog()
    logging.getLogger("graceroll").addHandler(errors)
    operators: list[OperatorThread] = []

    def start_operator(**overrides: Any) -> OperatorThread:
        opts = OperatorOptions(kubeconfig=kubeconfig, watch_timeout=2.0, **overrides)
        op = OperatorThread(opts).start()
        operators.append(op)
        return op

    rest = HttpStore(url, TOKEN, verify=trusting(cert))
    try:
        yield Env(rest, kubeconfig, start_operator)
    finally:
        try:
            for op in operators:
                op.stop()
        finally:
            logging.getLogger("graceroll").removeHandler(errors)
            rest.close()
            cluster.stop()
    assert not errors.records, "the operator logged errors: " + "; ".join(errors.records)
