"""A real API server over an in-memory store, with working rollouts and no processes.

The server, the Deployment and ReplicaSet controllers and a simulated node (pods start and turn
Ready a fraction of a second after they are created, on the wall clock) share one asyncio loop in
a background thread, as they share the engine's loop; the test thread only talks HTTP to it.
Stopping is bounded: the loop is asked to stop and the thread is joined with a timeout.

The API is HTTPS, as the engine's is, because kubectl sends a bearer token only over TLS; the
self-signed certificate is made once per test session and is its own CA.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import graceroll.api.builtin  # noqa: F401  (registers the built-in kinds)
from graceroll.apiserver.server import ApiServer
from graceroll.client.http_store import trusting
from graceroll.clock import SystemClock
from graceroll.controllers.deployment.controller import DeploymentController
from graceroll.controllers.namespace.controller import NamespaceController
from graceroll.controllers.replicaset.controller import ReplicaSetController
from graceroll.controllers.runtime import Controller, Key, Manager
from graceroll.controllers.serviceaccount.controller import ServiceAccountsController
from graceroll.engine.driver import ControllerLoop
from graceroll.engine.tls import ensure_certificate, server_context
from graceroll.node.sim import Behaviour, Behaviours, SimNode
from graceroll.store.memory import MemoryStore

TOKEN = "test-token-0123456789"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
# A pod (without a readiness probe) runs and is Ready 0.3 s after it is created; a deleted one is
# gone 0.1 s later. A three-replica rollout then takes about a second.
POD_BEHAVIOUR = Behaviour(start_seconds=0.3, stop_seconds=0.1)


@dataclass(frozen=True)
class Tls:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Api:
    url: str
    token: str
    ca: Path


class _ServerThread:
    """Runs store, controllers, node and API on one event loop in a daemon thread."""

    def __init__(self, tls: Tls) -> None:
        self._tls = tls
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: Exception | None = None
        self.port = 0
        self.reconcile_errors: list[str] = []
        self._thread = threading.Thread(target=self._run, name="graceroll-api", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise AssertionError("the API server did not start in time")
        if self._error is not None:
            raise AssertionError("the API server failed to start") from self._error

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(STOP_TIMEOUT)
        if self._thread.is_alive():
            raise AssertionError("the API server did not stop in time")
        if self._error is not None:
            raise AssertionError("the API server failed") from self._error
        if self.reconcile_errors:
            raise AssertionError("reconciles failed: " + "; ".join(self.reconcile_errors))

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except Exception as e:  # noqa: BLE001  (re-raised in the test thread by start or stop)
            self._error = e
        finally:
            self._ready.set()

    def _on_error(self, c: Controller, key: Key, e: Exception) -> None:
        """Keep the controllers running (retrying the key, as the engine does) and fail the test later."""
        self.reconcile_errors.append(f"{c.name} {key[0]}/{key[1]}: {type(e).__name__}: {e}")

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        clock = SystemClock()
        store = MemoryStore(clock)
        manager = Manager(
            store,
            clock,
            [
                NamespaceController(store, clock),
                ServiceAccountsController(store, clock),
                DeploymentController(store, clock),
                ReplicaSetController(store, clock),
                SimNode(store, clock, Behaviours(POD_BEHAVIOUR)),
            ],
            on_error=self._on_error,
        )
        controllers = ControllerLoop(manager, clock)
        api = ApiServer(store, clock, TOKEN)
        task = asyncio.create_task(controllers.run(), name="controllers")
        try:
            self.port = await api.start("127.0.0.1", 0, server_context(self._tls.cert, self._tls.key))
            self._ready.set()
            await self._stop.wait()
        finally:
            await asyncio.wait_for(api.stop(), STOP_TIMEOUT / 2)
            controllers.stop()
            await asyncio.wait_for(task, STOP_TIMEOUT / 2)


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    d = tmp_path_factory.mktemp("tls")
    files = Tls(d / "tls.crt", d / "tls.key")
    ensure_certificate(files.cert, files.key, "127.0.0.1", SystemClock().now())
    return files


@pytest.fixture
def api(tls: Tls) -> Iterator[Api]:
    server = _ServerThread(tls)
    server.start()
    try:
        yield Api(f"https://127.0.0.1:{server.port}", TOKEN, tls.cert)
    finally:
        server.stop()


@pytest.fixture
def http(api: Api) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {api.token}"}, verify=trusting(api.ca), timeout=10) as c:
        yield c


@pytest.fixture
def anonymous(api: Api) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, verify=trusting(api.ca), timeout=10) as c:
        yield c
