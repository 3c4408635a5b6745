"""One container of a running pod: start, supervise, probe, stop and restart it.

The life of one container instance::

    waiting(ContainerCreating) ─ spawn ─ postStart ─▶ running ─ probes ─▶ exits / is stopped
            ▲                                                                  │
            └──── restart policy, CrashLoopBackOff ◀── terminated(exitCode) ◀──┘

An instance ends for one of four reasons (:class:`Why`): its process exited; a liveness or startup
probe or the postStart hook failed; its image changed (in-place update); or its pod is
terminating. In every case except the first, the instance is stopped the Kubernetes way (preStop
hook, SIGTERM to its process group, the grace period, SIGKILL). Then an exit is restarted per
``restartPolicy`` after the back-off (``backoff``), an image change is restarted at once with the
new image in the same pod (same IP, same directories; restartCount + 1, new imageID), and a
terminating pod's container is not restarted.

BCS HotPatchUpdate: when the pod is annotated ``io.kubernetes.hotpatch.container: "true"`` and
only the image of a live instance changed, the instance is not stopped. The new image is resolved
as for a start; the status takes its image and imageID, the image file is rewritten and the
process group gets SIGHUP (``hotpatch``); restartCount, start time and readiness stay. The instance
counts as running the new spec from then on. If the image cannot be resolved, a Warning event is
recorded and the old image keeps running.

After an engine restart (``adoption``), a container is either taken over or known to be lost:

- Adopted (its process is alive and verified): the same instance goes on — same pid, containerID,
  startedAt, restartCount, lastState, image and imageID (from the ledger), ``ready`` and ``started``
  as stored when the stored status names this very process (Kubernetes 1.35 keeps both across a
  kubelet restart, KEP-4781); probes resume on their schedule (``probes``), and the log file is the
  one the process has been writing to all along. Whatever the earlier engine was doing goes on: a
  postStart that had not returned runs again (hooks are delivered at least once, as upstream
  documents), a stop it had begun (probe failure, image change, pod deletion) finishes by the same
  SIGKILL deadline, and a preStop that had begun is not run again (``sleep`` waits out what is
  left of it). Then the current spec applies as on a live node: an image changed meanwhile is an
  in-place restart or a hot patch.
- Lost (the process is gone): its exit happened while no engine could see it. As the kubelet
  reports a container that disappeared (``kubelet_pods.go`` convertToAPIContainerStatuses), it
  terminated with exitCode 137, reason ``ContainerStatusUnknown``; then the restart policy decides
  as for any exit (Always and OnFailure restart it: restartCount + 1, that termination in
  lastState; Never leaves it terminated). In a terminating pod it is not restarted and the message
  is the one of the kubelet's TerminatePod.

An adopted process that exits later is not this engine's child, so its exit code can only be read
when the engine happens to be its reaper (``runtime``); otherwise the exit is reported the same
honest way: 137, ``ContainerStatusUnknown``, and a message saying the code could not be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal, Protocol

from graceroll.api.meta import Obj
from graceroll.clock import SystemClock, format_time
from graceroll.node.process import hotpatch, lifecycle, logs, logshim, procfs
from graceroll.node.process.actions import Outcome, Target, run_action
from graceroll.node.process.adoption import Found
from graceroll.node.process.backoff import Backoff
from graceroll.node.process.launch import CONFIG_ERROR, Launch, LaunchError, PodPlace, named_ports
from graceroll.node.process.ledger import ContainerRun, Ledger, Stopping
from graceroll.node.process.probes import ProbeKind, ProbeSpec, Resume, run_probe
from graceroll.node.process.runtime import (
    UNKNOWN_EXIT,
    AdoptedProcess,
    Process,
    ProcessGroup,
    ProcessRuntime,
    Spawn,
)
from graceroll.node.process.tuning import Tuning
from graceroll.node.process.waiting import Pulse, wait_any

log = logging.getLogger("graceroll.node")

NORMAL, WARNING = "Normal", "Warning"
UNHEALTHY = "Unhealthy"
MOUNT_PATH_NOT_HONOURED = "MountPathNotHonoured"  # graceroll's own: pods are processes without a mount namespace
START_ERROR_CODE = 128  # what runtimes report for a process that could not be executed
STATUS_UNKNOWN = "ContainerStatusUnknown"  # kubecontainer.ContainerReasonStatusUnknown
LOST = "The container could not be located when the pod was deleted.  The container used to be Running"
LOST_TERMINATING = "The container could not be located when the pod was terminated"
EXIT_UNREAD = "The container was adopted from an earlier engine, so its exit code could not be read"
LOG_FLUSH_WAIT = 5.0  # seconds the log shim gets to write a finished run's last output


Role = Literal["app", "init", "sidecar"]


class Why(enum.Enum):
    EXITED = "exited"
    FAILED = "failed"  # liveness / startup probe or postStart hook
    CHANGED = "changed"  # the image changed: in-place update
    KILL = "kill"  # the pod terminates
    NOT_STARTED = "not started"  # the configuration is unusable; nothing ran


class PodSide(Protocol):
    """What a container needs from its pod."""

    clock: SystemClock
    runtime: ProcessRuntime
    tuning: Tuning
    ledger: Ledger
    place: PodPlace
    pod: Obj
    terminating: bool

    def launch(self, container: Obj) -> Launch: ...

    def log_dir(self, container: str) -> Path: ...

    def kill_deadline(self) -> float | None: ...

    def changed(self) -> None: ...

    def event(self, type_: str, reason: str, message: str) -> None: ...


@dataclass(eq=False)
class Instance:
    """One run of the container: its process and what the probes found."""

    proc: ProcessGroup
    target: Target  # where its probes and hooks act
    spec: Obj
    stop: asyncio.Future[Why]
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    running: bool = False  # postStart returned
    started: bool = False  # startup probe passed (or none)
    ready: bool = False
    kill_message: str = ""
    grace: float | None = None  # a probe's own terminationGracePeriodSeconds
    adopted: bool = False  # started by an earlier engine: probes resume (``probes.Resume``)
    deadline: float | None = None  # SIGKILL deadline of a restart the earlier engine had begun
    pre_stop_at: float | None = None  # when preStop began, if it did: it never runs twice
    stdin: int | None = None  # the write end of the process's stdin (``stdin: true``), for attach
    sessions: set[ProcessGroup] = field(default_factory=set)  # commands exec'd in it: they end with it

    def close_stdin(self) -> None:
        if self.stdin is not None:
            with contextlib.suppress(OSError):
                os.close(self.stdin)
            self.stdin = None

    def end(self) -> None:
        """The instance is over: so are the commands exec'd in it, and its stdin."""
        for proc in list(self.sessions):
            proc.signal_group(signal.SIGKILL)
        self.close_stdin()

    def halt(self, why: Why, message: str = "", grace: float | None = None) -> None:
        if not self.stop.done():
            self.stop.set_result(why)
            self.kill_message = message
            self.grace = grace


