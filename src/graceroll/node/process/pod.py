"""One pod on the process node: its directory, its containers, its status, and its end.

Termination (the pod got a ``deletionTimestamp``, or the engine stops)::

    containers marked not ready (status written at once)
    → drain.drained(pod IP)            the proxy takes the pod out of rotation
    → per container, in parallel: preStop hook → SIGTERM to its process group
    → SIGKILL when the grace period has run out
    → pod and log directories removed → the pod deleted from the store (grace 0)

The grace period is one budget for all of it, counted from when deletion began: the store sets
``deletionTimestamp`` to that instant plus ``deletionGracePeriodSeconds``, so it *is* the SIGKILL
deadline (a later, shorter delete moves it closer, and the containers follow). As on a kubelet, SIGKILL
still waits ``min_kill_grace`` (2 s) after SIGTERM when draining and preStop used up the budget.

When the engine stops, the same sequence runs with the pod's ``terminationGracePeriodSeconds``
from that instant, but the pod stays in the store with its directory: the next engine restarts it.
A pod removed from the store by someone else (grace 0) is stopped the same way at once.

After a crash of the engine, a pod that was terminating (it has a ``deletionTimestamp``) goes on
terminating on the next engine with the containers it adopted: the same sequence — drain again
(the proxy is new), preStop unless it had begun, SIGTERM, SIGKILL — against the same deadline,
since the deadline is the ``deletionTimestamp`` itself. A pod the engine was stopping only because
the engine was shutting down runs on: the new engine wants it.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from graceroll.api.meta import Obj, clone
from graceroll.clock import SystemClock, format_time, parse_time
from graceroll.controllers.events import EventRecorder
from graceroll.errors import Conflict, GracerollError, NotFound
from graceroll.node.drain import DrainGate
from graceroll.node.process import config_refs, logs
from graceroll.node.process.addresses import AddressPool
from graceroll.node.process.adoption import Found
from graceroll.node.process.container import ContainerRunner
from graceroll.node.process.images import ImageResolver
from graceroll.node.process.launch import (
    Launch,
    LaunchError,
    PodPlace,
    prepare_launch,
    prepare_pod_dir,
    refresh_projections,
)
from graceroll.node.process.ledger import FILE, Ledger
from graceroll.node.process.runtime import ProcessRuntime
from graceroll.node.process.status import PodFacts, pod_status
from graceroll.node.process.tuning import Tuning
from graceroll.node.process.waiting import wait_any
from graceroll.store.base import Store

log = logging.getLogger("graceroll.node")

HOST_IP = "127.0.0.1"
FINAL_PHASES = ("Succeeded", "Failed")
StopMode = Literal["shutdown", "delete", "gone"]  # engine stops / pod deleted / pod already removed
MODE_RANK: dict[StopMode, int] = {"shutdown": 0, "delete": 1, "gone": 2}


@dataclass
class NodeParts:
    """What every pod worker of one node shares."""

    store: Store
    clock: SystemClock
    runtime: ProcessRuntime
    images: ImageResolver
    drain: DrainGate
    tuning: Tuning
    events: EventRecorder
    addresses: AddressPool
    state_dir: Path
    node_name: str


def pod_dir(state_dir: Path, uid: str) -> Path:
    return state_dir / "pods" / uid


def claims_dir(state_dir: Path) -> Path:
    """Where PersistentVolumeClaim directories live: beside ``pods/``, so pod removal never reaches them."""
    return state_dir / "claims"


class PodWorker:
    def __init__(
        self,
        parts: NodeParts,
        pod: Obj,
        ip: str,
        on_done: Callable[[PodWorker], None],
        ledger: Ledger | None = None,
        found: Mapping[str, Found] | None = None,
    ) -> None:
        """``ledger`` and ``found``: what an earlier engine left of this pod and the node adopted (``adoption``)."""
        md = pod["metadata"]
        self.parts = parts
        self.clock = parts.clock
        self.runtime = parts.runtime
        self.tuning = parts.tuning
        self.namespace = str(md.get("namespace") or "default")
        self.name = str(md["name"])
        self.uid = str(md.get("uid") or "")
        self.pod = pod
        self.place = PodPlace(pod_dir(parts.state_dir, self.uid), ip, HOST_IP, parts.node_name, claims_dir(parts.state_dir))
        self.ledger = ledger or Ledger(self.place.pod_dir / FILE, self.namespace, self.name, self.uid)
        self.ledger.ip = ip
        status = pod.get("status") or {}
        self.start_time = str(status.get("startTime") or format_time(self.clock.now()))
        self.finished = status.get("phase") in FINAL_PHASES  # ran to completion earlier: nothing to run
        previous = {cs.get("name"): cs for cs in status.get("containerStatuses") or ()}
        found = found or {}
        previous_init = {cs.get("name"): cs for cs in status.get("initContainerStatuses") or ()}
        inits = pod["spec"].get("initContainers") or ()
        self.init_runners = [
            ContainerRunner(self, c, previous_init.get(c["name"]), found.get(c["name"]), role="sidecar" if c.get("restartPolicy") == "Always" else "init")
            for c in inits
        ]
        self.runners = [
            ContainerRunner(self, c, previous.get(c["name"]), found.get(c["name"]), initializing=bool(inits))
            for c in pod["spec"].get("containers") or ()
        ]
        # an earlier engine's app containers adopted or lost: the pod was initialized, its init
        # containers do not run again (its sidecars are taken over, or started again, as any container)
        self.initialized = any(r.resuming for r in self.runners)
        if self.initialized:
            for r in self.init_runners:
                if r.role == "init" and not r.resuming:
                    r.completed_earlier(previous_init.get(r.name))
        self.terminating = False
        self.task: asyncio.Task[None] | None = None
        self._on_done = on_done
        self._mode: StopMode | None = None
        self._stop_requested: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._deadlines: dict[StopMode, float] = {}
        self._killing = False
        self._frozen_phase: str | None = None
        self._sync_scheduled = False
        if md.get("deletionTimestamp"):
            self.request_stop("delete")

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"pod {self.namespace}/{self.name}")

    # ---- events from the store ---------------------------------------------------------------
    def observe(self, pod: Obj) -> None:
        """A newer version of the pod (MODIFIED)."""
        if pod["metadata"].get("uid") != self.uid:
            return
        before = self.pod["metadata"].get("deletionTimestamp")
        self.pod = pod
        deletion = pod["metadata"].get("deletionTimestamp")
        if deletion and not before:
            self.request_stop("delete")
        elif deletion != before:
            for r in self.all_runners:
                r.deadline_changed()
        if not self.terminating:
            specs = {c["name"]: c for c in pod["spec"].get("containers") or ()}
            for r in self.runners:
                if r.name in specs and specs[r.name] != r.spec:
                    r.update(specs[r.name])
        self.changed()

    def gone(self) -> None:
        """The pod was removed from the store (DELETED) before this node finished it."""
        self.request_stop("gone")

    def request_stop(self, mode: StopMode, deadline: float | None = None) -> None:
        if mode == "shutdown":
            self._deadlines[mode] = deadline if deadline is not None else self.clock.now()
        elif mode == "gone":
            self._deadlines[mode] = self.clock.now()
        if self._mode is None or MODE_RANK[mode] > MODE_RANK[self._mode]:
            self._mode = mode
        if not self._stop_requested.done():
            self._stop_requested.set_result(None)
        for r in self.all_runners:
            r.deadline_changed()

    @property
    def all_runners(self) -> list[ContainerRunner]:
        return [*self.init_runners, *self.runners]

    # ---- what containers ask of their pod ----------------------------------------------------
    def launch(self, container: Obj) -> Launch:
        return prepare_launch(self.pod, container, self.place, self.parts.images, lookup=self._lookup)

    def _lookup(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self.parts.store.try_get(kind, namespace, name)

    def config_changed(self, kind: str, name: str) -> None:
        """A ConfigMap or Secret of the pod's namespace changed: update the pod's volumes of it
        (environment variables stay as the containers were started with), and let containers
        waiting for it try again."""
        if self.terminating or self.finished or not config_refs.references(self.pod, kind, name):
            return
        try:
            refresh_projections(self.pod, self.place, self._lookup, kind, name)
        except LaunchError as e:
            log.warning("pod %s/%s: volumes of %s %s not updated: %s", self.namespace, self.name, kind, name, e)
        for r in self.all_runners:
            r.config_changed()

    def log_dir(self, container: str) -> Path:
        return logs.container_log_dir(self.parts.state_dir, self.namespace, self.name, self.uid, container)

    def kill_deadline(self) -> float | None:
        """When containers get SIGKILL; None until draining is over."""
        return self.deadline() if self._killing else None

    def deadline(self) -> float:
        found = list(self._deadlines.values())
        deletion = self.pod["metadata"].get("deletionTimestamp")
        if deletion:
            found.append(parse_time(deletion))
        return min(found) if found else self.clock.now()

    def changed(self) -> None:
        """Something in the status may have changed: write it once this turn of the loop is over."""
        if not self._sync_scheduled:
            self._sync_scheduled = True
            asyncio.get_running_loop().call_soon(self.sync_status)

    def event(self, type_: str, reason: str, message: str) -> None:
        log.debug("pod %s/%s: %s %s", self.namespace, self.name, reason, message)
        try:
            self.parts.events.record(self.pod, type_, reason, message)
        except GracerollError as e:
            log.debug("pod %s/%s: event not recorded: %s", self.namespace, self.name, e)

    # ---- status ------------------------------------------------------------------------------
    def sync_status(self) -> None:
        """Write the pod status if it differs from the stored one; re-read and retry once on a conflict."""
        self._sync_scheduled = False
        if self.finished:
            return
        store = self.parts.store
        spec = self.pod["spec"]
        facts = PodFacts(
            ip=self.place.ip,
            host_ip=HOST_IP,
            start_time=self.start_time,
            restart_policy=str(spec.get("restartPolicy") or "Always"),
            readiness_gates=tuple(str(g.get("conditionType")) for g in spec.get("readinessGates") or ()),
            phase=self._frozen_phase,
        )
        containers = [r.view() for r in self.runners]
        inits = [r.view() for r in self.init_runners]
        for _ in range(2):
            latest = store.try_get("Pod", self.namespace, self.name)
            if latest is None or latest["metadata"].get("uid") != self.uid:
                return
            stored = latest.get("status") or {}
            status = pod_status(stored, facts, containers, format_time(self.clock.now()), inits)
            if status == stored:
                return
            obj = clone(latest)
            obj["status"] = status
            try:
                store.update_status(obj)
                return
            except (Conflict, NotFound):
                continue
            except GracerollError as e:
                log.warning("pod %s/%s: status not written: %s", self.namespace, self.name, e)
                return

    # ---- the pod's life ----------------------------------------------------------------------
    async def _run(self) -> None:
        try:
            tasks: list[asyncio.Task[None]] = []
            stopping = self._stop_requested.done()
            if not self.finished and (not stopping or any(r.resuming for r in self.runners)):
                try:
                    if not stopping:
                        prepare_pod_dir(self.pod, self.place)
                    self.ledger.save()
                except (LaunchError, OSError) as e:
                    log.error("pod %s/%s: cannot prepare %s: %s", self.namespace, self.name, self.place.pod_dir, e)
                self.changed()
                if await self._initialize(tasks):
                    apps = [self._start(r) for r in self.runners]
                    tasks += apps
                    while not self._stop_requested.done() and not all(t.done() for t in apps):
                        await asyncio.wait([self._stop_requested, *(t for t in apps if not t.done())], return_when=asyncio.FIRST_COMPLETED)
                if not self._stop_requested.done():  # every container ran to completion (or initializing failed)
                    await self._stop_sidecars(tasks)
                    self.parts.addresses.release(self.uid)
                    self.changed()
            await wait_any([self._stop_requested])
            await self._terminate(tasks)
        except Exception:
            log.exception("pod %s/%s: node agent failed", self.namespace, self.name)
        finally:
            self._on_done(self)

    def _start(self, r: ContainerRunner) -> asyncio.Task[None]:
        return asyncio.create_task(r.run(), name=f"container {self.name}/{r.name}")

    async def _initialize(self, tasks: list[asyncio.Task[None]]) -> bool:
        """Run the init containers in order, each to completion (a sidecar only until it has
        started, then it keeps running beside the others); True when the app containers may start.
        Every task started is added to ``tasks``."""
        for r in self.init_runners:
            if self.initialized and r.role == "init" and not r.resuming:
                continue  # it ran to completion under an earlier engine
            task = self._start(r)
            tasks.append(task)
            until = [self._stop_requested, task] + ([r.started_once] if r.role == "sidecar" else [])
            await asyncio.wait(until, return_when=asyncio.FIRST_COMPLETED)
            if self._stop_requested.done():
                return False
            if r.role == "init" and r.exit_code != 0:
                return False  # failed with restartPolicy Never: the pod fails
        return True

    async def _stop_sidecars(self, tasks: list[asyncio.Task[None]]) -> None:
        """The app containers are done: sidecars are stopped, as the kubelet does."""
        sidecars = [r for r in self.init_runners if r.role == "sidecar"]
        if not sidecars:
            return
        for r in sidecars:
            r.kill()
        await asyncio.wait(tasks)

    async def _terminate(self, tasks: list[asyncio.Task[None]]) -> None:
        if self._mode == "shutdown":
            self._frozen_phase = str((self.pod.get("status") or {}).get("phase") or "Pending")
        self.terminating = True
        for r in self.all_runners:
            r.begin_termination()
        self.sync_status()
        if any(r.instance is not None for r in self.all_runners):
            await self._drain()
        self._killing = True
        for r in self.all_runners:
            r.kill()
        if tasks:
            await asyncio.wait(tasks)
        for t in tasks:
            if not t.cancelled() and t.exception() is not None:
                log.error("pod %s/%s: %s failed", self.namespace, self.name, t.get_name(), exc_info=t.exception())
        if self._mode == "shutdown":
            self.sync_status()
            return
        self._remove_files()
        self.parts.addresses.release(self.uid)
        if self._mode == "delete":
            try:
                self.parts.store.delete("Pod", self.namespace, self.name, grace_period_seconds=0, uid=self.uid)
            except (NotFound, Conflict):
                pass
            except GracerollError as e:
                log.warning("pod %s/%s: not deleted: %s", self.namespace, self.name, e)

    async def _drain(self) -> None:
        """Wait for the proxy to take the pod out of rotation, within the grace period."""
        budget = max(0.0, self.deadline() - self.clock.now())
        task = asyncio.ensure_future(self.parts.drain.drained(self.place.ip, budget))
        await wait_any([task], budget)
        if not task.done():
            task.cancel()
            await wait_any([task])
        elif not task.cancelled() and task.exception() is not None:
            log.warning("pod %s/%s: drain failed: %s", self.namespace, self.name, task.exception())

    def _remove_files(self) -> None:
        remove_tree(self.place.pod_dir)
        remove_tree(logs.pod_log_dir(self.parts.state_dir, self.namespace, self.name, self.uid))


def remove_tree(path: Path) -> None:
    """Remove a pod's or claim's directory; symlinks inside (volume links) are removed, never followed."""
    if not path.exists() and not path.is_symlink():
        return
    try:
        shutil.rmtree(path)
    except OSError as e:
        log.warning("cannot remove %s: %s", path, e)
