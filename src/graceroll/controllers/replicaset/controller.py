"""Reconciles a ReplicaSet: keep ``spec.replicas`` active pods from its template, report counts.

The store is read synchronously, so the upstream "expectations" cache (which guards against
acting on a stale informer) is unnecessary here: every reconcile sees its own earlier writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graceroll.api.meta import Obj, clone, controller_ref, is_controlled_by, owner_reference
from graceroll.clock import Clock
from graceroll.controllers import podutil
from graceroll.controllers.events import NORMAL, EventRecorder
from graceroll.controllers.replicaset.plan import plan_scale, plan_status
from graceroll.controllers.runtime import Key, Result
from graceroll.store.base import Store, WatchEvent

KIND = "ReplicaSet"


class ReplicaSetController:
    name = "replicaset"

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.events = EventRecorder(store, clock, "replicaset-controller")

    def all_keys(self) -> list[Key]:
        return [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in self.store.list(KIND)]

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        kind = obj["kind"]
        if kind == KIND:
            return ((obj["metadata"]["namespace"], obj["metadata"]["name"]),)
        if kind == "Pod":
            ref = controller_ref(obj)
            if ref is not None and ref.get("kind") == KIND:
                return ((obj["metadata"]["namespace"], ref["name"]),)
        return ()

    def reconcile(self, key: Key) -> Result:
        rs = self.store.try_get(KIND, *key)
        if rs is None:
            return Result()
        uid = rs["metadata"]["uid"]
        pods = [p for p in self.store.list_owned("Pod", uid) if is_controlled_by(p, uid)]
        active, terminating = podutil.split_active(pods)
        if not rs["metadata"].get("deletionTimestamp"):
            plan = plan_scale(int(rs["spec"].get("replicas", 1)), active, self.clock.now(), self._related(rs, active))
            for _ in range(plan.create):
                pod = self._create_pod(rs)
                active.append(pod)
            for victim in plan.delete:
                terminating += self._delete_pod(rs, victim)
            if plan.delete:
                gone = {p["metadata"]["name"] for p in plan.delete}
                active = [p for p in active if p["metadata"]["name"] not in gone]
        status = plan_status(rs, active, self.clock.now(), terminating)
        if status.status != (rs.get("status") or {}):
            self.store.update_status(dict(rs, status=status.status))
        return Result(status.requeue_after)

    def _related(self, rs: Obj, own: list[Obj]) -> list[Obj] | None:
        """getIndirectlyRelatedPods: the pods of every ReplicaSet with the same controller (only
        needed when some pods go, for the rank; None means just ``own``). When all of ``own`` are on
        one node their ranks are equal whatever the others do, and none are listed."""
        if len(own) <= int(rs["spec"].get("replicas", 1)):
            return None
        if len({(p.get("spec") or {}).get("nodeName") for p in own}) <= 1:
            return None
        ref = controller_ref(rs)
        if ref is None:
            return None
        out: list[Obj] = []
        for sibling in self.store.list_owned(KIND, ref.get("uid", "")):
            uid = sibling["metadata"]["uid"]
            out += [p for p in self.store.list_owned("Pod", uid) if is_controlled_by(p, uid)]
        return out

    def _create_pod(self, rs: Obj) -> Obj:
        template = clone(rs["spec"]["template"])
        md = template.get("metadata") or {}
        pod_md: dict[str, Any] = {
            "generateName": rs["metadata"]["name"] + "-",
            "namespace": rs["metadata"]["namespace"],
            "labels": md.get("labels") or {},
            "ownerReferences": [owner_reference(rs)],
        }
        if md.get("annotations"):
            pod_md["annotations"] = md["annotations"]
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": pod_md, "spec": template.get("spec") or {}}
        created = self.store.create(pod)
        self.events.record(rs, NORMAL, "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")
        return created

    def _delete_pod(self, rs: Obj, pod: Obj) -> bool:
        """Delete a pod; True if it is now terminating (a grace period), False if it is gone."""
        md = pod["metadata"]
        marked = self.store.delete("Pod", md["namespace"], md["name"], uid=md["uid"])
        self.events.record(rs, NORMAL, "SuccessfulDelete", f"Deleted pod: {md['name']}")
        return marked is not None
