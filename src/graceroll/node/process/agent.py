"""The engine's node agent: runs the pods of the store as real OS processes on this machine.

A pod is this node's when its ``spec.nodeName`` is empty or names this node (``spec`` is never
written). Each pod gets a :class:`~graceroll.node.process.pod.PodWorker`; the store listener only
queues events on the event loop (``call_soon``), in order, and the worker of the pod's uid acts
on them. Everything runs on the one event loop thread that owns the store.

**Adopted, not restarted.** After ``kill -9`` of the engine its containers live on in their own
sessions. When the node starts, it reads each pod directory's ledger and adopts the containers
that are still running (``adoption``: verified by boot id, pid and start time): same
process, pid, restartCount, IP, startedAt and readiness, its status not even rewritten.
Containers that died while no engine ran are restarted per their restart policy (restartCount + 1,
lastState ``ContainerStatusUnknown``); exec probes and hooks in flight, containers a pod no longer
has and everything of pods gone from the store are killed. Pods that were terminating go on
terminating by their original deadline. Pods without anything to adopt start afresh: after a
graceful stop (``stop()`` below), or from a ledger of an engine that did not adopt (killed first),
they get new processes, restartCount + 1, the same pod IP when it is free and the same pod
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
import signal
from pathlib import Path

from graceroll.api.meta import Obj
from graceroll.clock import SystemClock
from graceroll.controllers.events import EventRecorder
from graceroll.node.drain import DrainGate
from graceroll.node.process import exec as exec_
from graceroll.node.process import logs
from graceroll.node.process.addresses import AddressPool
from graceroll.node.process.adoption import Found, plan_leftovers
from graceroll.node.process.container import ContainerRunner
from graceroll.node.process.exec import NotRunning
from graceroll.node.process.images import ImageResolver
from graceroll.node.process.launch import claim_dir
from graceroll.node.process.ledger import FILE, Ledger
from graceroll.node.process.pod import FINAL_PHASES, NodeParts, PodWorker, claims_dir, remove_tree
from graceroll.node.process.procfs import boot_id, group_members
from graceroll.node.process.runtime import ProcessRuntime, kill_leftover
from graceroll.node.process.tuning import Tuning
from graceroll.store.base import Store, WatchEvent

log = logging.getLogger("graceroll.node")

STALE_POLL = 0.05  # seconds between checks that killed leftover processes are gone
CLAIM = "PersistentVolumeClaim"
Taken = dict[str, tuple[Ledger, dict[str, Found]]]  # pod uid -> its ledger, and its containers found by name
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

    def runner(self, namespace: str, pod: str, container: str) -> ContainerRunner:
        """The container of a pod this node runs now, for exec and attach; ``NotRunning`` otherwise."""
        found = self.store.try_get("Pod", namespace, pod)
        worker = self._workers.get(str(found["metadata"].get("uid") or "")) if found is not None else None
        if worker is None:
            raise NotRunning(f'pod "{pod}" is not running on this node')
        for r in worker.runners:
            if r.name == container:
                return r
        raise NotRunning(f'container not found ("{container}")')

    def exec(self, namespace: str, pod: str, container: str, argv: list[str], stdin: bool, stdout: bool, stderr: bool, tty: bool) -> exec_.Session:
        return exec_.start(self.runner(namespace, pod, container), argv, stdin, stdout, stderr, tty)

    def attach(self, namespace: str, pod: str, container: str, stdin: bool) -> exec_.Attachment:
        return exec_.attach(self.runner(namespace, pod, container), stdin)

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
            events=EventRecorder(self.store, self.clock, "kubelet", correlate=True),
            addresses=self.addresses,
            state_dir=self.state_dir,
            node_name=self.node_name,
        )
        (self.state_dir / "pods").mkdir(parents=True, exist_ok=True)
        began = self.clock.now()
        taken = await self._take_leftovers(self.store.list("Pod"))
        pods = self.store.list("Pod")  # again: the store may have changed while leftovers died
        self.store.subscribe(self._on_event)
        self.state = NodeState.RUNNING
        for uid, (ledger, found) in taken.items():  # first the addresses adopted processes hold
            if self.addresses.allocate(uid, ledger.ip) != ledger.ip:
                log.warning("pod uid %s: address %s is taken; its containers are restarted", uid, ledger.ip)
                self.addresses.release(uid)
                taken[uid] = (ledger, _give_up(found))
        mine = [p for p in pods if self._is_mine(p)]
        for p in mine:  # then every other pod's old address, then the newcomers
            if (p.get("status") or {}).get("phase") not in FINAL_PHASES:
                self.addresses.allocate(p["metadata"]["uid"], (p.get("status") or {}).get("podIP"))
        for p in mine:
            self._take(p, taken.get(str(p["metadata"].get("uid"))))
        for uid, (_, found) in taken.items():
            if uid not in self._workers:  # its pod went while leftovers died
                _give_up(found)
        adopted = sum(1 for _, found in taken.values() for f in found.values() if f.proc is not None)
        lost = sum(1 for _, found in taken.values() for f in found.values() if f.proc is None)
        log.info(
            "node started in %.3fs: %d pods, %d containers adopted, %d lost while no engine ran",
            self.clock.now() - began, len(self._workers), adopted, lost,
        )

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

    def _take(self, pod: Obj, leftovers: tuple[Ledger, dict[str, Found]] | None = None) -> None:
        assert self._parts is not None
        uid = str(pod["metadata"].get("uid") or "")
        if uid in self._workers:
            return
        status = pod.get("status") or {}
        if status.get("phase") in FINAL_PHASES:
            ip = str(status.get("podIP") or "")
        else:
            ip = self.addresses.allocate(uid, status.get("podIP"))
        ledger, found = leftovers if leftovers is not None else (None, None)
        worker = PodWorker(self._parts, pod, ip, self._forget, ledger, found)
        self._workers[uid] = worker
        worker.start()

    def _forget(self, worker: PodWorker) -> None:
        if self._workers.get(worker.uid) is worker:
            del self._workers[worker.uid]

    # ---- after a crash -----------------------------------------------------------------------
    async def _take_leftovers(self, pods: list[Obj]) -> Taken:
        """Adopt what an earlier engine left running, kill the rest (``adoption``); remove directories
        of pods and claims now gone. Returns what was found of the pods that stay."""
        assert self._parts is not None
        runtime = self._parts.runtime
        by_uid = {str(p["metadata"].get("uid")): p for p in pods}
        boot = boot_id()
        killed: list[int] = []
        taken: Taken = {}
        for directory in sorted((self.state_dir / "pods").iterdir()):
            uid = directory.name
            pod = by_uid.get(uid)
            ledger = Ledger.load(directory / FILE)
            if ledger is None:
                if pod is None:
                    remove_tree(directory)
                continue
            runs_here = pod is not None and self._is_mine(pod) and (pod.get("status") or {}).get("phase") not in FINAL_PHASES
            plan = plan_leftovers(ledger, uid, pod, runs_here)
            for g in plan.kill:
                if g.boot == boot and kill_leftover(g.pgid, g.started, ledger.uid):
                    log.warning("pod %s/%s: killed process group %d left by an earlier engine", ledger.namespace, ledger.name, g.pgid)
                    killed.append(g.pgid)
            found: dict[str, Found] = {}
            for g in plan.adopt:
                assert g.run is not None
                proc = runtime.adopt(g.pgid, g.started, uid, g.run.started_at) if g.boot == boot else None
                if proc is None and g.boot == boot and kill_leftover(g.pgid, g.started, uid):
                    killed.append(g.pgid)  # what is left of a group whose leader is gone
                found[g.run.name] = Found(g.run, g.pgid, proc)
            if found:
                ledger.retain({f.pgid for f in found.values() if f.proc is not None})
                taken[uid] = (ledger, found)
            if plan.remove:
                remove_tree(directory)
        live = set(by_uid)
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
        return taken


def _give_up(found: dict[str, Found]) -> dict[str, Found]:
    """Kill adopted processes the node cannot keep after all; their containers count as lost."""
    for f in found.values():
        if f.proc is not None:
            f.proc.signal_group(signal.SIGKILL)
    return {name: Found(f.run, f.pgid, None) for name, f in found.items()}
