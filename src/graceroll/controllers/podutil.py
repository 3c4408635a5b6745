"""What controllers need to know about a pod: active, terminating, ready, available."""

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


def split_active(pods: list[Obj]) -> tuple[list[Obj], int]:
    """(active pods, how many are terminating): FilterActivePods and len(FilterTerminatingPods) in one pass."""
    active: list[Obj] = []
    terminating = 0
    for p in pods:
        finished = phase(p) in ("Succeeded", "Failed")
        if p["metadata"].get("deletionTimestamp"):
            terminating += not finished
        elif not finished:
            active.append(p)
    return active, terminating


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
