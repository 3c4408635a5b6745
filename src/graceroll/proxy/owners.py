"""Which revision and which workload a Service endpoint's pod belongs to, read from the store.

An endpoint names its pod (``targetRef``). The pod's **revision** is its owner's revision label:

- a ReplicaSet's pod (a Deployment's): ``pod-template-hash``;
- a Mesos Application's taskgroup: the application's name (each version is an application);
- any other pod (CloneSet, GameStatefulSet, StatefulSet, ...): ``controller-revision-hash``,
  else ``pod-template-hash``, else "" (a pod with no revision label).

Its **workload** is the top of its controller chain: a ReplicaSet's Deployment, an Application's
MesosDeployment, else the pod's controller itself. The workload's ``status.trafficRouting``
(``proxy.split``) decides how the Service splits traffic.

``Owners`` answers for one table computation, remembering what it saw (each pod's revision, each
workload's raw ``trafficRouting``) so the watcher can tell whether a later Pod or workload change
touches the table at all; lookups are by key, so a 1,000-pod store costs one get per endpoint and
one per owner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graceroll.api.meta import CONTROLLER_REVISION_HASH, Obj, controller_ref
from graceroll.proxy.split import InvalidRouting, TrafficRouting, parse

POD_TEMPLATE_HASH = "pod-template-hash"
INTERMEDIATE = frozenset({"ReplicaSet", "Application"})  # owned in turn by the workload users write
Getter = Callable[[str, str, str], Obj | None]  # kind, namespace, name → the object, or None
WorkloadKey = tuple[str, str, str]  # kind, namespace, name
PodKey = tuple[str, str]  # namespace, name


@dataclass(frozen=True)
class PodInfo:
    pod: str
    revision: str
    workload: WorkloadKey | None


def revision_of(pod: Obj) -> str:
    """The pod's revision label value (the rules in the module docstring)."""
    labels = pod["metadata"].get("labels") or {}
    ref = controller_ref(pod)
    kind = ref.get("kind") if ref else None
    if kind == "ReplicaSet":
        return str(labels.get(POD_TEMPLATE_HASH, ""))
    if kind == "Application":
        return str(ref["name"]) if ref else ""
    return str(labels.get(CONTROLLER_REVISION_HASH) or labels.get(POD_TEMPLATE_HASH) or "")


def routing_field(workload: Obj | None) -> Any:
    """The raw ``status.trafficRouting`` (what a change is detected on)."""
    return ((workload or {}).get("status") or {}).get("trafficRouting")


@dataclass
class Owners:
    get: Getter
    seen_pods: dict[PodKey, str | None] = field(default_factory=dict)  # revision, None: no such pod
    seen_workloads: dict[WorkloadKey, Any] = field(default_factory=dict)  # raw trafficRouting
    errors: dict[WorkloadKey, str] = field(default_factory=dict)
    _pods: dict[PodKey, PodInfo | None] = field(default_factory=dict)
    _owners: dict[tuple[str, str, str, str], WorkloadKey | None] = field(default_factory=dict)
    _routing: dict[WorkloadKey, TrafficRouting | None] = field(default_factory=dict)

    def pod(self, namespace: str, name: str) -> PodInfo | None:
        key = (namespace, name)
        if key in self._pods:
            return self._pods[key]
        obj = self.get("Pod", namespace, name)
        info = None if obj is None else PodInfo(name, revision_of(obj), self._workload(namespace, obj))
        self._pods[key] = info
        self.seen_pods[key] = info.revision if info else None
        return info

    def routing(self, workload: WorkloadKey) -> TrafficRouting | None:
        """The workload's parsed ``trafficRouting``; one that does not parse counts as none (in ``errors``)."""
        if workload in self._routing:
            return self._routing[workload]
        raw = self.seen_workloads.get(workload)
        try:
            found = parse({"trafficRouting": raw})
        except InvalidRouting as e:
            self.errors[workload] = str(e)
            found = None
        self._routing[workload] = found
        return found

    def _workload(self, namespace: str, pod: Obj) -> WorkloadKey | None:
        ref = controller_ref(pod)
        if ref is None:
            return None
        memo = (namespace, str(ref.get("kind")), str(ref.get("name")), str(ref.get("uid")))
        if memo not in self._owners:
            self._owners[memo] = self._top(namespace, ref)
        return self._owners[memo]

    def _top(self, namespace: str, ref: Obj) -> WorkloadKey | None:
        kind, name = str(ref.get("kind")), str(ref.get("name"))
        owner = self.get(kind, namespace, name)
        if owner is None or (ref.get("uid") and owner["metadata"].get("uid") != ref.get("uid")):
            return None
        if kind in INTERMEDIATE:
            up = controller_ref(owner)
            if up is not None:
                top = self.get(str(up.get("kind")), namespace, str(up.get("name")))
                if top is not None and (not up.get("uid") or top["metadata"].get("uid") == up.get("uid")):
                    owner, kind, name = top, str(up.get("kind")), str(up.get("name"))
        key = (kind, namespace, name)
        self.seen_workloads[key] = routing_field(owner)
        return key
