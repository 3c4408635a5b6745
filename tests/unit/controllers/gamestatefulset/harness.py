"""A simulated cluster running the GameStatefulSet and HookRun controllers, and manifest builders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graceroll.api.admission import admit
from graceroll.api.meta import clone
from graceroll.clock import VirtualClock
from graceroll.controllers.gamestatefulset.controller import GameStatefulSetController
from graceroll.controllers.hookrun.controller import HookRunController
from graceroll.controllers.hookrun.fetch import FakeFetcher
from graceroll.controllers.runtime import Manager
from graceroll.node.sim import Behaviour, Behaviours, SimNode
from graceroll.store.memory import MemoryStore
from graceroll.workload.base import Snapshot
from graceroll.workload.gamestatefulset import GameStatefulSetView

from ..canary.synthetic import Answer, SyntheticTraffic
from ..harness import Cluster

Obj = dict[str, Any]


def gsts(
    name: str = "gs",
    replicas: int = 5,
    image: str = "app:v1",
    type_: str = "InplaceUpdate",
    partition: Any = 0,
    policy: str = "OrderedReady",
    max_unavailable: Any = None,
    max_surge: Any = None,
    grace: int | None = None,
    steps: list[Obj] | None = None,
    **spec: Any,
) -> Obj:
    """A defaulted GameStatefulSet, as admission would store it."""
    rolling: Obj = {"partition": partition}
    if max_unavailable is not None:
        rolling["maxUnavailable"] = max_unavailable
    if max_surge is not None:
        rolling["maxSurge"] = max_surge
    strategy: Obj = {"type": type_, "rollingUpdate": rolling}
    if grace is not None:
        strategy["inPlaceUpdateStrategy"] = {"gracePeriodSeconds": grace}
    if steps is not None:
        strategy["canary"] = {"steps": steps}
    obj = {
        "apiVersion": "tkex.tencent.com/v1alpha1",
        "kind": "GameStatefulSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "podManagementPolicy": policy,
            "selector": {"matchLabels": {"app": name}},
            "updateStrategy": strategy,
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image}], "terminationGracePeriodSeconds": 5},
            },
            **spec,
        },
    }
    return admit(obj)


def web_template(name: str = "check", url: str = "http://hook/{{ args.PodName }}", **metric: Any) -> Obj:
    m: Obj = {"name": "ok", "successCondition": "result == 'true'", "provider": {"web": {"url": url, "jsonPath": "{$.ok}"}}}
    m.update(metric)
    return admit(
        {
            "apiVersion": "tkex.tencent.com/v1alpha1",
            "kind": "HookTemplate",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"args": [{"name": "PodName"}], "metrics": [m]},
        }
    )


def judge_template(name: str = "judge", **provider: Any) -> Obj:
    """A HookTemplate of the built-in judge: one measurement after ``initialDelay`` 10 s."""
    return admit(
        {
            "apiVersion": "tkex.tencent.com/v1alpha1",
            "kind": "HookTemplate",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"metrics": [{"name": "canary-vs-stable", "initialDelay": "10s", "provider": {"graceroll": provider}}]},
        }
    )


class GSCluster(Cluster):
    def __init__(
        self, default: Behaviour | None = None, images: dict[str, Behaviour] | None = None, answers: dict[str, Answer] | None = None
    ) -> None:
        """``answers``: how each image answers requests, for a synthetic data plane (the judge's)."""
        self.clock = VirtualClock()
        self.store = MemoryStore(self.clock, seed=0)
        self.fetcher = FakeFetcher()
        self.controller = GameStatefulSetController(self.store, self.clock)
        self.traffic = SyntheticTraffic(self.store, self.clock, "GameStatefulSet", "gs", service="gs", answers=answers) if answers is not None else None
        self.manager = Manager(
            self.store,
            self.clock,
            [
                self.controller,
                HookRunController(self.store, self.clock, self.fetcher, self.traffic.samples if self.traffic else None),
                SimNode(self.store, self.clock, Behaviours(default or Behaviour(), images or {})),
            ],
        )
        self.gs_view = GameStatefulSetView()

    def get(self, name: str = "gs") -> Obj:
        return self.store.get("GameStatefulSet", "default", name)

    def snapshot(self, name: str = "gs") -> Snapshot:
        return self.gs_view.snapshot(self.store, self.get(name))

    def pods(self, name: str = "gs") -> list[Obj]:
        uid = self.get(name)["metadata"]["uid"]
        pods = [p for p in self.store.list_owned("Pod", uid) if not p["metadata"].get("deletionTimestamp")]
        return sorted(pods, key=lambda p: int(p["metadata"]["name"].rsplit("-", 1)[1]))

    def pod(self, ordinal: int, name: str = "gs") -> Obj:
        return self.store.get("Pod", "default", f"{name}-{ordinal}")

    def runs(self) -> list[Obj]:
        return sorted(self.store.list("HookRun"), key=lambda r: r["metadata"]["name"])

    def events(self, reason: str) -> list[str]:
        events = sorted(self.store.list("Event"), key=lambda e: int(e["metadata"]["resourceVersion"]))
        return [e["message"] for e in events if e["reason"] == reason]

    def change(self, fn: Callable[[Obj], None], name: str = "gs") -> None:
        new = clone(self.get(name))
        fn(new)
        self.store.update(admit(new, self.get(name)))
        self.manager.run_pending()

    def set_image(self, image: str, name: str = "gs") -> None:
        def fn(gs: Obj) -> None:
            gs["spec"]["template"]["spec"]["containers"][0]["image"] = image

        self.change(fn, name)
