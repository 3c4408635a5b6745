"""The engine's node agent: runs the pods of the store as real OS processes on this machine.

A pod is this node's when its ``spec.nodeName`` is empty or names this node (``spec`` is never
written). Each pod gets a :class:`~graceroll.node.process.pod.PodWorker`; the store listener only
queues events on the event loop (``call_soon``), in order, and the worker of the pod's uid acts
on them. Everything runs on the one event loop thread that owns the store.

**Restarted, not adopted.** When the node starts, it SIGKILLs every process group that an earlier
engine recorded for a pod and that is still alive (``ledger``): this matters after ``kill -9``
of the engine, whose containers live on in their own sessions. Then it starts every pod of the
store afresh: new processes, restartCount + 1, the same pod IP when it is free, the same pod
directory (emptyDir data survives). Pods that had finished (Succeeded/Failed) are not run again.
Directories of pods that are no longer in the store are removed.

**Claims.** A PersistentVolumeClaim's directory (``claims/<namespace>/<name>/``, see ``launch``) is
removed when the claim is deleted from the store, even while a pod still mounts it: there is no
in-use protection. It survives engine restarts; at start, directories of claims that are neither
in the store nor mounted by a pod of the store are removed (deleted while no engine ran).

**ConfigMaps and Secrets.** A change of one (added, modified, deleted) reaches the pods of its
namespace that read it: their volumes of it are rewritten, and containers waiting for it try
again at once (``PodWorker.config_changed``).

``stop()`` runs the full termination sequence of every pod at once (see ``pod``) and returns
when all processes are gone; the pods stay in the store for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from pathlib import Path

from graceroll.api.meta import Obj
from graceroll.clock import SystemClock
from graceroll.controllers.events import EventRecorder
from graceroll.node.drain import DrainGate
from graceroll.node.process import logs
from graceroll.node.process.addresses import AddressPool
from graceroll.node.process.images import ImageResolver
from graceroll.node.process.launch import claim_dir
from graceroll.node.process.ledger import FILE, Ledger, group_members
from graceroll.node.process.pod import FINAL_PHASES, NodeParts, PodWorker, claims_dir, remove_tree
from graceroll.node.process.runtime import ProcessRuntime
from graceroll.node.process.tuning import Tuning
from graceroll.store.base import Store, WatchEvent

log = logging.getLogger("graceroll.node")

STALE_POLL = 0.05  # seconds between checks that killed leftover processes are gone
CLAIM = "PersistentVolumeClaim"
CONFIG_KINDS = ("ConfigMap", "Secret")


def claims_kept(claims: list[Obj], pods: list[Obj]) -> set[tuple[str, str]]:
    """(namespace, name) of the claims in the store and of those pods mount: their directories stay."""
    kept = {(str(c["metadata"].get("namespace") or "default"), str(c["metadata"]["name"])) for c in claims}
    for pod in pods:
        namespace = str(pod["metadata"].get("namespace") or "default")
        for volume in (pod.get("spec") or {}).get("volumes") or ():
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                kept.add((namespace, str(claim)))
    return kept


def remove_claim_dir(path: Path) -> None:
    """Remove a claim's directory, and its namespace directory once that is empty."""
    remove_tree(path)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


class NodeState(enum.Enum):
    NEW = "new"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"


