"""What an update may change in a Pod's spec (``ValidatePodUpdate``, ``pkg/apis/core/validation``).

A pod's spec is fixed once it exists, except: container and init container images,
``activeDeadlineSeconds`` (set, or lowered; never raised or removed), tolerations (additions
only; an existing one may change only its ``tolerationSeconds``), ``schedulingGates``
(removals only) and ``terminationGracePeriodSeconds`` (from a negative value to 1). Anything
else is refused with upstream's message; where upstream appends Go's ``cmp.Diff`` of the two
specs, graceroll names the changed fields on the same line (a deviation in form only).

The stored pod is defaulted before the comparison, as the API server holds only defaulted pods:
pods the engine's controllers created (not defaulted) can still be labelled or patched.
"""

from __future__ import annotations

from typing import Any

from graceroll.api import field_checks as fc
from graceroll.api.meta import Obj, clone
from graceroll.errors import FieldError

MAX_INT32 = 2**31 - 1
UPDATABLE = (
    "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    "`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)
SHOWN_CHANGES = 5


def validate_pod_update(new: Obj, old: Obj, default: Any) -> list[FieldError]:
    """``default``: the pod defaulter, applied to a copy of ``old``."""
    before_pod = clone(old)
    default(before_pod)
    spec, before = new.get("spec") or {}, before_pod.get("spec") or {}
    errs: list[FieldError] = []
    for key in ("containers", "initContainers"):
        if len(spec.get(key) or ()) != len(before.get(key) or ()):
            return [fc.forbidden(f"spec.{key}", "pod updates may not add or remove containers")]
        for i, c in enumerate(spec.get(key) or ()):
            if isinstance(c, dict) and not c.get("image"):
                errs.append(fc.required(f"spec.{key}[{i}].image"))
    errs += _active_deadline(spec.get("activeDeadlineSeconds"), before.get("activeDeadlineSeconds"))
    errs += _tolerations(spec.get("tolerations") or [], before.get("tolerations") or [])
    gates = [g for g in spec.get("schedulingGates") or () if g not in (before.get("schedulingGates") or ())]
    if gates:
        errs.append(fc.forbidden("spec.schedulingGates", "only deletion is allowed, but found new scheduling gate"))
    if errs or spec == before:
        return errs
    munged = clone(spec)
    for key in ("containers", "initContainers"):
        for c, was in zip(munged.get(key) or (), before.get(key) or ()):
            if isinstance(c, dict) and isinstance(was, dict):
                c["image"] = was.get("image")
    for key in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        munged.pop(key, None)
        if key in before:
            munged[key] = before[key]
    old_grace = before.get("terminationGracePeriodSeconds")
    if isinstance(old_grace, int) and old_grace < 0 and munged.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    if munged == before:
        return []
    changed = changed_paths(before, munged, "spec")
    shown = ", ".join(changed[:SHOWN_CHANGES]) + (f" and {len(changed) - SHOWN_CHANGES} more" if len(changed) > SHOWN_CHANGES else "")
    return [fc.forbidden("spec", f"pod updates may not change fields other than {UPDATABLE} (changed: {shown})")]


def _active_deadline(new: Any, old: Any) -> list[FieldError]:
    path = "spec.activeDeadlineSeconds"
    if new is None:
        return [fc.invalid(path, None, "must not update from a positive integer to nil value")] if old is not None else []
    if not isinstance(new, int) or new < 0 or new > MAX_INT32:
        return [fc.invalid(path, new, f"must be between 0 and {MAX_INT32}, inclusive")]
    if isinstance(old, int) and old < new:
        return [fc.invalid(path, new, "must be less than or equal to previous value")]
    return []


def _tolerations(new: list[Any], old: list[Any]) -> list[FieldError]:
    """``validateOnlyAddedTolerations``: every existing toleration stays (its tolerationSeconds may change)."""

    def key(t: Any) -> Any:
        return {k: v for k, v in t.items() if k != "tolerationSeconds"} if isinstance(t, dict) else t

    kept = [key(t) for t in new]
    for i, t in enumerate(old):
        if key(t) not in kept:
            return [fc.forbidden(f"spec.tolerations[{i}]", "existing toleration can not be modified except its tolerationSeconds")]
    return []


def changed_paths(a: Any, b: Any, path: str) -> list[str]:
    """The field paths where two JSON values differ, shallowest first."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                out += changed_paths(a.get(k), b.get(k), f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b)) if x != y for p in changed_paths(x, y, f"{path}[{i}]")]
    return [path] if a != b else []
