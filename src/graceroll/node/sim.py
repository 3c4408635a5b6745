"""A simulated node: pods follow declared timings on a virtual clock instead of running.

Each pod's life is a pure function of its spec, its image's behaviour and the time it was
started, so the agent is level-triggered like every controller: it computes the pod's current
phase from the clock, writes it if it changed, and asks to be called at the next transition.

Timeline of one pod (startSeconds s, readinessProbe initialDelaySeconds i, periodSeconds p,
successThreshold n): scheduled at t0, containers running at t0+s, Ready at t0+s+i+(n-1)p
(without a probe: at t0+s). An app that is unhealthy for a while (``unhealthy`` windows,
``flapping``) fails its readiness checks then, as ``node.sim_probes`` counts them. A crashing image exits at once each time it runs and never becomes
ready; it restarts as a kubelet restarts it (``node.process.backoff``): at once the first time, then
after 10 s, 20 s, 40 s … 300 s. A deleted pod disappears after ``stopSeconds``
(default: its whole grace period, the worst case).

Readiness gates (``spec.readinessGates``) are honoured as the kubelet does: Ready needs
ContainersReady and every gate's condition True; conditions the node does not own (such as
``InPlaceUpdateReady``, written by a CloneSet) are kept as they are. An in-place update (a
container's image changed in the spec of a running pod) restarts that container alone, as the
kubelet does: the old container is terminated at once and its status (old image, old imageID,
restartCount) stays until the new container runs after the new image's startSeconds; only then
do image, imageID and restartCount change and the old one move to ``lastState`` (so an
in-place update is complete when the new container exists, not when its image was patched).
The pod keeps its name and start time.
A pod annotated ``io.kubernetes.hotpatch.container: "true"`` (BCS HotPatchUpdate) gets the new
image under the running container instead: no restart, the container's start time is kept.

A pod that reads a ConfigMap or Secret that does not exist (not ``optional``: an env reference or
a volume) does not start: its containers wait with the kubelet's reason and message
(``CreateContainerConfigError``, or ``ContainerCreating`` for a volume) until the object
appears; its timeline then starts at that instant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graceroll.api.meta import Obj
from graceroll.clock import Clock, format_time, parse_time
from graceroll.controllers.runtime import Key, Result
from graceroll.node.process import config_refs
from graceroll.node.sim_probes import Health, Readiness, readiness
from graceroll.store.base import Store, WatchEvent

NODE_NAME = "sim-node"
BACKOFF_START, BACKOFF_MAX = 10.0, 300.0
HOTPATCH_ANNOTATION = "io.kubernetes.hotpatch.container"  # BCS: swap the image, keep the container running


@dataclass(frozen=True)
class Behaviour:
    start_seconds: float = 1.0
    ready_seconds: float = 0.0  # after start, the app can answer (probes fail before)
    crash: bool = False
    never_ready: bool = False
    stop_seconds: float | None = None  # None: the grace period
    unhealthy: tuple[tuple[float, float], ...] = ()  # absolute [from, to): the app fails its probes
    flapping: tuple[tuple[float, float], ...] = ()  # (every, for) seconds, from when the app came up

    @property
    def health(self) -> Health:
        return Health(self.ready_seconds, self.unhealthy, self.flapping)


@dataclass(frozen=True)
class Behaviours:
    default: Behaviour = field(default_factory=Behaviour)
    images: dict[str, Behaviour] = field(default_factory=dict)

    def for_pod(self, pod: Obj) -> Behaviour:
        """The slowest behaviour among the pod's containers (a pod is as ready as its last container)."""
        found = [self.images.get(c.get("image", ""), self.default) for c in pod["spec"].get("containers") or ()]
        if not found:
            return self.default
        if len(found) == 1:
            return found[0]
        return Behaviour(
            start_seconds=max(b.start_seconds for b in found),
            ready_seconds=max(b.ready_seconds for b in found),
            crash=any(b.crash for b in found),
            never_ready=any(b.never_ready for b in found),
            stop_seconds=None if any(b.stop_seconds is None for b in found) else max(b.stop_seconds or 0 for b in found),
            unhealthy=tuple(w for b in found for w in b.unhealthy),
            flapping=tuple(f for b in found for f in b.flapping),
        )


