"""The pod status the node reports: a pure function of what the containers do and the stored status.

The node owns ``phase``, ``podIP(s)``, ``hostIP(s)``, ``startTime``, ``containerStatuses`` and the
conditions PodScheduled, Initialized, ContainersReady and Ready. Everything else in the stored
status (conditions set by controllers, such as ``InPlaceUpdateReady``) is kept as it is.

- Phase: ``kubernetes/kubernetes:pkg/kubelet/kubelet_pods.go`` ``getPhase``, init containers
  included; ``Initialized`` is False (``ContainersNotInitialized``) until they have completed.
- Ready: ``pkg/kubelet/status/generate.go`` ``GeneratePodReadyCondition``: all containers ready
  and every readiness gate's condition True.
- A condition's ``lastTransitionTime`` changes only when its status does, so recomputing an
  unchanged pod gives an identical status and the caller writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graceroll.api.meta import Obj, clone

OWNED_CONDITIONS = ("PodScheduled", "Initialized", "ContainersReady", "Ready")
CONTAINERS_NOT_READY = "ContainersNotReady"
READINESS_GATES_NOT_READY = "ReadinessGatesNotReady"
POD_COMPLETED = "PodCompleted"
CONTAINERS_NOT_INITIALIZED = "ContainersNotInitialized"


@dataclass(frozen=True)
class PodFacts:
    ip: str
    host_ip: str
    start_time: str
    restart_policy: str
    readiness_gates: tuple[str, ...]
    phase: str | None = None  # a phase already final (Succeeded/Failed) stays


def _init_counts(init_containers: Sequence[Obj]) -> tuple[int, int]:
    """(pending, failed) init containers, as ``getPhase`` counts them; a started sidecar counts as neither."""
    pending = failed = 0
    for cs in init_containers:
        state, last = cs.get("state") or {}, cs.get("lastState") or {}
        if cs.get("sidecar"):
            pending += not cs.get("started")
        elif "running" in state:
            pending += 1
        elif "terminated" in state:
            failed += state["terminated"].get("exitCode") != 0
        elif "terminated" in last:
            failed += last["terminated"].get("exitCode") != 0
        else:
            pending += 1
    return pending, failed


def pod_phase(restart_policy: str, containers: Sequence[Obj], init_containers: Sequence[Obj] = ()) -> str:
    """getPhase over container statuses, init containers first: a failed one under restartPolicy
    Never fails the pod; while one is pending (and no app container ever started) it is Pending."""
    pending_init, failed_init = _init_counts(init_containers)
    if failed_init and restart_policy == "Never":
        return "Failed"
    started = any("running" in (cs.get("state") or {}) or "terminated" in (cs.get("state") or {}) for cs in containers)
    if pending_init and not started:
        return "Pending"
    waiting = running = stopped = succeeded = 0
    for cs in containers:
        state = cs.get("state") or {}
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            if state["terminated"].get("exitCode") == 0:
                succeeded += 1
        elif "waiting" in state and "terminated" in (cs.get("lastState") or {}):
            stopped += 1
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if not stopped:
        return "Pending"
    if restart_policy == "Always":
        return "Running"
    if stopped == succeeded:
        return "Succeeded"
    if restart_policy == "OnFailure":
        return "Running"
    return "Failed"


def pod_status(stored: Obj, facts: PodFacts, containers: Sequence[Obj], now: str, init_containers: Sequence[Obj] = ()) -> Obj:
    """The status to write: ``stored`` with the node's fields recomputed. Entries of
    ``init_containers`` may carry ``sidecar: True`` (a restartable init container); it is not written."""
    status = clone(stored)
    phase = facts.phase or pod_phase(facts.restart_policy, containers, init_containers)
    previous = {c.get("type"): c for c in stored.get("conditions") or ()}
    foreign = [c for c in stored.get("conditions") or () if c.get("type") not in OWNED_CONDITIONS]
    ours = _conditions(phase, containers, facts, previous, now, init_containers)
    status.update(
        phase=phase,
        conditions=[_transition(c, previous.get(c["type"]), now) for c in ours] + [clone(c) for c in foreign],
        hostIP=facts.host_ip,
        hostIPs=[{"ip": facts.host_ip}],
        podIP=facts.ip,
        podIPs=[{"ip": facts.ip}],
        startTime=facts.start_time,
        containerStatuses=list(containers),
    )
    if init_containers:
        status["initContainerStatuses"] = [{k: v for k, v in cs.items() if k != "sidecar"} for cs in init_containers]
    return status


def _initialized(init_containers: Sequence[Obj], facts: PodFacts) -> Obj:
    """``Initialized``: every init container completed (a sidecar: started)."""
    incomplete = [
        str(cs.get("name"))
        for cs in init_containers
        if not (cs.get("started") if cs.get("sidecar") else ((cs.get("state") or {}).get("terminated") or {}).get("exitCode") == 0)
    ]
    if not incomplete:
        return {"status": "True", "lastTransitionTime": facts.start_time} if not init_containers else {"status": "True"}
    return {"status": "False", "reason": CONTAINERS_NOT_INITIALIZED, "message": f"containers with incomplete status: [{' '.join(incomplete)}]"}


def _conditions(
    phase: str, containers: Sequence[Obj], facts: PodFacts, previous: dict[Any, Obj], now: str, init_containers: Sequence[Obj] = ()
) -> list[Obj]:
    unready = [str(c.get("name")) for c in containers if not c.get("ready")]
    if phase == "Succeeded":
        containers_ready = {"status": "False", "reason": POD_COMPLETED}
    elif unready:
        containers_ready = {
            "status": "False",
            "reason": CONTAINERS_NOT_READY,
            "message": f"containers with unready status: [{' '.join(unready)}]",
        }
    else:
        containers_ready = {"status": "True"}
    ready = dict(containers_ready)
    if containers_ready["status"] == "True":
        for gate in facts.readiness_gates:
            cond = previous.get(gate)
            if cond is None:
                ready = {
                    "status": "False",
                    "reason": READINESS_GATES_NOT_READY,
                    "message": f'corresponding condition of pod readiness gate "{gate}" does not exist.',
                }
                break
            if cond.get("status") != "True":
                ready = {
                    "status": "False",
                    "reason": READINESS_GATES_NOT_READY,
                    "message": f'the status of pod readiness gate "{gate}" is not "True", but {cond.get("status")}',
                }
                break
    started = {"status": "True", "lastTransitionTime": facts.start_time}
    return [
        {"type": "PodScheduled", **started},
        {"type": "Initialized", **_initialized(init_containers, facts)},
        {"type": "ContainersReady", **containers_ready},
        {"type": "Ready", **ready},
    ]


def _transition(cond: Obj, before: Obj | None, now: str) -> Obj:
    """Keep the previous lastTransitionTime while the status stays the same."""
    if before is not None and before.get("status") == cond["status"] and before.get("lastTransitionTime"):
        return {**cond, "lastTransitionTime": before["lastTransitionTime"]}
    return {**cond, "lastTransitionTime": cond.get("lastTransitionTime") or now}