class ProcessNode:
    """Set ``tuning`` before ``start()`` to change timings (tests shorten them)."""

    def __init__(
        self,
        store: Store,
        clock: SystemClock,
        state_dir: Path,
        images: ImageResolver,
        drain: DrainGate,
        node_name: str = "local",
    ) -> None:
        self.store = store
        self.clock = clock
        self.state_dir = state_dir
        self.images = images
        self.drain = drain
        self.node_name = node_name
        self.tuning = Tuning()
        self.addresses = AddressPool()
        self.state = NodeState.NEW
        self._workers: dict[str, PodWorker] = {}
        self._parts: NodeParts | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def logs_dir(self, namespace: str, pod: str, container: str) -> Path:
        """The log directory of a container of the pod of that name now in the store (one that does
        not exist if there is none): one file per run (``logs``)."""
        found = self.store.try_get("Pod", namespace, pod)
        uid = str(found["metadata"].get("uid") or "none") if found is not None else "none"
        return logs.container_log_dir(self.state_dir, namespace, pod, uid, container)

    @property
    def runtime(self) -> ProcessRuntime | None:
        return self._parts.runtime if self._parts is not None else None

    def workers(self) -> dict[str, PodWorker]:
        """Pod uid -> worker, for introspection."""
        return dict(self._workers)

    async def start(self) -> None:
        if self.state is not NodeState.NEW:
            raise RuntimeError(f"the node can start once; it is {self.state.value}")
        self._loop = asyncio.get_running_loop()
        runtime = ProcessRuntime(self.clock, self.tuning.sweep_interval)
        await runtime.start()
        self._parts = NodeParts(
            store=self.store,
            clock=self.clock,
            runtime=runtime,
            images=self.images,
            drain=self.drain,
            tuning=self.tuning,
            events=EventRecorder(self.store, self.clock, "kubelet"),
            addresses=self.addresses,
            state_dir=self.state_dir,
            node_name=self.node_name,
        )
        (self.state_dir / "pods").mkdir(parents=True, exist_ok=True)
        await self._clear_leftovers(self.store.list("Pod"))
        pods = self.store.list("Pod")  # again: the store may have changed while leftovers died
        self.store.subscribe(self._on_event)
        self.state = NodeState.RUNNING
        mine = [p for p in pods if self._is_mine(p)]
        for p in mine:  # first every pod's old address, then the newcomers
            if (p.get("status") or {}).get("phase") not in FINAL_PHASES:
                self.addresses.allocate(p["metadata"]["uid"], (p.get("status") or {}).get("podIP"))
        for p in mine:
            self._take(p)

    async def stop(self) -> None:
        """Stop every pod with its full termination sequence, concurrently; then stop reaping."""
        if self.state is not NodeState.RUNNING:
            return
        self.state = NodeState.STOPPING
        now = self.clock.now()
        for w in list(self._workers.values()):
            grace = w.pod["spec"].get("terminationGracePeriodSeconds")
            w.request_stop("shutdown", now + (float(grace) if grace is not None else self.tuning.default_grace))
        tasks = [w.task for w in self._workers.values() if w.task is not None]
        if tasks:
            await asyncio.wait(tasks)
        if self._parts is not None:
            await self._parts.runtime.close()
        self.state = NodeState.STOPPED

    # ---- store events ------------------------------------------------------------------------
    def _on_event(self, event: WatchEvent) -> None:
        """The store listener: queue, never act here (it runs inside a store call)."""
        if self._loop is None or self.state not in (NodeState.RUNNING, NodeState.STOPPING):
            return
        kind = event.object.get("kind")
        if kind == "Pod":
            self._loop.call_soon(self._dispatch, event.type, event.object)
        elif kind == CLAIM and event.type == "DELETED":
            self._loop.call_soon(self._claim_deleted, event.object)
        elif kind in CONFIG_KINDS:
            md = event.object["metadata"]
            self._loop.call_soon(self._config_changed, str(kind), str(md.get("namespace") or "default"), str(md["name"]))

    def _config_changed(self, kind: str, namespace: str, name: str) -> None:
        for worker in list(self._workers.values()):
            if worker.namespace == namespace:
                worker.config_changed(kind, name)

    def _claim_deleted(self, claim: Obj) -> None:
        md = claim["metadata"]
        namespace = str(md.get("namespace") or "default")
        remove_claim_dir(claim_dir(claims_dir(self.state_dir), namespace, str(md["name"])))

    def _dispatch(self, type_: str, pod: Obj) -> None:
        uid = str(pod["metadata"].get("uid") or "")
        worker = self._workers.get(uid)
        if type_ == "DELETED":
            if worker is not None:
                worker.gone()
            return
        if worker is not None:
            worker.observe(pod)
            return
        if self.state is not NodeState.RUNNING:
            return
        md = pod["metadata"]
        current = self.store.try_get("Pod", md.get("namespace") or "default", md["name"])
        if current is not None and current["metadata"].get("uid") == uid and self._is_mine(current):
            self._take(current)

    def _is_mine(self, pod: Obj) -> bool:
        return (pod.get("spec") or {}).get("nodeName") in (None, "", self.node_name)

    def _take(self, pod: Obj) -> None:
        assert self._parts is not None
        uid = str(pod["metadata"].get("uid") or "")
        if uid in self._workers:
            return
        status = pod.get("status") or {}
        if status.get("phase") in FINAL_PHASES:
            ip = str(status.get("podIP") or "")
        else:
            ip = self.addresses.allocate(uid, status.get("podIP"))
        worker = PodWorker(self._parts, pod, ip, self._forget)
        self._workers[uid] = worker
        worker.start()

    def _forget(self, worker: PodWorker) -> None:
        if self._workers.get(worker.uid) is worker:
            del self._workers[worker.uid]

    # ---- after a crash -----------------------------------------------------------------------
    async def _clear_leftovers(self, pods: list[Obj]) -> None:
        """Kill process groups an earlier engine left running; remove directories of pods and claims now gone."""
        live = {str(p["metadata"].get("uid")) for p in pods}
        killed: list[int] = []
        for directory in sorted((self.state_dir / "pods").iterdir()):
            ledger = Ledger.load(directory / FILE)
            if ledger is not None:
                killed += ledger.kill_stale()
            if directory.name not in live:
                remove_tree(directory)
        log_root = self.state_dir / "logs"
        for directory in sorted(log_root.iterdir()) if log_root.is_dir() else ():
            if logs.uid_of(directory) not in live:
                remove_tree(directory)
        kept = claims_kept(self.store.list(CLAIM), pods)
        claims = claims_dir(self.state_dir)
        for namespace in sorted(claims.iterdir()) if claims.is_dir() else ():
            for directory in sorted(namespace.iterdir()) if namespace.is_dir() else ():
                if (namespace.name, directory.name) not in kept:
                    remove_claim_dir(directory)
        until = self.clock.now() + self.tuning.kill_wait
        while any(group_members(g) for g in killed) and self.clock.now() < until:
            await self.clock.sleep(STALE_POLL)  # the old processes must free their ports first
