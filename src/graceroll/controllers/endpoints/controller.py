"""The endpoints controller: keeps every Service's address, EndpointSlices and Endpoints current.

Level-triggered and stateless: a reconcile lists the Service's pods and slices, computes what they
should be (``plan``) and writes only what differs, so a steady state costs no writes. Any pod
event requeues the Services of the pod's namespace (a label change or a deletion must reach the
Services that no longer select the pod; namespaces here hold few Services).
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.discovery_v1 import SERVICE_NAME_LABEL
from graceroll.api.meta import Obj, clone
from graceroll.clock import Clock
from graceroll.controllers.endpoints import addresses, plan
from graceroll.controllers.events import EventRecorder
from graceroll.controllers.runtime import Key, Result
from graceroll.errors import NotFound
from graceroll.store.base import Store, WatchEvent

SLICE_FIELDS = ("addressType", "ports", "endpoints")


class EndpointsController:
    name = "endpoints"

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.events = EventRecorder(store, clock, "endpoint-controller")

    def all_keys(self) -> list[Key]:
        return [(s["metadata"]["namespace"], s["metadata"]["name"]) for s in self.store.list("Service")]

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        kind, md = obj.get("kind"), obj["metadata"]
        if kind == "Service":
            return ((md["namespace"], md["name"]),)
        if kind == "Pod":
            return [(md["namespace"], s["metadata"]["name"]) for s in self.store.list("Service", md["namespace"])]
        if kind == "EndpointSlice" and (svc := (md.get("labels") or {}).get(SERVICE_NAME_LABEL)):
            return ((md["namespace"], svc),)
        if kind == "Endpoints":
            return ((md["namespace"], md["name"]),)
        return ()

    def reconcile(self, key: Key) -> Result:
        ns, name = key
        svc = self.store.try_get("Service", ns, name)
        if svc is None or svc["metadata"].get("deletionTimestamp"):
            self._delete("Endpoints", ns, name)  # slices go with their owner (garbage collection)
            return Result()
        if self._assign_addresses(svc):
            return Result()  # the update's own event brings the Service back
        if not (svc.get("spec") or {}).get("selector"):
            return Result()  # endpoints of selector-less Services are the user's
        pods = self.store.list("Pod", ns)
        self._sync_slices(svc, plan.desired_slices(svc, pods))
        self._sync_endpoints(plan.desired_endpoints(svc, pods))
        return Result()

    def _assign_addresses(self, svc: Obj) -> bool:
        others = [s for s in self.store.list("Service") if s["metadata"]["uid"] != svc["metadata"]["uid"]]
        ip = (svc.get("spec") or {}).get("clusterIP")
        if ip and ip != "None" and ip in addresses.used_cluster_ips(others):
            self.events.record(svc, "Warning", "ClusterIPInUse", f"address {ip} is also used by another Service")
        svc = clone(svc)  # reads share the stored object: change a copy
        try:
            if not addresses.assign(svc, others):
                return False
        except addresses.RangeExhausted as e:
            self.events.record(svc, "Warning", "FailedToAllocate", str(e))
            return False
        self.store.update(svc)
        return True

    def _sync_slices(self, svc: Obj, desired: list[Obj]) -> None:
        md = svc["metadata"]
        current = {
            s["metadata"]["name"]: s
            for s in self.store.list("EndpointSlice", md["namespace"])
            if (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL) == md["name"]
        }
        for want in desired:
            have = current.pop(want["metadata"]["name"], None)
            if have is None:
                self.store.create(want)
            elif any(have.get(f) != want.get(f) for f in SLICE_FIELDS) or _meta_differs(have, want):
                have = clone(have)
                have.update({f: want[f] for f in SLICE_FIELDS})
                have["metadata"]["labels"] = want["metadata"]["labels"]
                have["metadata"]["ownerReferences"] = want["metadata"]["ownerReferences"]
                self.store.update(have)
        for stale in current.values():
            self._delete("EndpointSlice", md["namespace"], stale["metadata"]["name"])

    def _sync_endpoints(self, want: Obj) -> None:
        md = want["metadata"]
        have = self.store.try_get("Endpoints", md["namespace"], md["name"])
        if have is None:
            self.store.create(want)
        elif have.get("subsets") != want.get("subsets") or (have["metadata"].get("labels") or {}) != md["labels"]:
            have = clone(have)
            have["metadata"]["labels"] = md["labels"]
            have.pop("subsets", None)
            if "subsets" in want:
                have["subsets"] = want["subsets"]
            self.store.update(have)

    def _delete(self, kind: str, ns: str, name: str) -> None:
        try:
            self.store.delete(kind, ns, name)
        except NotFound:
            pass


def _meta_differs(have: Obj, want: Obj) -> bool:
    h, w = have["metadata"], want["metadata"]
    return bool((h.get("labels") or {}) != w["labels"] or (h.get("ownerReferences") or []) != w["ownerReferences"])