def readiness_probe(pod: Obj) -> Obj | None:
    """The pod's readiness probe: the first container's that has one (the pod-level timeline)."""
    for c in pod["spec"].get("containers") or ():
        if c.get("readinessProbe"):
            return c["readinessProbe"]  # type: ignore[no-any-return]
    return None


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
        kind, md = event.object["kind"], event.object["metadata"]
        if kind == "Pod" and event.type != "DELETED":
            return ((md["namespace"], md["name"]),)
        if kind in config_refs.ENV_FROM_REFS.values():  # a pod waiting for it may start now
            return [
                (md["namespace"], p["metadata"]["name"])
                for p in self.store.list("Pod", md["namespace"])
                if not (p.get("status") or {}).get("startTime") and config_refs.references(p, kind, md["name"])
            ]
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
            blocked = config_refs.unresolved(pod, self.store.try_get)
            if blocked is not None:  # as the kubelet: the containers wait until the object exists
                waiting = _waiting(pod, status, *blocked)
                if waiting != status:
                    self.store.update_status(dict(pod, status=waiting))
                return Result()
            self.store.update_status(dict(pod, status=with_gates(pod, status, self._status(pod, b, now, now))))
            return Result(b.start_seconds)
        t0 = parse_time(status["startTime"])
        if restarted_in_place(pod, status):
            new_status, delay = self._in_place_status(pod, status, t0, now)
        else:
            new_status, delay = self._status(pod, b, t0, now), self._next_change(pod, b, t0, now)
        new_status = with_gates(pod, status, new_status)
        if new_status != status:
            self.store.update_status(dict(pod, status=new_status))
        return Result(delay)

    def _next_change(self, pod: Obj, b: Behaviour, t0: float, now: float) -> float | None:
        running_at = t0 + b.start_seconds
        if now < running_at:
            return running_at - now
        if b.crash:
            return crash_restarts(now - running_at)[1]
        r = _readiness(readiness_probe(pod), b, running_at, now)
        return None if r is None or r.next_change is None else r.next_change - now

    def _status(self, pod: Obj, b: Behaviour, t0: float, now: float) -> dict[str, Any]:
        """The pod status at ``now`` for a pod started at ``t0``; timestamps are the transition instants."""
        running_at = t0 + b.start_seconds
        running = now >= running_at
        r = _readiness(readiness_probe(pod), b, running_at, now) if running else None
        ready = r is not None and r.ready
        ts = format_time
        restarts = crash_restarts(now - running_at)[0] if (b.crash and running) else 0
        ready_t = ts(r.since if r is not None else running_at if running else t0)
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

    def _in_place_status(self, pod: Obj, old: dict[str, Any], t0: float, now: float) -> tuple[dict[str, Any], float | None]:
        """The status of a pod some of whose containers were restarted by an in-place update.

        Each container runs from its own start: the pod's start, or the instant its image changed.
        While the new container does not run yet, the old one's status stands, terminated at that
        instant (its ``finishedAt`` remembers it); once it runs, ``lastState`` keeps it.
        Returns (status, seconds to the next change).
        """
        ts = format_time
        previous = {cs.get("name"): cs for cs in old.get("containerStatuses") or ()}
        containers: list[dict[str, Any]] = []
        ready_ats: list[float] = []
        waiting_since: list[float] = []
        changes: list[float] = []
        running_any = old.get("phase") == "Running"
        hot_patched = (pod["metadata"].get("annotations") or {}).get(HOTPATCH_ANNOTATION) == "true"
        for c in pod["spec"].get("containers") or ():
            image = c.get("image", "")
            b = self.behaviours.images.get(image, self.behaviours.default)
            prev = previous.get(c.get("name")) or {}
            last = prev.get("lastState") or {}
            restarts = int(prev.get("restartCount") or 0)
            if prev and prev.get("image") != image and not hot_patched:
                term = (prev.get("state") or {}).get("terminated")
                if term is None:  # the restart begins now: the old container is stopped
                    term = {"exitCode": 0, "reason": "Completed", "finishedAt": ts(now)}
                    started = ((prev.get("state") or {}).get("running") or {}).get("startedAt")
                    if started:
                        term["startedAt"] = started
                since = parse_time(term["finishedAt"])
                if now < since + b.start_seconds:  # no new container yet: the old one's status stands
                    containers.append(dict(prev, ready=False, started=False, state={"terminated": term}))
                    changes.append(since + b.start_seconds - now)
                    waiting_since.append(since)
                    continue
                restarts += 1
                last = {"terminated": term}
            elif (last.get("terminated") or {}).get("finishedAt"):
                since = parse_time(last["terminated"]["finishedAt"])
            else:
                since = t0
            running_at = since + b.start_seconds
            running = now >= running_at
            r = _readiness(c.get("readinessProbe"), b, running_at, now) if running else None
            running_any = running_any or running
            if not running:
                state: dict[str, Any] = {"waiting": {"reason": "ContainerCreating"}}
                changes.append(running_at - now)
            elif b.crash:
                state = {"waiting": {"reason": "CrashLoopBackOff"}}
            else:
                state = {"running": {"startedAt": ts(running_at)}}
            if r is not None and r.ready:
                ready_ats.append(r.since)
            else:
                waiting_since.append(r.since if r is not None else since)
            if r is not None and r.next_change is not None:
                changes.append(r.next_change - now)
            status = {
                "name": c.get("name", ""),
                "image": image,
                "imageID": "sim://" + image,
                "ready": r is not None and r.ready,
                "started": running and not b.crash,
                "restartCount": restarts,
                "state": state,
            }
            if last:
                status["lastState"] = last
            containers.append(status)
        all_ready = not waiting_since
        ready_t = ts(max(ready_ats) if all_ready and ready_ats else max(waiting_since, default=t0))
        conditions = [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": ts(t0)},
            {"type": "Initialized", "status": "True", "lastTransitionTime": ts(t0)},
            {"type": "ContainersReady", "status": "True" if all_ready else "False", "lastTransitionTime": ready_t},
            {"type": "Ready", "status": "True" if all_ready else "False", "lastTransitionTime": ready_t},
        ]
        status_out = {
            "phase": "Running" if running_any else "Pending",
            "hostIP": "127.0.0.1",
            "startTime": ts(t0),
            "conditions": conditions,
            "containerStatuses": containers,
        }
        return status_out, min(changes) if changes else None


