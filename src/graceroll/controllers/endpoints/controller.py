"""The endpoints controller: keeps every Service's address, EndpointSlices and Endpoints current.

Level-triggered and stateless: a reconcile reads the Service, its namespace's pods and its slices,
asks ``plan`` what they should be and writes only what differs, so a steady state costs no
writes. The order within a pass: addresses first (and end the pass: the Service's own update event
brings it back), then slices, then the legacy Endpoints.

Deletion: slices carry an ownerReference to their Service and go with it (garbage collection);
the Endpoints object has none, as upstream, so a reconcile that finds the Service gone deletes
it. A Service being deleted (deletionTimestamp, finalizers pending) is left as it is, as upstream.
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.discovery_v1 import SERVICE_NAME_LABEL
from graceroll.api.meta import Obj, clone, controller_ref, is_controlled_by
from graceroll.clock import Clock
from graceroll.controllers.endpoints import addresses, plan
from graceroll.controllers.events import WARNING, EventRecorder
from graceroll.controllers.runtime import Key, Result
from graceroll.errors import NotFound
from graceroll.store.base import Store, WatchEvent

SERVICE = "Service"
SLICE = "EndpointSlice"
ENDPOINTS = "Endpoints"
EXHAUSTED_RETRY = 30.0  # seconds: a Service deleted elsewhere may have freed an address by then


class EndpointsController:
    name = "endpoints"

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.events = EventRecorder(store, clock, "endpointslice-controller")
        # Warnings already recorded, by (Service uid, reason, value): each is said once, not on
        # every reconcile. Lost on restart, which costs one repeated warning.
        self._reported: set[tuple[str, str, str]] = set()

    def all_keys(self) -> list[Key]:
        return [_key(s) for s in self.store.list(SERVICE)]

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        kind, md = obj.get("kind"), obj["metadata"]
        if kind in (SERVICE, ENDPOINTS):
            return (_key(obj),)
        if kind == SLICE:
            names = {(md.get("labels") or {}).get(SERVICE_NAME_LABEL)}
            ref = controller_ref(obj)
            if ref is not None and ref.get("kind") == SERVICE:
                names.add(ref.get("name"))
            return [(md["namespace"], n) for n in sorted(n for n in names if n)]
        if kind == "Pod":
            return self._services_of_pod(obj)
        return ()

    def _services_of_pod(self, pod: Obj) -> list[Key]:
        """Services that select the pod now, and Services whose slices still list it (a label
        change or a deletion must reach the Services that no longer select it)."""
        md = pod["metadata"]
        ns = md["namespace"]
        names = {s["metadata"]["name"] for s in self.store.list(SERVICE, ns) if plan.selects(s, pod)}
        for s in self.store.list(SLICE, ns):
            service = (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL)
            if service and service not in names and any(_refers_to(ep.get("targetRef"), md) for ep in s.get("endpoints") or ()):
                names.add(service)
        return [(ns, n) for n in sorted(names)]

    def reconcile(self, key: Key) -> Result:
        ns, name = key
        svc = self.store.try_get(SERVICE, ns, name)
        if svc is None:
            self._delete(ENDPOINTS, ns, name)  # its slices go with their owner
            return Result()
        if svc["metadata"].get("deletionTimestamp"):
            return Result()
        done = self._assign_addresses(svc)
        if done is not None:
            return done
        if addresses.service_type(svc) == "ExternalName" or not plan.has_selector(svc):
            return Result()  # a DNS name, or endpoints the user maintains
        pods = self.store.list("Pod", ns)
        self._apply(SLICE, ns, plan.slice_writes(plan.desired_slices(svc, pods), self._slices_of(svc)))
        current = self.store.try_get(ENDPOINTS, ns, name)
        self._apply(ENDPOINTS, ns, plan.endpoints_writes(plan.desired_endpoints(svc, pods), current))
        return Result()

    def _assign_addresses(self, svc: Obj) -> Result | None:
        """Allocate what the Service lacks and report values it shares with an older Service.

        Returns how the pass ends when it must: after writing the Service (its update event brings
        it back) or when a range is full (look again later); None to go on with the endpoints.
        """
        uid = svc["metadata"]["uid"]
        others = [s for s in self.store.list(SERVICE) if s["metadata"]["uid"] != uid]
        for clash in addresses.clashes(svc, others):
            self._warn_once(svc, clash.reason, clash.value, clash.message)
        changed = clone(svc)  # stored objects are shared: change a copy
        try:
            if not addresses.assign(changed, others):
                return None
        except addresses.RangeExhausted as e:
            self._warn_once(svc, addresses.ALLOCATION_FAILED, str(e), str(e))
            return Result(EXHAUSTED_RETRY)
        self.store.update(changed)
        return Result()

    def _slices_of(self, svc: Obj) -> list[Obj]:
        """This controller's slices of ``svc``: labelled as managed for it, or controlled by it."""
        md = svc["metadata"]
        return [
            s
            for s in self.store.list(SLICE, md["namespace"])
            if plan.is_managed_slice_of(s, md["name"]) or is_controlled_by(s, md["uid"])
        ]

    def _apply(self, kind: str, ns: str, writes: plan.Writes) -> None:
        for obj in writes.create:
            self.store.create(obj)
        for obj in writes.update:
            self.store.update(obj)
        for name in writes.delete:
            self._delete(kind, ns, name)

    def _delete(self, kind: str, ns: str, name: str) -> None:
        try:
            self.store.delete(kind, ns, name)
        except NotFound:
            pass

    def _warn_once(self, svc: Obj, reason: str, value: str, message: str) -> None:
        said = (svc["metadata"]["uid"], reason, value)
        if said not in self._reported:
            self._reported.add(said)
            self.events.record(svc, WARNING, reason, message)


def _key(obj: Obj) -> Key:
    return (obj["metadata"]["namespace"], obj["metadata"]["name"])


def _refers_to(ref: Obj | None, pod_meta: Obj) -> bool:
    if not ref or ref.get("kind", "Pod") != "Pod":
        return False
    if ref.get("uid") and pod_meta.get("uid"):
        return bool(ref["uid"] == pod_meta["uid"])
    return bool(ref.get("name") == pod_meta["name"])
