"""What controllers need to know about a pod: active, ready, available, and which to delete first."""

from __future__ import annotations

from graceroll.api.meta import Obj
from graceroll.clock import parse_time

POD_READY = "Ready"
PHASE_ORDER = {"Pending": 0, "Unknown": 1, "Running": 2}


def phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase") or "Pending")


def is_active(pod: Obj) -> bool:
    """Counted toward replicas: not terminating and not finished (FilterActivePods)."""
    return not pod["metadata"].get("deletionTimestamp") and phase(pod) not in ("Succeeded", "Failed")


def is_terminating(pod: Obj) -> bool:
    """IsPodTerminating: marked for deletion and not finished (Succeeded/Failed)."""
    return bool(pod["metadata"].get("deletionTimestamp")) and phase(pod) not in ("Succeeded", "Failed")


def ready_condition(pod: Obj) -> dict[str, str] | None:
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == POD_READY:
            return c  # type: ignore[no-any-return]
    return None


def is_ready(pod: Obj) -> bool:
    c = ready_condition(pod)
    return c is not None and c.get("status") == "True"


def ready_since(pod: Obj) -> float | None:
    c = ready_condition(pod)
    if c is None or c.get("status") != "True" or not c.get("lastTransitionTime"):
        return None
    return parse_time(c["lastTransitionTime"])


def available_at(pod: Obj, min_ready_seconds: int) -> float | None:
    """The instant a ready pod counts as available; None if it is not ready."""
    since = ready_since(pod)
    if since is None:
        return None
    return since + min_ready_seconds


def is_available(pod: Obj, min_ready_seconds: int, now: float) -> bool:
    """IsPodAvailable: ready, and for minReadySeconds already (0 means as soon as ready)."""
    at = available_at(pod, min_ready_seconds)
    if at is None:
        return False
    return min_ready_seconds == 0 or at <= now


def restart_count(pod: Obj) -> int:
    return sum(int(cs.get("restartCount") or 0) for cs in (pod.get("status") or {}).get("containerStatuses") or ())


def deletion_rank(pod: Obj) -> tuple[object, ...]:
    """Sort key, lowest first = deleted first (controller_utils.go ActivePods.Less):
    unscheduled, then Pending < Unknown < Running, not ready before ready, lower
    controller.kubernetes.io/pod-deletion-cost, ready for a shorter time, more restarts, newer.
    """
    ann = pod["metadata"].get("annotations") or {}
    try:
        cost = int(ann.get("controller.kubernetes.io/pod-deletion-cost", "0"))
    except ValueError:
        cost = 0
    since = ready_since(pod)
    created = pod["metadata"].get("creationTimestamp")
    return (
        1 if pod.get("spec", {}).get("nodeName") else 0,
        PHASE_ORDER.get(phase(pod), 0),
        1 if is_ready(pod) else 0,
        cost,
        -(since if since is not None else 0.0),  # ready more recently -> smaller -> first
        -restart_count(pod),
        -parse_time(created) if created else 0.0,
        pod["metadata"]["name"],
    )
