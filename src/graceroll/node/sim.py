"""A simulated node: pods follow declared timings on a virtual clock instead of running.

Each pod's life is a pure function of its spec, its image's behaviour and the time it was
started, so the agent is level-triggered like every controller: it computes the pod's current
phase from the clock, writes it if it changed, and asks to be called at the next transition.

Timeline of one pod (startSeconds s, readinessProbe initialDelaySeconds i, periodSeconds p,
successThreshold n): scheduled at t0, containers running at t0+s, Ready at t0+s+i+(n-1)p
(without a probe: at t0+s). A crashing image exits at once each time it runs and never becomes
ready; it restarts as a kubelet restarts it (``node.process.backoff``): at once the first time, then
after 10 s, 20 s, 40 s … 300 s. A deleted pod disappears after ``stopSeconds``
(default: its whole grace period, the worst case).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graceroll.api.meta import Obj
from graceroll.clock import Clock, format_time, parse_time
from graceroll.controllers.runtime import Key, Result
from graceroll.store.base import Store, WatchEvent

NODE_NAME = "sim-node"
BACKOFF_START, BACKOFF_MAX = 10.0, 300.0


@dataclass(frozen=True)
class Behaviour:
    start_seconds: float = 1.0
    ready_seconds: float = 0.0  # after start, the app can answer (probes fail before)
    crash: bool = False
    never_ready: bool = False
    stop_seconds: float | None = None  # None: the grace period


@dataclass(frozen=True)
class Behaviours:
    default: Behaviour = field(default_factory=Behaviour)
    images: dict[str, Behaviour] = field(default_factory=dict)

    def for_pod(self, pod: Obj) -> Behaviour:
        """The slowest behaviour among the pod's containers (a pod is as ready as its last container)."""
        found = [self.images.get(c.get("image", ""), self.default) for c in pod["spec"].get("containers") or ()]
        if not found:
            return self.default
        return Behaviour(
            start_seconds=max(b.start_seconds for b in found),
            ready_seconds=max(b.ready_seconds for b in found),
            crash=any(b.crash for b in found),
            never_ready=any(b.never_ready for b in found),
            stop_seconds=None if any(b.stop_seconds is None for b in found) else max(b.stop_seconds or 0 for b in found),
        )


def ready_delay(pod: Obj, b: Behaviour) -> float:
    """Seconds from container start to Ready: the first passing probe, then successThreshold-1 more."""
    probe = None
    for c in pod["spec"].get("containers") or ():
        if c.get("readinessProbe"):
            probe = c["readinessProbe"]
            break
    if probe is None:
        return 0.0
    initial = float(probe.get("initialDelaySeconds") or 0)
    period = float(probe.get("periodSeconds") or 10)
    threshold = int(probe.get("successThreshold") or 1)
    first = initial
    if b.ready_seconds > first:
        k = -(-(b.ready_seconds - initial) // period)  # probes until one lands after the app is ready
        first = initial + k * period
    return first + (threshold - 1) * period


def crash_restarts(elapsed: float) -> tuple[int, float]:
    """(restarts so far, seconds until the next) after ``elapsed`` seconds of crash-looping.

    The first exit is restarted at once; the wait before each later restart doubles from 10 s.
    """
    restarts, t, delay = 1, 0.0, BACKOFF_START
    while t + delay <= elapsed and restarts < 10_000:
        t += delay
        restarts += 1
        delay = min(delay * 2, BACKOFF_MAX)
    return restarts, t + delay - elapsed


class SimNode:
    name = "sim-node"

    def __init__(self, store: Store, clock: Clock, behaviours: Behaviours) -> None:
        self.store = store
        self.clock = clock
        self.behaviours = behaviours

    def all_keys(self) -> list[Key]:
        return [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in self.store.list("Pod")]

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        if event.object["kind"] == "Pod" and event.type != "DELETED":
            md = event.object["metadata"]
            return ((md["namespace"], md["name"]),)
        return ()

    def reconcile(self, key: Key) -> Result:
        pod = self.store.try_get("Pod", *key)
        if pod is None:
            return Result()
        now = self.clock.now()
        b = self.behaviours.for_pod(pod)
        md = pod["metadata"]
        if md.get("deletionTimestamp"):
            grace = float(md.get("deletionGracePeriodSeconds") or 0)
            started = parse_time(md["deletionTimestamp"]) - grace
            gone_at = started + (grace if b.stop_seconds is None else min(b.stop_seconds, grace))
            if now >= gone_at:
                self.store.delete("Pod", key[0], key[1], grace_period_seconds=0)
                return Result()
            return Result(gone_at - now)
        status = pod.get("status") or {}
        if not status.get("startTime"):
            self.store.update_status(dict(pod, status=self._status(pod, b, now, now)))
            return Result(b.start_seconds)
        t0 = parse_time(status["startTime"])
        new_status = self._status(pod, b, t0, now)
        if new_status != status:
            self.store.update_status(dict(pod, status=new_status))
        return Result(self._next_change(pod, b, t0, now))

    def _next_change(self, pod: Obj, b: Behaviour, t0: float, now: float) -> float | None:
        running_at = t0 + b.start_seconds
        if now < running_at:
            return running_at - now
        if b.crash:
            return crash_restarts(now - running_at)[1]
        if b.never_ready:
            return None
        ready_at = running_at + ready_delay(pod, b)
        return ready_at - now if now < ready_at else None

    def _status(self, pod: Obj, b: Behaviour, t0: float, now: float) -> dict[str, Any]:
        """The pod status at ``now`` for a pod started at ``t0``; timestamps are the transition instants."""
        running_at = t0 + b.start_seconds
        ready_at = None if (b.crash or b.never_ready) else running_at + ready_delay(pod, b)
        running = now >= running_at
        ready = ready_at is not None and now >= ready_at
        ts = format_time
        restarts = crash_restarts(now - running_at)[0] if (b.crash and running) else 0
        ready_t = ts(ready_at) if ready and ready_at is not None else ts(running_at if running else t0)
        conditions = [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": ts(t0)},
            {"type": "Initialized", "status": "True", "lastTransitionTime": ts(t0)},
            {"type": "ContainersReady", "status": "True" if ready else "False", "lastTransitionTime": ready_t},
            {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": ready_t},
        ]
        containers = []
        for c in pod["spec"].get("containers") or ():
            if not running:
                state: dict[str, Any] = {"waiting": {"reason": "ContainerCreating"}}
            elif b.crash:
                state = {"waiting": {"reason": "CrashLoopBackOff"}}
            else:
                state = {"running": {"startedAt": ts(running_at)}}
            containers.append(
                {
                    "name": c.get("name", ""),
                    "image": c.get("image", ""),
                    "imageID": "sim://" + c.get("image", ""),
                    "ready": ready,
                    "started": running and not b.crash,
                    "restartCount": restarts,
                    "state": state,
                }
            )
        return {
            "phase": "Running" if running else "Pending",
            "hostIP": "127.0.0.1",
            "startTime": ts(t0),
            "conditions": conditions,
            "containerStatuses": containers,
        }
