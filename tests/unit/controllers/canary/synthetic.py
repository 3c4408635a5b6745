"""A ``TrafficSource`` for tests on virtual time: requests a data plane would have carried.

``rps`` requests a second go through one Service to the ready pods of one workload, split as the
seam says: by ``status.trafficRouting.weight`` when it is set and both sides have a ready pod
(all to the side that has one otherwise), else by ready pod counts. Each revision fails
``fail_rate`` of its requests (as 5xx) and answers in ``latency`` seconds, as its pods' image says
(``Answer``). Counters accumulate between store writes (the state is constant between two writes)
and are cumulative, like a data plane's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from graceroll.api.meta import CONTROLLER_REVISION_HASH, is_controlled_by
from graceroll.clock import VirtualClock
from graceroll.metrics.traffic import LATENCY_BUCKETS, TrafficSample
from graceroll.store.base import Store, WatchEvent

Obj = dict[str, Any]


@dataclass(frozen=True)
class Answer:
    fail_rate: float = 0.0
    latency: float = 0.004


@dataclass
class _Revision:
    requests: float = 0.0
    failures: float = 0.0
    latency: dict[float, float] = field(default_factory=lambda: defaultdict(float))  # seconds -> requests


class SyntheticTraffic:
    def __init__(
        self, store: Store, clock: VirtualClock, kind: str, name: str, service: str = "web", rps: float = 100.0, answers: dict[str, Answer] | None = None
    ) -> None:
        self.store, self.clock, self.kind, self.name, self.service = store, clock, kind, name, service
        self.rps = rps
        self.answers = answers or {}
        self.revisions: dict[str, _Revision] = defaultdict(_Revision)
        self.calls = 0
        self._last = clock.now()
        store.subscribe(self._on_write)

    def _on_write(self, event: WatchEvent) -> None:
        self._flow()

    def samples(self) -> list[TrafficSample]:
        self.calls += 1
        self._flow()
        out = []
        for rev, c in sorted(self.revisions.items()):
            cumulative = [int(sum(n for lat, n in c.latency.items() if lat <= bound)) for bound in LATENCY_BUCKETS]
            out.append(
                TrafficSample(
                    "default", self.service, rev, int(c.requests), {"5xx": int(c.failures)}, (*cumulative, int(c.requests)), sum(lat * n for lat, n in c.latency.items())
                )
            )
        return out

    def _flow(self) -> None:
        now = self.clock.now()
        seconds, self._last = now - self._last, now
        if seconds <= 0:
            return
        for rev, (share, image) in self._shares().items():
            answer = self.answers.get(image, Answer())
            n = self.rps * seconds * share
            c = self.revisions[rev]
            c.requests += n
            c.failures += n * answer.fail_rate
            c.latency[answer.latency] += n

    def _shares(self) -> dict[str, tuple[float, str]]:
        workload = self.store.try_get(self.kind, "default", self.name)
        if workload is None:
            return {}
        uid = workload["metadata"]["uid"]
        ready: dict[str, list[Obj]] = defaultdict(list)
        for pod in self.store.list("Pod", "default"):
            labels = pod["metadata"].get("labels") or {}
            rev = labels.get(CONTROLLER_REVISION_HASH) or labels.get("pod-template-hash")
            if rev and _ready(pod) and _owned(self.store, pod, uid):
                ready[rev].append(pod)
        total = sum(len(p) for p in ready.values())
        if not total:
            return {}
        image = {rev: pods[0]["spec"]["containers"][0]["image"] for rev, pods in ready.items()}
        routing = (workload.get("status") or {}).get("trafficRouting") or {}
        canary, weight = routing.get("canaryRevision"), routing.get("weight")
        if weight is None or canary not in ready or len(ready) == 1:
            return {rev: (len(pods) / total, image[rev]) for rev, pods in ready.items()}
        others = total - len(ready[canary])
        return {rev: ((weight / 100) if rev == canary else (1 - weight / 100) * len(pods) / others, image[rev]) for rev, pods in ready.items()}


def _ready(pod: Obj) -> bool:
    if pod["metadata"].get("deletionTimestamp"):
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in (pod.get("status") or {}).get("conditions") or ())


def _owned(store: Store, pod: Obj, uid: str) -> bool:
    if is_controlled_by(pod, uid):
        return True
    for ref in pod["metadata"].get("ownerReferences") or ():  # a Deployment's pod: through its ReplicaSet
        rs = store.try_get("ReplicaSet", "default", ref.get("name", "")) if ref.get("kind") == "ReplicaSet" else None
        if rs is not None and is_controlled_by(rs, uid):
            return True
    return False