class ContainerRunner:
    def __init__(
        self,
        pod: PodSide,
        spec: Obj,
        previous: Obj | None = None,
        found: Found | None = None,
        *,
        role: Role = "app",
        initializing: bool = False,
    ) -> None:
        """``previous``: this container's stored status; ``found``: what an earlier engine left of
        it; ``role``: an app container, an init container (runs to completion) or a sidecar (an init
        container with ``restartPolicy: Always``); ``initializing``: init containers run first."""
        self.pod = pod
        self.spec = spec
        self.role = role
        self.exit_code: int | None = None
        self.started_once: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.name = str(spec["name"])
        self.image = str(spec.get("image") or "")
        self.image_id = ""
        self.container_id = ""
        self.state: Obj = {"waiting": {"reason": "PodInitializing" if initializing and role == "app" else "ContainerCreating"}}
        self.last_state: Obj = {}
        self.restart_count = 0
        self.backoff = Backoff(pod.tuning.backoff)
        self.instance: Instance | None = None
        self._finished_at = 0.0
        self._kill_requested = False
        self._config_changed = False
        self._shim: Process | None = None
        self._pulse = Pulse()
        self._lost = False
        self._stopping: Stopping | None = None
        if found is not None and found.proc is not None:
            self._adopt(found.run, found.proc, previous)
        elif found is not None:
            self._report_lost(found.run, found.pgid, previous)
        elif previous is not None:  # the pod ran before this node started and nothing was adopted: a restart
            self.restart_count = int(previous.get("restartCount") or 0) + 1
            self.last_state = _previous_termination(previous)

    def _adopt(self, run: ContainerRun, proc: AdoptedProcess, previous: Obj | None) -> None:
        """Take over the instance an earlier engine started (see the module docstring)."""
        self.image, self.image_id, self.restart_count = run.image, run.image_id, run.restart_count
        self.container_id = f"process://{proc.pid}"
        same = previous is not None and previous.get("containerID") == self.container_id
        if previous is not None:
            self.last_state = dict(previous.get("lastState") or {}) if same else _previous_termination(previous)
        env = procfs.read_environ(proc.pid) or {}
        place = self.pod.place
        target = Target(place.ip, named_ports(run.spec), env, Path(run.cwd or place.root), self.pod.runtime, self.pod.clock, self.pod.ledger)
        stored = previous if same and previous is not None else {}
        self.instance = Instance(
            proc,
            target,
            run.spec,
            asyncio.get_running_loop().create_future(),
            running=run.running,
            started=bool(run.running and stored.get("started")),
            ready=bool(run.running and stored.get("ready")),
            adopted=True,
        )
        if run.running:
            self.state = {"running": {"startedAt": format_time(proc.started_at)}}
        self._stopping = run.stopping

    def _report_lost(self, run: ContainerRun, pid: int, previous: Obj | None) -> None:
        """The earlier engine's process is gone: it terminated, how nobody saw (``run`` restarts it per policy)."""
        self.image, self.image_id, self.restart_count = run.image, run.image_id, run.restart_count
        self.container_id = f"process://{pid}"
        if previous is not None and previous.get("containerID") == self.container_id:
            self.last_state = dict(previous.get("lastState") or {})
        terminating = bool(self.pod.pod["metadata"].get("deletionTimestamp"))
        term: Obj = {
            "exitCode": UNKNOWN_EXIT,
            "reason": STATUS_UNKNOWN,
            "message": LOST_TERMINATING if terminating else LOST,
            "startedAt": format_time(run.started_at),
            "containerID": self.container_id,
        }
        self.state = {"terminated": term}
        self._finished_at = self.pod.clock.now()
        self._lost = True

    def completed_earlier(self, previous: Obj | None) -> None:
        """An init container that ran to completion under an earlier engine whose pod was adopted:
        its stored status stands and it does not run again."""
        prev = previous or {}
        self.image = str(prev.get("image") or self.image)
        self.image_id = str(prev.get("imageID") or "")
        self.container_id = str(prev.get("containerID") or "")
        self.restart_count = int(prev.get("restartCount") or 0)
        self.last_state = dict(prev.get("lastState") or {})
        self.state = dict(prev.get("state") or {"terminated": {"exitCode": 0, "reason": "Completed"}})
        self.exit_code = 0

    @property
    def resuming(self) -> bool:
        """An earlier engine left something of this container to see to its end (an adopted or lost run)."""
        return self.instance is not None or self._lost

    # ---- called by the pod ---------------------------------------------------------------------
    def update(self, spec: Obj) -> None:
        """A new spec for this container; an image change restarts a running instance in place,
        unless the pod asks for a hot patch."""
        self.spec = spec
        if self.instance is not None:
            self._apply_spec(self.instance)
        self._pulse.fire()

    def _apply_spec(self, inst: Instance) -> None:
        if self._image_changed(inst.spec):
            if self._hot_patchable(inst):
                self._hot_patch(inst)
            else:
                inst.halt(Why.CHANGED, f"Container {self.name} definition changed, will be restarted")

    def begin_termination(self) -> None:
        """The pod terminates: no more restarts; readiness drops (see ``view``)."""
        self._pulse.fire()

    def kill(self) -> None:
        """Draining is over: stop the running instance by the pod's deadline."""
        self._kill_requested = True
        if self.instance is not None:
            self.instance.halt(Why.KILL, f"Stopping container {self.name}")
        self._pulse.fire()

    def deadline_changed(self) -> None:
        self._pulse.fire()

    def config_changed(self) -> None:
        """A ConfigMap or Secret the pod reads changed: a container waiting for one tries again now."""
        self._config_changed = True
        self._pulse.fire()

    def view(self) -> Obj:
        """This container's entry in ``status.containerStatuses``."""
        inst = self.instance
        running = inst is not None and inst.running and "running" in self.state
        cs: Obj = {
            "name": self.name,
            "image": self.image,
            "imageID": self.image_id,
            "ready": bool(running and inst is not None and inst.ready and not self.pod.terminating),
            "started": bool(running and inst is not None and inst.started),
            "restartCount": self.restart_count,
            "state": dict(self.state),
            "lastState": dict(self.last_state),
        }
        if self.container_id:
            cs["containerID"] = self.container_id
        if self.role == "sidecar":
            cs["sidecar"] = True  # for the pod's phase; not written (see ``status.pod_status``)
            cs["started"] = self.started_once.done() and cs["started"]
        return cs

    # ---- the loop ----------------------------------------------------------------------------
    async def run(self) -> None:
        """Start, supervise and restart the container until its pod no longer wants it."""
        try:
            if self._lost and not await self._restart_lost():
                return
            while self.instance is not None or not self.pod.terminating:  # an adopted instance is always seen to its end
                why, code = await self._run_once()
                if self.pod.terminating or why is Why.KILL:
                    return
                if why is Why.NOT_STARTED:
                    await self._pause(self.pod.tuning.config_retry)
                    continue
                self.exit_code = code
                if why is not Why.CHANGED:
                    if self.role == "init" and code == 0:
                        return  # initialized: an init container runs once
                    if not self._restarts(code):
                        return
                    await self._back_off()
                    if self.pod.terminating:
                        return
                self.restart_count += 1
        finally:
            inst = self.instance
            if inst is not None:
                inst.end()
                if inst.proc.running:  # cancelled mid-way: leave nothing running
                    inst.proc.signal_group(signal.SIGKILL)

    async def _restart_lost(self) -> bool:
        """Whether a container lost while no engine ran starts again: its restart policy, as for any exit."""
        self._lost = False
        if self.pod.terminating or not self._restarts(UNKNOWN_EXIT):
            return False
        await self._back_off()
        if self.pod.terminating:
            return False
        self.restart_count += 1
        return True

    async def _run_once(self) -> tuple[Why, int]:
        inst = self.instance  # adopted from an earlier engine; else start one
        if inst is None:
            started = self._start()
            if not isinstance(started, Instance):
                return started
            inst = started
        else:
            self._take_over(inst)
        return await self._supervise(inst)

    def _start(self) -> Instance | tuple[Why, int]:
        self._config_changed = False
        self._set_state({"waiting": {"reason": "ContainerCreating"}})
        spec = self.spec
        try:
            launch = self.pod.launch(spec)
            self._publish_image(str(spec.get("image") or ""))
        except LaunchError as e:
            self._set_state({"waiting": {"reason": e.reason, "message": e.message}})
            self.pod.event(WARNING, e.event, e.event_message)
            return Why.NOT_STARTED, 0
        if launch.unmounted:
            where = "; ".join(launch.unmounted)
            self.pod.event(WARNING, MOUNT_PATH_NOT_HONOURED, f"container {self.name}: this node cannot mount at absolute paths (no mount namespaces): {where}")
        self.image = str(spec.get("image") or "")
        self.image_id = launch.image.image_id
        stdin = os.pipe() if spec.get("stdin") else None  # kept open for attach; an adopted process has none
        try:
            proc = self._spawn(launch, spec, stdin[0] if stdin else None)
        except OSError as e:
            if stdin:
                os.close(stdin[1])
            self._shim = None  # the container never wrote to its pipe: the shim ends at once by itself
            now = self.pod.clock.now()
            self.container_id = ""
            self._terminated(START_ERROR_CODE, now, now, "StartError", f"{launch.argv[0]}: {e.strerror or e}")
            self.pod.event(WARNING, "Failed", f"Error: failed to start container {self.name}: {e}")
            return Why.EXITED, START_ERROR_CODE
        return Instance(proc, self._target(launch), spec, asyncio.get_running_loop().create_future(), stdin=stdin[1] if stdin else None)

    def _take_over(self, inst: Instance) -> None:
        """Go on with what the earlier engine was doing to an adopted instance, then apply the current spec."""
        stopping, self._stopping = self._stopping, None
        deleting = bool(self.pod.pod["metadata"].get("deletionTimestamp"))
        restart = stopping is not None and (
            stopping.why == Why.FAILED.value or (stopping.why == Why.CHANGED.value and self._image_changed(inst.spec))
        )
        if stopping is not None and (restart or (stopping.why == Why.KILL.value and deleting)):
            inst.pre_stop_at = stopping.pre_stop_at
            if restart:
                inst.deadline = stopping.deadline
                inst.halt(Why(stopping.why), stopping.message)
            return
        if stopping is not None:  # a stop that no longer applies (an engine shutdown, an update undone)
            self.pod.ledger.update_run(inst.proc.pgid, stopping=None)
        self._apply_spec(inst)

    async def _supervise(self, inst: Instance) -> tuple[Why, int]:
        proc = inst.proc
        self.instance = inst
        self.container_id = f"process://{proc.pid}"
        proc.exited.add_done_callback(lambda _: inst.halt(Why.EXITED))
        if self._kill_requested:
            inst.halt(Why.KILL, f"Stopping container {self.name}")
        try:
            if not inst.running:
                await self._post_start(inst)
                if not inst.stop.done():
                    inst.running = True
                    self.pod.ledger.update_run(proc.pgid, running=True)
                    self._set_state({"running": {"startedAt": format_time(proc.started_at)}})
                    self.pod.event(NORMAL, "Started", f"Started container {self.name}")
                    self._start_probes(inst)
            elif not inst.stop.done():
                self._start_probes(inst)
            await wait_any([inst.stop])
            why = inst.stop.result()
            await self._stop_probes(inst)
            if why is not Why.EXITED:
                await self._stop(inst, why)
        finally:
            inst.end()
            self.pod.ledger.discard(proc.pgid)
            await self._flush_log()
        code = proc.exited.result() if proc.exited.done() else 128 + signal.SIGKILL
        finished = proc.finished_at or self.pod.clock.now()
        if proc.exit_observed:
            self._terminated(code, proc.started_at, finished, "Completed" if code == 0 else "Error")
        else:
            self._terminated(code, proc.started_at, finished, STATUS_UNKNOWN, EXIT_UNREAD)
        self.instance = None
        return why, code

    def _spawn(self, launch: Launch, spec: Obj, stdin: int | None) -> Process:
        """Start the log shim on this run's log file, then the container writing into the shim's pipe."""
        path = logs.run_log(self.pod.log_dir(self.name), self.restart_count)
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
        try:
            # Not in the ledger: the shim ends by itself at the end of its pipe, once the container
            # is gone. After a crash of the engine it goes on writing what the adopted container
            # prints (or, for a container the next engine kills, what is left), then exits.
            self._shim = self.pod.runtime.spawn(Spawn((sys.executable, "-I", "-S", logshim.__file__, str(path)), {}, path.parent, None, stdin=read_end))
            proc = self.pod.runtime.spawn(Spawn(launch.argv, launch.env, launch.cwd, write_end, stdin=stdin))
        finally:
            os.close(read_end)
            os.close(write_end)  # from here on only the container holds the pipe: its end is the shim's
            if stdin is not None:
                os.close(stdin)
        run = ContainerRun(self.name, spec, self.image, self.image_id, proc.started_at, self.restart_count, str(launch.cwd))
        self.pod.ledger.add_container(proc.pgid, run)
        return proc

    async def _flush_log(self) -> None:
        """Let the shim write what the finished run left in the pipe (it ends at end of file)."""
        shim, self._shim = self._shim, None
        if shim is not None:
            await shim.wait(LOG_FLUSH_WAIT)

    def _target(self, launch: Launch) -> Target:
        return Target(self.pod.place.ip, launch.ports, launch.env, launch.cwd, self.pod.runtime, self.pod.clock, self.pod.ledger)

    # ---- hot patch ---------------------------------------------------------------------------
    def _hot_patchable(self, inst: Instance) -> bool:
        """A hot patch needs the pod's consent, an image-only change and a process still running."""
        return (
            hotpatch.requested(self.pod.pod)
            and hotpatch.only_image_changed(inst.spec, self.spec)
            and inst.proc.running
            and not inst.stop.done()
        )

    def _hot_patch(self, inst: Instance) -> None:
        """Tell the live process about its new image instead of restarting it (see the module docstring)."""
        spec, old = self.spec, self.image
        image = str(spec.get("image") or "")
        try:
            launch = self.pod.launch(spec)
            self._publish_image(image)
        except LaunchError as e:
            self.pod.event(WARNING, "FailedHotPatch", f"Error: {e.message}; container {self.name} keeps running image {old}")
            return
        inst.spec, inst.target = spec, self._target(launch)
        self.image, self.image_id = image, launch.image.image_id
        self.pod.ledger.update_run(inst.proc.pgid, spec=spec, image=image, image_id=self.image_id)
        inst.proc.signal_group(signal.SIGHUP)
        self.pod.event(NORMAL, "HotPatched", f"Container {self.name} hot-patched from image {old} to {image}, sent SIGHUP")
        self.pod.changed()

    def _publish_image(self, reference: str) -> None:
        """Write the image file the process reads on SIGHUP; without it the container is not started."""
        path = hotpatch.image_file(self.pod.place.pod_dir, self.name)
        try:
            hotpatch.write_image_file(path, reference)
        except OSError as e:
            raise LaunchError(CONFIG_ERROR, f"cannot write {path}: {e.strerror or e}") from e

    # ---- hooks -------------------------------------------------------------------------------
    async def _post_start(self, inst: Instance) -> None:
        hook = lifecycle.hook_of(inst.spec, "postStart")
        if hook is None:
            return
        task = asyncio.ensure_future(lifecycle.run_hook(hook, inst.target, None))
        await wait_any([task, inst.stop])
        if not task.done():
            task.cancel()
            await wait_any([task])
            return
        outcome = _outcome(task)
        if not outcome.ok:
            self.pod.event(WARNING, lifecycle.FAILED_POST_START_HOOK, f"PostStartHook failed: {outcome.message}")
            inst.halt(Why.FAILED, f"Container {self.name} failed its postStart hook, will be restarted")

    async def _stop(self, inst: Instance, why: Why) -> None:
        """kubelet killContainer: preStop, SIGTERM to the group, the grace period, SIGKILL."""
        clock, proc = self.pod.clock, inst.proc
        own = inst.deadline
        if own is None and why is not Why.KILL:
            grace = inst.grace if inst.grace is not None else _grace(self.pod.pod, self.pod.tuning)
            own = clock.now() + grace

        def deadline() -> float:
            found = [d for d in (own, self.pod.kill_deadline()) if d is not None]
            return min(found) if found else clock.now()

        if inst.kill_message:
            self.pod.event(NORMAL, "Killing", inst.kill_message)
        hook = lifecycle.hook_of(inst.spec, "preStop")
        budget = deadline() - clock.now()
        pre_stop = hook is not None and inst.running and proc.running and budget > 0
        begun = inst.pre_stop_at
        if pre_stop and begun is None:
            inst.pre_stop_at = clock.now()
        self.pod.ledger.update_run(proc.pgid, stopping=Stopping(why.value, own, inst.pre_stop_at, inst.kill_message))
        if pre_stop and hook is not None and begun is not None:
            await wait_any([proc.exited], lifecycle.rest_of_sleep(hook, begun, clock.now(), budget))
        elif pre_stop and hook is not None:
            task = asyncio.ensure_future(lifecycle.run_hook(hook, inst.target, budget))
            await wait_any([task, proc.exited])
            if not task.done():
                task.cancel()
                await wait_any([task])
            elif not (outcome := _outcome(task)).ok:
                self.pod.event(WARNING, lifecycle.FAILED_PRE_STOP_HOOK, f"PreStopHook failed: {outcome.message}")
        term_at = clock.now()
        proc.signal_group(signal.SIGTERM)
        while proc.running:
            left = max(deadline(), term_at + self.pod.tuning.min_kill_grace) - clock.now()
            if left <= 0:
                break
            await wait_any([proc.exited, self._pulse.future()], left)
        if proc.running:
            proc.signal_group(signal.SIGKILL)
            if await proc.wait(self.pod.tuning.kill_wait) is None:
                log.error("container %s: process group %d survived SIGKILL", self.name, proc.pgid)

    # ---- probes ------------------------------------------------------------------------------
    def _start_probes(self, inst: Instance) -> None:
        startup = inst.spec.get("startupProbe")
        if startup and not inst.started:
            self._probe(inst, ProbeSpec.from_manifest("startup", startup), partial(self._on_startup, inst), None, True)
        else:
            self._on_started(inst)

    def _probe(
        self, inst: Instance, spec: ProbeSpec, report: Callable[[bool, Outcome], None], carried: bool | None, until_success: bool = False
    ) -> None:
        """Run a probe; ``carried`` is the result an adopted instance had (ignored for a new one)."""
        target = inst.target

        async def check() -> Outcome:
            return await run_action(spec.handler, target, spec.timeout)

        resume = Resume(self.pod.clock.now(), carried) if inst.adopted else None
        coro = run_probe(spec, check, self.pod.clock, inst.proc.started_at, report, until_success, resume, partial(self._on_check, spec.kind))
        inst.tasks.append(asyncio.create_task(coro, name=f"{spec.kind}-probe {self.name}"))

    def _on_started(self, inst: Instance) -> None:
        inst.started = True
        if not self.started_once.done():
            self.started_once.set_result(None)
        readiness, liveness = inst.spec.get("readinessProbe"), inst.spec.get("livenessProbe")
        if readiness:
            self._probe(inst, ProbeSpec.from_manifest("readiness", readiness), partial(self._on_readiness, inst), inst.ready)
        else:
            inst.ready = True
        if liveness:
            self._probe(inst, ProbeSpec.from_manifest("liveness", liveness), partial(self._on_failure, inst, "liveness"), True)
        self.pod.changed()

    def _on_startup(self, inst: Instance, ok: bool, outcome: Outcome) -> None:
        if ok:
            self._on_started(inst)
        else:
            self._on_failure(inst, "startup", ok, outcome)

    def _on_check(self, kind: ProbeKind, outcome: Outcome) -> None:
        """Every failed check is an ``Unhealthy`` event, in the kubelet's words (``prober.go``);
        the recorder counts repeats into one Event."""
        if outcome.errored:
            self.pod.event(WARNING, UNHEALTHY, f"{kind.capitalize()} probe errored and resulted in unknown state: {outcome.message}")
        elif not outcome.ok:
            self.pod.event(WARNING, UNHEALTHY, f"{kind.capitalize()} probe failed: {outcome.message}")

    def _on_readiness(self, inst: Instance, ok: bool, outcome: Outcome) -> None:
        inst.ready = ok
        self.pod.changed()

    def _on_failure(self, inst: Instance, kind: ProbeKind, ok: bool, outcome: Outcome) -> None:
        if ok:
            return
        probe = inst.spec.get(f"{kind}Probe") or {}
        grace = probe.get("terminationGracePeriodSeconds")
        inst.halt(
            Why.FAILED,
            f"Container {self.name} failed {kind} probe, will be restarted",
            float(grace) if grace is not None else None,
        )

    async def _stop_probes(self, inst: Instance) -> None:
        for t in inst.tasks:
            t.cancel()
        if inst.tasks:
            await asyncio.wait(inst.tasks)
        for t in inst.tasks:
            if not t.cancelled() and t.exception() is not None:
                log.error("container %s: %s failed", self.name, t.get_name(), exc_info=t.exception())
        inst.tasks.clear()

    # ---- restarts ----------------------------------------------------------------------------
    def _restarts(self, code: int) -> bool:
        """The pod's restartPolicy; an init container is restarted only after a failure (unless
        Never), a sidecar always (its own ``restartPolicy: Always``)."""
        if self.role == "sidecar":
            return True
        policy = self.pod.pod["spec"].get("restartPolicy") or "Always"
        if self.role == "init":
            return code != 0 and policy != "Never"
        return policy == "Always" or (policy == "OnFailure" and code != 0)

    def _image_changed(self, started_with: Obj) -> bool:
        return not self.pod.terminating and self.spec.get("image") != started_with.get("image")

    async def _back_off(self) -> None:
        clock = self.pod.clock
        wait = self.backoff.remaining(self._finished_at, clock.now())
        if wait > 0:
            md = self.pod.pod["metadata"]
            pod = f"{md['name']}_{md.get('namespace') or 'default'}({md.get('uid', '')})"
            delay = go_duration(self.backoff.delay or 0)
            self._set_state(
                {"waiting": {"reason": "CrashLoopBackOff", "message": f"back-off {delay} restarting failed container={self.name} pod={pod}"}}
            )
            self.pod.event(WARNING, "BackOff", f"Back-off restarting failed container {self.name} in pod {pod}")
            until = clock.now() + wait
            while not self.pod.terminating and self.spec.get("image") == self.image and clock.now() < until:
                await wait_any([self._pulse.future()], until - clock.now())
        if not self.pod.terminating:
            self.backoff.restarted(self._finished_at, clock.now())

    async def _pause(self, seconds: float) -> None:
        until = self.pod.clock.now() + seconds
        spec = self.spec
        while not self.pod.terminating and self.spec is spec and not self._config_changed and self.pod.clock.now() < until:
            await wait_any([self._pulse.future()], until - self.pod.clock.now())

    # ---- state -------------------------------------------------------------------------------
    def _set_state(self, state: Obj) -> None:
        if "terminated" in self.state and "terminated" not in state:
            self.last_state = self.state
        self.state = state
        self.pod.changed()

    def _terminated(self, code: int, started: float, finished: float, reason: str, message: str = "") -> None:
        term: Obj = {
            "exitCode": code,
            "reason": reason,
            "startedAt": format_time(started),
            "finishedAt": format_time(finished),
        }
        if message:
            term["message"] = message
        if self.container_id:
            term["containerID"] = self.container_id
        self._finished_at = finished
        self._set_state({"terminated": term})


def _outcome(task: asyncio.Future[Outcome]) -> Outcome:
    if task.cancelled():
        return Outcome(False, "cancelled")
    if task.exception() is not None:
        return Outcome(False, str(task.exception()))
    return task.result()


def _grace(pod: Obj, tuning: Tuning) -> float:
    grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds")
    return float(grace) if grace is not None else tuning.default_grace


def _previous_termination(previous: Obj) -> Obj:
    """lastState for a container started again by a node that adopted nothing of it: its recorded end, else an unknown one."""
    state = previous.get("state") or {}
    if "terminated" in state:
        return {"terminated": dict(state["terminated"])}
    if "running" in state:
        return {
            "terminated": {
                "exitCode": 137,
                "reason": "ContainerStatusUnknown",
                "message": "the engine restarted and could not adopt the container, so it was started again",
                "startedAt": state["running"].get("startedAt", ""),
            }
        }
    return dict(previous.get("lastState") or {})


def go_duration(seconds: float) -> str:
    """A duration as Go prints it in kubelet messages: 10s, 1m20s, 5m0s."""
    s = round(seconds, 3)
    if s < 60:
        return f"{s:g}s"
    minutes, rest = divmod(s, 60)
    return f"{int(minutes)}m{rest:g}s"
