"""A rollout's progress in the four numbers users watch: updated / ready / available against desired.

One pure function over a workload and its ``Snapshot``, so ``rollout status``'s progress bar, the
engine's ``/metrics`` and the dashboard agree on every kind. ``updated`` counts the pods of the
newest revision group (the one a rollout moves to: a Deployment's newest ReplicaSet, a CloneSet's
or GameStatefulSet's update revision, a Mesos deployment's newest application); ``desired`` is
the workload's own replica count (``spec.replicas``, ``spec.instance`` for Mesos), not the
partitioned target, so a CloneSet held at ``partition: 2`` of 5 shows 3/5 updated when it is done.
"""

from __future__ import annotations

from dataclasses import dataclass

from graceroll.api import kinds
from graceroll.api.meta import Obj
from graceroll.store.base import Store
from graceroll.verbs import rollout_kinds
from graceroll.workload.base import Snapshot, view_for


@dataclass(frozen=True)
class Progress:
    desired: int
    current: int  # non-terminating pods, every revision
    updated: int  # pods of the newest revision
    ready: int
    available: int
    paused: bool
    complete: bool
    failed: bool


def desired_replicas(workload: Obj) -> int:
    """``spec.replicas`` (default 1), or the kind's own replicas field (BCS Mesos: ``spec.instance``)."""
    info = kinds.find(str(workload.get("kind")))
    field = (info.replicas_field if info is not None else "") or "replicas"
    value = (workload.get("spec") or {}).get(field)
    return 1 if value is None else int(value)


def progress_of(workload: Obj, snapshot: Snapshot, paused: bool) -> Progress:
    return Progress(
        desired=desired_replicas(workload),
        current=snapshot.pods,
        updated=snapshot.groups[-1].current if snapshot.groups else 0,
        ready=snapshot.ready,
        available=snapshot.available,
        paused=paused,
        complete=snapshot.complete,
        failed=snapshot.failed,
    )


def is_paused(workload: Obj) -> bool:
    """Paused as ``rollout pause``/``resume`` see it (a GameStatefulSet's canary pause included)."""
    impl = rollout_kinds.find(str(workload.get("kind")))
    return impl is not None and impl.is_paused(workload)


def read(store: Store, workload: Obj) -> tuple[Snapshot, Progress] | None:
    """The workload's snapshot and progress; None for a kind without a rollout view."""
    view = view_for(str(workload.get("kind")))
    if view is None:
        return None
    snapshot = view.snapshot(store, workload)
    return snapshot, progress_of(workload, snapshot, is_paused(workload))
