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
"""

from __future__ import annotations

import asyncio
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
from graceroll.node.process import hotpatch, lifecycle, logs, logshim
from graceroll.node.process.actions import Outcome, Target, run_action
from graceroll.node.process.backoff import Backoff
from graceroll.node.process.launch import CONFIG_ERROR, Launch, LaunchError, PodPlace
from graceroll.node.process.ledger import Ledger
from graceroll.node.process.probes import ProbeKind, ProbeSpec, run_probe
from graceroll.node.process.runtime import Process, ProcessRuntime, Spawn
from graceroll.node.process.tuning import Tuning
from graceroll.node.process.waiting import Pulse, wait_any

log = logging.getLogger("graceroll.node")

NORMAL, WARNING = "Normal", "Warning"
START_ERROR_CODE = 128  # what runtimes report for a process that could not be executed
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

    proc: Process
    launch: Launch
    spec: Obj
    stop: asyncio.Future[Why]
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    running: bool = False  # postStart returned
    started: bool = False  # startup probe passed (or none)
    ready: bool = False
    kill_message: str = ""
    grace: float | None = None  # a probe's own terminationGracePeriodSeconds

    def halt(self, why: Why, message: str = "", grace: float | None = None) -> None:
        if not self.stop.done():
            self.stop.set_result(why)
            self.kill_message = message
            self.grace = grace


class ContainerRunner:
    def __init__(self, pod: PodSide, spec: Obj, previous: Obj | None = None, *, role: Role = "app", initializing: bool = False) -> None:
        """``role``: an app container, an init container (runs to completion) or a sidecar (an init
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
        if previous is not None:  # the pod ran before this node started: this is a restart
            self.restart_count = int(previous.get("restartCount") or 0) + 1
            self.last_state = _previous_termination(previous)
        self.backoff = Backoff(pod.tuning.backoff)
        self.instance: Instance | None = None
        self._finished_at = 0.0
        self._kill_requested = False
        self._config_changed = False
        self._shim: Process | None = None
        self._pulse = Pulse()

    # ---- called by the pod ---------------------------------------------------------------------
    def update(self, spec: Obj) -> None:
        """A new spec for this container; an image change restarts a running instance in place,
        unless the pod asks for a hot patch."""
        self.spec = spec
        inst = self.instance
        if inst is not None and self._image_changed(inst.spec):
            if self._hot_patchable(inst):
                self._hot_patch(inst)
            else:
                inst.halt(Why.CHANGED, f"Container {self.name} definition changed, will be restarted")
        self._pulse.fire()

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
            while not self.pod.terminating:
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
            if inst is not None and inst.proc.running:  # cancelled mid-way: leave nothing running
                inst.proc.signal_group(signal.SIGKILL)

    async def _run_once(self) -> tuple[Why, int]:
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
        self.image = str(spec.get("image") or "")
        self.image_id = launch.image.image_id
        try:
            proc = self._spawn(launch)
        except OSError as e:
            await self._flush_log()
            now = self.pod.clock.now()
            self.container_id = ""
            self._terminated(START_ERROR_CODE, now, now, "StartError", f"{launch.argv[0]}: {e.strerror or e}")
            self.pod.event(WARNING, "Failed", f"Error: failed to start container {self.name}: {e}")
            return Why.EXITED, START_ERROR_CODE
        inst = Instance(proc, launch, spec, asyncio.get_running_loop().create_future())
        self.instance = inst
        self.container_id = f"process://{proc.pid}"
        proc.exited.add_done_callback(lambda _: inst.halt(Why.EXITED))
        if self._kill_requested:
            inst.halt(Why.KILL, f"Stopping container {self.name}")
        try:
            await self._post_start(inst)
            if not inst.stop.done():
                inst.running = True
                self._set_state({"running": {"startedAt": format_time(proc.started_at)}})
                self.pod.event(NORMAL, "Started", f"Started container {self.name}")
                self._start_probes(inst)
            await wait_any([inst.stop])
            why = inst.stop.result()
            await self._stop_probes(inst)
            if why is not Why.EXITED:
                await self._stop(inst, why)
        finally:
            self.pod.ledger.discard(proc.pgid)
            await self._flush_log()
        code = proc.exited.result() if proc.exited.done() else 128 + signal.SIGKILL
        reason = "Completed" if code == 0 else "Error"
        self._terminated(code, proc.started_at, proc.finished_at or self.pod.clock.now(), reason)
        self.instance = None
        return why, code

    def _spawn(self, launch: Launch) -> Process:
        """Start the log shim on this run's log file, then the container writing into the shim's pipe."""
        path = logs.run_log(self.pod.log_dir(self.name), self.restart_count)
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
        try:
            # Not in the ledger: after a crash of the engine the next one kills the container, and
            # the shim, at the end of its pipe, writes what is left and exits by itself.
            self._shim = self.pod.runtime.spawn(Spawn((sys.executable, "-I", "-S", logshim.__file__, str(path)), {}, path.parent, None, read_end))
            proc = self.pod.runtime.spawn(Spawn(launch.argv, launch.env, launch.cwd, write_end))
        finally:
            os.close(read_end)
            os.close(write_end)  # from here on only the container holds the pipe: its end is the shim's
        self.pod.ledger.add(proc.pgid)
        return proc

    async def _flush_log(self) -> None:
        """Let the shim write what the finished run left in the pipe (it ends at end of file)."""
        shim, self._shim = self._shim, None
        if shim is not None:
            await shim.wait(LOG_FLUSH_WAIT)

    def _target(self, inst: Instance) -> Target:
        launch = inst.launch
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
        inst.spec, inst.launch = spec, launch
        self.image, self.image_id = image, launch.image.image_id
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
        task = asyncio.ensure_future(lifecycle.run_hook(hook, self._target(inst), None))
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
        own: float | None = None
        if why is not Why.KILL:
            grace = inst.grace if inst.grace is not None else _grace(self.pod.pod, self.pod.tuning)
            own = clock.now() + grace

        def deadline() -> float:
            found = [d for d in (own, self.pod.kill_deadline()) if d is not None]
            return min(found) if found else clock.now()

        if inst.kill_message:
            self.pod.event(NORMAL, "Killing", inst.kill_message)
        hook = lifecycle.hook_of(inst.spec, "preStop")
        budget = deadline() - clock.now()
        if hook is not None and inst.running and proc.running and budget > 0:
            task = asyncio.ensure_future(lifecycle.run_hook(hook, self._target(inst), budget))
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
        if startup:
            self._probe(inst, ProbeSpec.from_manifest("startup", startup), partial(self._on_startup, inst), True)
        else:
            self._on_started(inst)

    def _probe(self, inst: Instance, spec: ProbeSpec, report: Callable[[bool, Outcome], None], until_success: bool = False) -> None:
        target = self._target(inst)

        async def check() -> Outcome:
            return await run_action(spec.handler, target, spec.timeout)

        coro = run_probe(spec, check, self.pod.clock, inst.proc.started_at, report, until_success)
        inst.tasks.append(asyncio.create_task(coro, name=f"{spec.kind}-probe {self.name}"))

    def _on_started(self, inst: Instance) -> None:
        inst.started = True
        if not self.started_once.done():
            self.started_once.set_result(None)
        readiness, liveness = inst.spec.get("readinessProbe"), inst.spec.get("livenessProbe")
        if readiness:
            self._probe(inst, ProbeSpec.from_manifest("readiness", readiness), partial(self._on_readiness, inst))
        else:
            inst.ready = True
        if liveness:
            self._probe(inst, ProbeSpec.from_manifest("liveness", liveness), partial(self._on_failure, inst, "liveness"))
        self.pod.changed()

    def _on_startup(self, inst: Instance, ok: bool, outcome: Outcome) -> None:
        if ok:
            self._on_started(inst)
        else:
            self._on_failure(inst, "startup", ok, outcome)

    def _on_readiness(self, inst: Instance, ok: bool, outcome: Outcome) -> None:
        inst.ready = ok
        if not ok:
            self.pod.event(WARNING, "Unhealthy", f"Readiness probe failed: {outcome.message}")
        self.pod.changed()

    def _on_failure(self, inst: Instance, kind: ProbeKind, ok: bool, outcome: Outcome) -> None:
        if ok:
            return
        self.pod.event(WARNING, "Unhealthy", f"{kind.capitalize()} probe failed: {outcome.message}")
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
    """lastState for a container restarted by a node restart: its recorded end, else an unknown one."""
    state = previous.get("state") or {}
    if "terminated" in state:
        return {"terminated": dict(state["terminated"])}
    if "running" in state:
        return {
            "terminated": {
                "exitCode": 137,
                "reason": "ContainerStatusUnknown",
                "message": "the node restarted: the container was restarted, not adopted",
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
