"""``graceroll up``: one process holding the store, the controllers, the node agent, the
engine's half of the service proxy and the API, all on one asyncio event loop (store calls are
synchronous and local). The data plane — the built-in proxy or HAProxy — is a process of its own
(``graceroll.dataplane``): it keeps serving when the engine dies, and the next engine attaches to it.

One engine runs per machine (a lock in /tmp): pod and Service addresses are machine-wide.

Start order: store → data plane (attach or start) and its table → node (adopts the containers a
crashed engine left, starts the other pods) → controllers → API. Stop order is the reverse, except
that controllers stop before the node stops the pods, so no controller replaces a pod that is being
shut down with the engine, and the data plane stops last, after the pods.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path

import graceroll.api.builtin  # noqa: F401  (registers the built-in kinds)
from graceroll import lockfile
from graceroll.apiserver.server import ApiServer
from graceroll.clock import SystemClock
from graceroll.controllers.cloneset.controller import CloneSetController
from graceroll.controllers.deployment.controller import DeploymentController
from graceroll.controllers.endpoints.controller import EndpointsController
from graceroll.controllers.gamestatefulset.controller import GameStatefulSetController
from graceroll.controllers.hookrun.controller import HookRunController
from graceroll.controllers.hookrun.fetch import BackgroundFetcher
from graceroll.controllers.mesos.application import ApplicationController
from graceroll.controllers.mesos.deployment import MesosDeploymentController
from graceroll.controllers.namespace.controller import NamespaceController
from graceroll.controllers.replicaset.controller import ReplicaSetController
from graceroll.controllers.runtime import Manager
from graceroll.controllers.serviceaccount.controller import ServiceAccountsController
from graceroll.dataplane.choice import choose, find_haproxy
from graceroll.dataplane.supervisor import supervised
from graceroll.dataplane.traffic import PlaneTraffic
from graceroll.engine import observability
from graceroll.engine.config import nodes_of, read_config
from graceroll.engine.driver import ControllerLoop, call_soon, log_reconcile_errors
from graceroll.engine.kubeconfig import kubeconfig, write_kubeconfig
from graceroll.engine.paths import DataDir
from graceroll.engine.tls import ensure_certificate, server_context
from graceroll.engine.token import ensure_token
from graceroll.errors import GracerollError
from graceroll.node.process.agent import ProcessNode
from graceroll.node.process.images import ImageResolver
from graceroll.proxy.watcher import RouteWatcher
from graceroll.store.sqlite import open_store

log = logging.getLogger("graceroll.engine")
DEFAULT_PORT = 7443


@dataclass(frozen=True)
class EngineOptions:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_plane: str | None = None  # builtin | haproxy | auto; None: the config's, else auto


async def run_engine(opts: EngineOptions, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (or SIGTERM/SIGINT arrives), then shut down in order."""
    dd = DataDir(opts.data_dir)
    dd.root.mkdir(parents=True, exist_ok=True)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    clock = SystemClock()
    config = read_config(dd.config)
    haproxy = find_haproxy()
    kind = choose(opts.data_plane, config.data_plane, haproxy)  # bad choices fail before anything starts
    machine_lock = _lock_machine()
    try:
        store = open_store(dd.store, clock)
    except BaseException:
        os.close(machine_lock)
        raise
    try:
        token = ensure_token(dd.token)

        fetcher = BackgroundFetcher(lambda: call_soon(loop, fetched))  # called on a fetch worker thread
        hookruns = HookRunController(store, clock, fetcher, traffic=lambda: web.metrics.traffic.samples())  # the built-in judge
        manager = Manager(
            store,
            clock,
            [
                NamespaceController(store, clock),
                ServiceAccountsController(store, clock),
                DeploymentController(store, clock),
                CloneSetController(store, clock),
                GameStatefulSetController(store, clock),
                hookruns,
                MesosDeploymentController(store, clock),
                ApplicationController(store, clock, nodes_of(config.nodes)),
                ReplicaSetController(store, clock),
                EndpointsController(store, clock),
            ],
            on_error=log_reconcile_errors(log),
        )
        plane = supervised(kind, dd.root, clock, haproxy)
        routes = RouteWatcher(store, plane)
        node = ProcessNode(store, clock, dd.node, ImageResolver(dd.root), plane)
        web = observability.attach(store, clock, manager, token)  # /metrics and the dashboard
        traffic = PlaneTraffic(plane, clock)  # the data plane's per-revision counters
        web.metrics.add_traffic_source(traffic)
        traffic.on_change.append(web.dashboard.poke)
        api = ApiServer(store, clock, token, node.logs_dir, web.extensions, node)
        controllers = ControllerLoop(manager, clock)

        def fetched() -> None:
            controllers.requeue(hookruns, hookruns.all_keys())

        await plane.start()
        await routes.start()
        traffic.start()
        await node.start()
        controller_task = asyncio.create_task(controllers.run(), name="controllers")
        web.dashboard.start()
        ensure_certificate(dd.tls_cert, dd.tls_key, opts.host, clock.now())
        port = await api.start(opts.host, opts.port, server_context(dd.tls_cert, dd.tls_key))
        url = f"https://{opts.host}:{port}"
        write_kubeconfig(dd.kubeconfig, kubeconfig(url, dd.tls_cert, token))
        dd.address.write_text(url + "\n")
        dd.pid.write_text(f"{os.getpid()}\n")
        log.info("engine ready: API at %s, data in %s, data plane %s (pid %d); kubectl: export KUBECONFIG=%s", url, dd.root, kind, plane.pid, dd.kubeconfig)
        await stop.wait()
        log.info("stopping: API, controllers, pods, data plane")
        await api.stop()
        await web.dashboard.stop()
        await traffic.stop()
        controllers.stop()
        await controller_task
        fetcher.close()
        await node.stop()
        await routes.stop()
        await plane.stop()
    finally:
        store.close()
        os.close(machine_lock)
        for p in (dd.address, dd.pid):
            p.unlink(missing_ok=True)
        log.info("engine stopped")


def _lock_machine() -> int:
    """One engine per machine: pod and Service addresses (127.0.0.0/8) are shared by every process."""
    path = Path(os.environ.get("GRACEROLL_MACHINE_LOCK", "/tmp/graceroll-engine.lock"))
    try:
        return lockfile.acquire(path, 0o666)
    except lockfile.Held as e:
        who = f"pid {e.holder}" if e.holder else "another process"
        raise GracerollError(f"another engine ({who}) is running on this machine; pod and Service addresses are machine-wide, so stop it first (graceroll down)") from e
    except OSError as e:
        raise GracerollError(f"cannot take the machine lock {path}: {e.strerror or e}") from e
