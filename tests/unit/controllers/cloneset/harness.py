"""A simulated cluster running the CloneSet controller, and a CloneSet manifest builder."""

from __future__ import annotations

from typing import Any

from graceroll.api.admission import admit
from graceroll.clock import VirtualClock
from graceroll.controllers.cloneset.controller import CloneSetController
from graceroll.controllers.hookrun.controller import HookRunController
from graceroll.controllers.hookrun.fetch import FakeFetcher
from graceroll.controllers.runtime import Controller, Manager
from graceroll.node.sim import Behaviour, Behaviours, SimNode
from graceroll.store.memory import MemoryStore
from graceroll.workload.base import Snapshot
from graceroll.workload.cloneset import CloneSetView

from ..canary.synthetic import Answer, SyntheticTraffic
from ..harness import Cluster

Obj = dict[str, Any]


def cloneset(
    name: str = "web",
    replicas: int = 5,
    image: str = "app:v1",
    type_: str = "InPlaceIfPossible",
    partition: Any = 0,
    max_unavailable: Any = None,
    max_surge: Any = None,
    grace: int | None = None,
    **strategy: Any,
) -> Obj:
    """A defaulted CloneSet, as admission would store it."""
    st: Obj = {"type": type_, "partition": partition, **strategy}
    if max_unavailable is not None:
        st["maxUnavailable"] = max_unavailable
    if max_surge is not None:
        st["maxSurge"] = max_surge
    if grace is not None:
        st["inPlaceUpdateStrategy"] = {"gracePeriodSeconds": grace}
    obj = {
        "apiVersion": "apps.kruise.io/v1alpha1",
        "kind": "CloneSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "updateStrategy": st,
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}], "terminationGracePeriodSeconds": 5},
            },
        },
    }
    return admit(obj)


class CloneSetCluster(Cluster):
    def __init__(
        self, default: Behaviour | None = None, images: dict[str, Behaviour] | None = None, answers: dict[str, Answer] | None = None
    ) -> None:
        """``answers``: how each image answers requests; given, a synthetic data plane carries
        traffic to CloneSet/web and a HookRun controller runs hooks (and the judge) against it."""
        self.clock = VirtualClock()
        self.store = MemoryStore(self.clock, seed=0)
        self.controller = CloneSetController(self.store, self.clock)
        self.traffic = SyntheticTraffic(self.store, self.clock, "CloneSet", "web", answers=answers) if answers is not None else None
        hooks: list[Controller] = [HookRunController(self.store, self.clock, FakeFetcher(), self.traffic.samples)] if self.traffic else []
        self.manager = Manager(
            self.store,
            self.clock,
            [self.controller, *hooks, SimNode(self.store, self.clock, Behaviours(default or Behaviour(), images or {}))],
        )
        self.cs_view = CloneSetView()

    def get(self, name: str = "web") -> Obj:
        return self.store.get("CloneSet", "default", name)

    def snapshot(self, name: str = "web") -> Snapshot:
        return self.cs_view.snapshot(self.store, self.get(name))

    def pods(self, name: str = "web") -> list[Obj]:
        """Active pods by name."""
        uid = self.get(name)["metadata"]["uid"]
        return sorted(
            (p for p in self.store.list_owned("Pod", uid) if not p["metadata"].get("deletionTimestamp")),
            key=lambda p: p["metadata"]["name"],
        )

    def events(self, reason: str) -> list[str]:
        events = sorted(self.store.list("Event"), key=lambda e: int(e["metadata"]["resourceVersion"]))
        return [e["message"] for e in events if e["reason"] == reason]
