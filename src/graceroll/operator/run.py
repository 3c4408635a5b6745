"""``graceroll operator run``: graceroll's CloneSet, GameStatefulSet and HookRun controllers against
a real cluster's API; the cluster's kubelet runs the pods, its garbage collector removes what they
owned, its endpoints controller follows readiness.

Order: connect and probe → informers list (every watched kind once: the initial sync) →
controllers start on this event loop → run until ``stop`` (or SIGTERM/SIGINT) → controllers stop →
informer threads stop (bounded joins).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import graceroll.api.builtin  # noqa: F401  (registers the built-in kinds)
from graceroll.clock import SystemClock
from graceroll.controllers.cloneset.controller import CloneSetController
from graceroll.controllers.gamestatefulset.controller import GameStatefulSetController
from graceroll.controllers.hookrun.controller import HookRunController
from graceroll.controllers.hookrun.fetch import BackgroundFetcher
from graceroll.controllers.runtime import Controller, Manager
from graceroll.engine.driver import ControllerLoop, call_soon, log_reconcile_errors
from graceroll.operator import connection
from graceroll.operator.choice import CONTROLLERS
from graceroll.store.kube import KubeStore

log = logging.getLogger("graceroll.operator")
# What each controller reads; Events are only written, so nobody watches them.
WATCHES: dict[str, tuple[str, ...]] = {
    "cloneset": ("CloneSet", "Pod", "ControllerRevision", "PersistentVolumeClaim", "HookTemplate", "HookRun"),
    "gamestatefulset": ("GameStatefulSet", "Pod", "ControllerRevision", "PersistentVolumeClaim", "HookTemplate", "HookRun"),
    "hookrun": ("HookRun",),
}
STOP_TIMEOUT = 5.0  # seconds the informer threads get to end


@dataclass(frozen=True)
class OperatorOptions:
    kubeconfig: Path | None = None
    context: str | None = None
    in_cluster: bool = False
    namespace: str | None = None  # None: every namespace
    controllers: tuple[str, ...] = CONTROLLERS
    watch_timeout: float = 300.0  # seconds a watch request lasts before it is renewed


def watched_kinds(controllers: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({k for c in controllers for k in WATCHES[c]}))


async def run_operator(opts: OperatorOptions, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (or SIGTERM/SIGINT arrives in the main thread), then stop in order."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    conn = connection.load(opts.kubeconfig, opts.context, opts.in_cluster)
    await asyncio.to_thread(connection.probe, conn)
    rest = conn.store()
    clock = SystemClock()
    kinds = watched_kinds(opts.controllers)
    store = KubeStore(rest, clock, kinds, lambda fn: call_soon(loop, fn), opts.namespace, opts.watch_timeout)
    fetcher = BackgroundFetcher(lambda: call_soon(loop, fetched))  # called on a fetch worker thread
    hookruns = HookRunController(store, clock, fetcher)
    built: dict[str, Controller] = {
        "cloneset": CloneSetController(store, clock),
        "gamestatefulset": GameStatefulSetController(store, clock),
        "hookrun": hookruns,
    }
    manager = Manager(store, clock, [built[c] for c in opts.controllers], on_error=log_reconcile_errors(log))
    controllers = ControllerLoop(manager, clock)

    def fetched() -> None:
        if "hookrun" in opts.controllers:
            controllers.requeue(hookruns, hookruns.all_keys())

    synced = asyncio.Event()
    store.when_synced(synced.set)
    where = f'namespace "{opts.namespace}"' if opts.namespace else "all namespaces"
    log.info("operator: watching %s in %s of %s", ", ".join(kinds), where, conn.server)
    signals = _handle_signals(loop, stop)
    store.start()
    try:
        if await _first(synced, stop):
            log.info("operator: caches synced (%d objects); running controllers: %s", store.cached_count(), ", ".join(opts.controllers))
            task = asyncio.create_task(controllers.run(), name="controllers")
            await stop.wait()
            log.info("operator: stopping")
            controllers.stop()
            await task
    finally:
        left = store.stop(STOP_TIMEOUT)
        if left:
            log.warning("operator: informers still running after %.0fs: %s", STOP_TIMEOUT, ", ".join(left))
        fetcher.close()
        rest.close()
        for sig in signals:
            loop.remove_signal_handler(sig)
        log.info("operator stopped")


async def _first(wanted: asyncio.Event, stop: asyncio.Event) -> bool:
    """Wait for ``wanted`` or ``stop``; True when ``wanted`` came first."""
    waits = [asyncio.create_task(wanted.wait()), asyncio.create_task(stop.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in waits:
            t.cancel()
    return wanted.is_set() and not stop.is_set()


def _handle_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> list[signal.Signals]:
    """SIGTERM/SIGINT set ``stop``; only possible in the main thread (tests run the operator elsewhere)."""
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(RuntimeError, ValueError, NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    return installed
