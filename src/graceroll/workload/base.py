"""The ``WorkloadView`` protocol and its registry."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol

from graceroll.api.meta import Obj
from graceroll.store.base import Store


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


class WorkloadView(Protocol):
    kind: str

    def snapshot(self, store: Store, workload: Obj) -> Snapshot: ...

    def template(self, workload: Obj) -> object:
        """What, when changed, starts a rollout (the pod template)."""
        ...


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
