"""What one DELETE does to an object: remove it now, or mark it and keep it (pure).

This is the apiserver's ``rest.BeforeDelete`` and ``updateForGracefulDeletionAndFinalizers``:

* Only kinds with graceful deletion (Pods, ``Kind.graceful_deletion``) honour a grace period; it
  defaults to ``spec.terminationGracePeriodSeconds`` (0 when absent) and a negative one means 1
  second. Every other kind goes at once, whatever ``gracePeriodSeconds`` says (upstream ignores it
  there), unless something holds it.
* Held objects are marked (``deletionTimestamp`` = now + grace, ``deletionGracePeriodSeconds``)
  and stay until nothing holds them: ``metadata.finalizers``, and what the kind adds
  (``Kind.holds_deletion``: a Namespace's ``spec.finalizers``).
* ``Foreground`` propagation adds the ``foregroundDeletion`` finalizer (upstream's
  ``deletionFinalizersForGarbageCollection``); the store then deletes the dependents and removes
  the finalizer once no dependent that blocks owner deletion is left.
* A pending graceful deletion changes only when a *shorter* grace period is asked for, and the
  new deadline counts from the first request (marked at t=100 with 30 s, deadline 130; at t=110
  a 15 s request gives 115; a 5 s request would give 105, which has passed: the deadline becomes
  now and the grace 1 s, so whoever stops the pod still sees it terminating; 0 s removes it).

The API server asks the same question for ``dryRun``, so a dry run answers what a delete would do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from graceroll.api import kinds
from graceroll.api.meta import clone
from graceroll.clock import format_time, parse_time

Obj = dict[str, Any]
Propagation = Literal["Background", "Foreground", "Orphan"]
PROPAGATIONS: tuple[Propagation, ...] = ("Background", "Foreground", "Orphan")
FOREGROUND_DELETION = "foregroundDeletion"  # metav1.FinalizerDeleteDependents


@dataclass(frozen=True)
class Deletion:
    """``remove``: the object goes now. Else ``marked`` is the object to keep (``stored`` itself
    when nothing changes)."""

    remove: bool
    marked: Obj | None = None


def held(info: kinds.Kind, obj: Obj) -> bool:
    """Whether something still holds a deleted object back: finalizers, or the kind's own rule."""
    if obj["metadata"].get("finalizers"):
        return True
    return info.holds_deletion is not None and info.holds_deletion(obj)


def default_grace(obj: Obj) -> int:
    grace = int((obj.get("spec") or {}).get("terminationGracePeriodSeconds") or 0)
    return 1 if grace < 0 else grace


def plan(info: kinds.Kind, stored: Obj, requested: int | None, propagation: Propagation, now: float) -> Deletion:
    """What deleting ``stored`` with grace ``requested`` (None: the default) does at ``now``."""
    md = stored["metadata"]
    if not info.graceful_deletion:
        requested = 0
    elif requested is not None and requested < 0:
        requested = 1
    finalizers = list(md.get("finalizers") or [])
    if propagation == "Foreground" and FOREGROUND_DELETION not in finalizers:
        finalizers.append(FOREGROUND_DELETION)
    if md.get("deletionTimestamp"):
        return _again(info, stored, requested, finalizers, now)
    grace = requested if requested is not None else default_grace(stored)
    if grace > 0 or finalizers or held(info, stored):
        return Deletion(False, _marked(info, stored, now + grace, grace, finalizers, first=True))
    return Deletion(True)


def _again(info: kinds.Kind, stored: Obj, requested: int | None, finalizers: list[str], now: float) -> Deletion:
    """A delete of an object already marked for deletion."""
    md = stored["metadata"]
    current = int(md.get("deletionGracePeriodSeconds") or 0) if info.graceful_deletion else 0
    deadline = parse_time(md["deletionTimestamp"])
    grace = current
    if current > 0 and requested is not None and requested < current:
        deadline, grace = deadline - current + requested, requested
        if deadline < now:
            deadline = now
            if grace > 0:
                grace = 1
    elif current > 0:
        grace = current  # a longer (or no) grace period leaves a pending deletion as it is
    if grace == 0 and not finalizers and not held(info, stored):
        return Deletion(True)
    marked = _marked(info, stored, deadline, grace, finalizers, first=False)
    return Deletion(False, stored if marked == stored else marked)


def _marked(info: kinds.Kind, stored: Obj, deadline: float, grace: int, finalizers: list[str], *, first: bool) -> Obj:
    new = clone(stored)
    md = new["metadata"]
    md["deletionTimestamp"] = format_time(deadline) if first or grace != md.get("deletionGracePeriodSeconds") else md["deletionTimestamp"]
    md["deletionGracePeriodSeconds"] = grace
    if finalizers:
        md["finalizers"] = finalizers
    if first and info.on_deleting is not None:
        info.on_deleting(new)
    return new


def gone_after_delete(answer: Obj | None) -> bool:
    """Whether a DELETE's answer means the object no longer exists (rather than is terminating):
    a Status, or the last state of an object the server returns on delete."""
    if answer is None or answer.get("kind") == "Status":
        return True
    md = answer.get("metadata") or {}
    if not md.get("deletionTimestamp"):
        return True
    return not md.get("finalizers") and md.get("deletionGracePeriodSeconds") == 0
