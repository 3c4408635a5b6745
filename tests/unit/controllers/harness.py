"""A small simulated cluster for controller tests: store, virtual clock, controllers, sim node."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graceroll.api.builtin  # noqa: F401
from graceroll.api.meta import clone
from graceroll.clock import VirtualClock
from graceroll.controllers.deployment.controller import DeploymentController
from graceroll.controllers.hookrun.controller import HookRunController
from graceroll.controllers.hookrun.fetch import FakeFetcher
from graceroll.controllers.replicaset.controller import ReplicaSetController
from graceroll.controllers.runtime import Controller, Manager
from graceroll.node.sim import Behaviour, Behaviours, SimNode
from graceroll.store.memory import MemoryStore
from graceroll.workload.base import Snapshot
from graceroll.workload.deployment import DeploymentView

from .canary.synthetic import Answer, SyntheticTraffic

Obj = dict[str, Any]


def deployment(
    name: str = "web",
    replicas: int = 10,
    image: str = "app:v1",
    max_surge: Any = "25%",
    max_unavailable: Any = "25%",
    strategy: str = "RollingUpdate",
    min_ready: int = 0,
    pds: int = 600,
    history: int = 10,
) -> Obj:
    spec: Obj = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": name}},
        "minReadySeconds": min_ready,
        "progressDeadlineSeconds": pds,
        "revisionHistoryLimit": history,
        "strategy": {"type": strategy},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "app", "image": image}], "terminationGracePeriodSeconds": 30},
        },
    }
    if strategy == "RollingUpdate":
        spec["strategy"]["rollingUpdate"] = {"maxSurge": max_surge, "maxUnavailable": max_unavailable}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "default"}, "spec": spec}


class Cluster:
    def __init__(self, default: Behaviour | None = None, images: dict[str, Behaviour] | None = None, answers: dict[str, Answer] | None = None) -> None:
        """``answers``: how each image answers requests; given, a synthetic data plane carries
        traffic to Deployment/web (Service web) and a HookRun controller runs judges against it."""
        self.clock = VirtualClock()
        self.store = MemoryStore(self.clock, seed=0)
        self.traffic = SyntheticTraffic(self.store, self.clock, "Deployment", "web", answers=answers) if answers is not None else None
        hooks: list[Controller] = [HookRunController(self.store, self.clock, FakeFetcher(), self.traffic.samples)] if self.traffic else []
        self.manager = Manager(
            self.store,
            self.clock,
            [
                DeploymentController(self.store, self.clock),
                ReplicaSetController(self.store, self.clock),
                *hooks,
                SimNode(self.store, self.clock, Behaviours(default or Behaviour(), images or {})),
            ],
        )
        self.view = DeploymentView()

    @property
    def now(self) -> float:
        return self.clock.elapsed()

    def get(self, name: str = "web") -> Obj:
        return self.store.get("Deployment", "default", name)

    def edit(self, name: str, change: Callable[[Obj], None]) -> None:
        d = clone(self.get(name))
        change(d)
        self.store.update(d)
        self.manager.run_pending()

    def snapshot(self, name: str = "web") -> Snapshot:
        return self.view.snapshot(self.store, self.get(name))

    def step(self) -> bool:
        """Settle, then move to the next timer; False when nothing is left to happen."""
        self.manager.run_pending()
        due = self.manager.next_due()
        if due is None:
            return False
        self.clock.advance_to(due)
        self.manager.fire_due()
        self.manager.run_pending()
        return True

    def run_until(self, done: Callable[[], bool], limit: float = 3600.0, each: Callable[[], None] | None = None) -> bool:
        self.manager.run_pending()
        while not done():
            due = self.manager.next_due()
            if due is None or due - self.clock.start > limit:
                return False
            self.clock.advance_to(due)
            self.manager.fire_due()
            self.manager.run_pending()
            if each is not None:
                each()
        return True

    def advance(self, seconds: float, each: Callable[[], None] | None = None) -> None:
        target = self.now + seconds
        while True:
            self.manager.run_pending()
            due = self.manager.next_due()
            if due is None or due - self.clock.start > target:
                self.clock.advance_to(self.clock.start + target)
                self.manager.fire_due()
                self.manager.run_pending()
                if each is not None:
                    each()
                return
            self.clock.advance_to(due)
            self.manager.fire_due()
            self.manager.run_pending()
            if each is not None:
                each()