_NODE_CONDITIONS = ("PodScheduled", "Initialized", "ContainersReady", "Ready")


def _readiness(probe: Obj | None, b: Behaviour, running_at: float, now: float) -> Readiness | None:
    """The readiness of a running container; None if it never becomes ready (crashing, or stuck)."""
    if b.crash or b.never_ready:
        return None
    if probe is None:
        return Readiness(True, running_at, None)  # nothing checks the app
    return readiness(probe, b.health, running_at, now)


def _waiting(pod: Obj, status: dict[str, Any], reason: str, message: str) -> dict[str, Any]:
    """A pod whose containers cannot start yet (a ConfigMap or Secret it needs does not exist)."""
    state = {"waiting": {"reason": reason, "message": message}}
    containers = [
        {"name": c.get("name", ""), "image": c.get("image", ""), "imageID": "", "ready": False, "started": False, "restartCount": 0, "state": state}
        for c in pod["spec"].get("containers") or ()
    ]
    return dict(status, phase="Pending", containerStatuses=containers)


def restarted_in_place(pod: Obj, status: dict[str, Any]) -> bool:
    """A container's image differs from the one running, or a container was restarted that way before."""
    images = {c.get("name"): c.get("image", "") for c in pod["spec"].get("containers") or ()}
    for cs in status.get("containerStatuses") or ():
        if cs.get("name") in images and cs.get("image") != images[cs.get("name")]:
            return True
        if (cs.get("lastState") or {}).get("terminated"):
            return True
    return False


def with_gates(pod: Obj, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Keep conditions the node does not own, and hold Ready back until every readiness gate is True.

    Pods without gates and foreign conditions (every Deployment pod) come back unchanged.
    """
    foreign = [c for c in old.get("conditions") or () if c.get("type") not in _NODE_CONDITIONS]
    gates = [g.get("conditionType") for g in pod["spec"].get("readinessGates") or ()]
    if not foreign and not gates:
        return new
    by_type = {c.get("type"): c for c in foreign}
    conditions = [dict(c) for c in new.get("conditions") or ()]
    containers = next((c for c in conditions if c["type"] == "ContainersReady"), None)
    ready = next((c for c in conditions if c["type"] == "Ready"), None)
    if gates and containers is not None and ready is not None and containers["status"] == "True":
        closed = [by_type.get(g) for g in gates if (by_type.get(g) or {}).get("status") != "True"]
        if closed:
            times = [c["lastTransitionTime"] for c in closed if c and c.get("lastTransitionTime")]
            ready.update(status="False", lastTransitionTime=max(times, key=parse_time) if times else containers["lastTransitionTime"])
        else:
            times = [containers["lastTransitionTime"]] + [
                by_type[g]["lastTransitionTime"] for g in gates if by_type[g].get("lastTransitionTime")
            ]
            ready["lastTransitionTime"] = max(times, key=parse_time)
    return dict(new, conditions=conditions + [dict(c) for c in foreign])
