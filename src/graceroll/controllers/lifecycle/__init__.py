"""Pod lifecycle hooks of OpenKruise workloads (``apis/apps/pub/lifecycle.go``, reference §1.2).

A hook is a set of labels and finalizers that someone else (a traffic manager, an operator) puts
on a pod to hold it in a ``Preparing*`` state; the workload controller waits until they are gone
(``is_hooked`` false) or all present (``is_all_hooked``), depending on the transition.
"""

from __future__ import annotations

from typing import Any

from graceroll.clock import format_time

Obj = dict[str, Any]

STATE_LABEL = "lifecycle.apps.kruise.io/state"
TIMESTAMP_ANNOTATION = "lifecycle.apps.kruise.io/timestamp"
PREPARING_NORMAL = "PreparingNormal"
NORMAL = "Normal"
PREPARING_UPDATE = "PreparingUpdate"
UPDATING = "Updating"
UPDATED = "Updated"
PREPARING_DELETE = "PreparingDelete"


def state(pod: Obj) -> str:
    return str((pod["metadata"].get("labels") or {}).get(STATE_LABEL, ""))


def set_state(pod: Obj, value: str, now: float) -> None:
    """Change the state label in place; every change also stamps the timestamp annotation."""
    pod["metadata"].setdefault("labels", {})[STATE_LABEL] = value
    pod["metadata"].setdefault("annotations", {})[TIMESTAMP_ANNOTATION] = format_time(now)


def is_hooked(hook: Obj | None, pod: Obj) -> bool:
    """Any finalizer of the hook, or any of its labels with the same value, is on the pod."""
    if not hook:
        return False
    labels = pod["metadata"].get("labels") or {}
    finalizers = pod["metadata"].get("finalizers") or []
    if any(f in finalizers for f in hook.get("finalizersHandler") or ()):
        return True
    return any(k in labels and labels[k] == v for k, v in (hook.get("labelsHandler") or {}).items())


def is_all_hooked(hook: Obj | None, pod: Obj) -> bool:
    """Every finalizer and every label of the hook is on the pod; a missing hook is never all hooked."""
    if not hook:
        return False
    labels = pod["metadata"].get("labels") or {}
    finalizers = pod["metadata"].get("finalizers") or []
    if not all(f in finalizers for f in hook.get("finalizersHandler") or ()):
        return False
    return all(k in labels and labels[k] == v for k, v in (hook.get("labelsHandler") or {}).items())
