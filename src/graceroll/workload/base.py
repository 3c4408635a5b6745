"""The ``WorkloadView`` protocol and its registry.

A view turns a workload and what it owns into a ``Snapshot``: the per-revision counts of
``kubectl get rs -w``, and whether the rollout is complete. Views that count pods themselves
(CloneSet, GameStatefulSet, Mesos applications) read them through ``PodCounts``: by default
straight from the store (``StoreCounts``), or from a tally kept up to date write by write
(``workload.tally``), so the simulator can take a snapshot after every store write without
rescanning every pod.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from graceroll.api.meta import Obj, controller_ref, is_controlled_by
from graceroll.store.base import Store

Key = tuple[str, str]  # namespace, name of a workload


@dataclass(frozen=True)
class Group:
    """One revision's pods: a ReplicaSet of a Deployment, a revision of a CloneSet."""

    name: str
    revision: str
    desired: int
    current: int
    ready: int
    available: int


@dataclass(frozen=True)
class Snapshot:
    pods: int  # non-terminating pods
    ready: int
    available: int
    groups: tuple[Group, ...]
    complete: bool
    failed: bool  # the rollout gave up (e.g. progress deadline exceeded)
    message: str

    @property
    def counts(self) -> tuple[int, int, int, tuple[Group, ...]]:
        """What a timeline row shows: a change here is a new row."""
        return (self.pods, self.ready, self.available, self.groups)


@dataclass(frozen=True)
class PodFacts:
    """What a view counts of one pod: its group (revision label, or "" for one group per owner)."""

    group: str
    ready: bool
    available: bool


Tally = dict[str, list[int]]  # group -> [current, ready, available]


class PodCounts(Protocol):
    def counts(self, owner_uid: str) -> Mapping[str, list[int]]:
        """Counted pods controlled by ``owner_uid``, by group: [current, ready, available]."""
        ...


class WorkloadView(Protocol):
    kind: str

    @property
    def pod_owner(self) -> str | None:
        """The kind whose pods this view counts itself (None: it reads its groups' statuses)."""
        ...

    def snapshot(self, store: Store, workload: Obj, pods: PodCounts | None = None) -> Snapshot: ...

    def template(self, workload: Obj) -> object:
        """What, when changed, starts a rollout (the pod template)."""
        ...

    def pod_facts(self, pod: Obj) -> PodFacts | None:
        """How one pod counts (None: not counted, e.g. terminating); only when ``pod_owner`` is set."""
        ...

    def workloads_for(self, store: Store, obj: Obj) -> Iterable[Key]:
        """Which workloads of this kind a write of ``obj`` may change the snapshot of."""
        ...


class StoreCounts:
    """``PodCounts`` read from the store at the time of asking (one listing per owner)."""

    def __init__(self, store: Store, view: WorkloadView) -> None:
        self.store = store
        self.view = view

    def counts(self, owner_uid: str) -> Mapping[str, list[int]]:
        out: Tally = {}
        for pod in self.store.list_owned("Pod", owner_uid):
            if not is_controlled_by(pod, owner_uid):
                continue
            facts = self.view.pod_facts(pod)
            if facts is not None:
                add(out, facts, 1)
        return out


def add(tally: Tally, facts: PodFacts, sign: int) -> None:
    c = tally.setdefault(facts.group, [0, 0, 0])
    c[0] += sign
    c[1] += sign * facts.ready
    c[2] += sign * facts.available


def owned_by(obj: Obj, kinds: tuple[str, ...], own_kind: str) -> tuple[Key, ...]:
    """The workload itself, or the workload of ``own_kind`` controlling ``obj`` if ``obj`` is one of ``kinds``."""
    md = obj["metadata"]
    if obj["kind"] == own_kind:
        return ((md.get("namespace") or "default", md["name"]),)
    if obj["kind"] in kinds:
        ref = controller_ref(obj)
        if ref is not None and ref.get("kind") == own_kind:
            return ((md.get("namespace") or "default", ref["name"]),)
    return ()


_VIEWS: dict[str, WorkloadView] = {}
_BUILT_IN = (
    "graceroll.workload.deployment",
    "graceroll.workload.cloneset",
    "graceroll.workload.mesos",
    "graceroll.workload.gamestatefulset",
)


def _load_built_in() -> None:
    """Import the built-in views (each registers itself); readers never depend on who imported what."""
    for module in _BUILT_IN:
        importlib.import_module(module)


def register(view: WorkloadView) -> WorkloadView:
    _VIEWS[view.kind] = view
    return view


def view_for(kind: str) -> WorkloadView | None:
    _load_built_in()
    return _VIEWS.get(kind)


def workload_kinds() -> list[str]:
    _load_built_in()
    return sorted(_VIEWS)


def views() -> list[WorkloadView]:
    _load_built_in()
    return [_VIEWS[k] for k in sorted(_VIEWS)]
