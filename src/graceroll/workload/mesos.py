"""The Mesos deployment's view: groups are its applications (versions), oldest first.

A group's ``name`` is the application, ``revision`` its version suffix (``v<unix seconds>``, or
``v0`` for the first application), ``desired`` its ``spec.instance``. Complete once the deployment
is ``Running`` on an application that runs every instance; an update that is paused or suspended
is not complete.
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.meta import Obj, controller_ref
from graceroll.controllers import podutil
from graceroll.store.base import Store
from graceroll.workload.base import Group, Key, PodCounts, PodFacts, Snapshot, StoreCounts, owned_by, register


class MesosDeploymentView:
    kind = "MesosDeployment"
    pod_owner = "Application"  # one group per application

    def template(self, workload: Obj) -> object:
        return (workload["spec"].get("template"), workload["spec"].get("instance"))

    def pod_facts(self, pod: Obj) -> PodFacts | None:
        if not podutil.is_active(pod):
            return None
        ready = podutil.is_ready(pod)
        return PodFacts("", ready, ready)

    def workloads_for(self, store: Store, obj: Obj) -> Iterable[Key]:
        if obj["kind"] == "Pod":
            ref = controller_ref(obj)
            if ref is None or ref.get("kind") != "Application":
                return ()
            app = store.try_get("Application", obj["metadata"].get("namespace") or "default", ref["name"])
            return owned_by(app, ("Application",), self.kind) if app is not None else ()
        return owned_by(obj, ("Application",), self.kind)

    def snapshot(self, store: Store, workload: Obj, pods: PodCounts | None = None) -> Snapshot:
        counter = pods or StoreCounts(store, self)
        uid = workload["metadata"]["uid"]
        apps = sorted(
            (a for a in store.list_owned("Application", uid) if (controller_ref(a) or {}).get("uid") == uid and not a["metadata"].get("deletionTimestamp")),
            key=lambda a: (a["metadata"].get("creationTimestamp") or "", a["metadata"]["name"]),
        )
        groups = []
        for a in apps:
            auid = a["metadata"]["uid"]
            current, ready, _ = counter.counts(auid).get("", [0, 0, 0])
            suffix = a["metadata"]["name"].rpartition("-")[2]
            revision = suffix if suffix.startswith("v") and suffix[1:].isdigit() else "v0"
            groups.append(Group(a["metadata"]["name"], revision, int(a["spec"]["instance"]), current, ready, ready))
        status = workload.get("status") or {}
        bound = next((g for g in groups if g.name == status.get("application")), None)
        observed = int(status.get("observedGeneration") or 0) >= int(workload["metadata"].get("generation") or 0)
        complete = observed and status.get("phase") == "Running" and bound is not None and bound.available == bound.desired == int(workload["spec"]["instance"]) and len(groups) == 1
        return Snapshot(
            pods=sum(g.current for g in groups),
            ready=sum(g.ready for g in groups),
            available=sum(g.available for g in groups),
            groups=tuple(groups),
            complete=complete,
            failed=status.get("phase") == "UpdateSuspend",
            message=str(status.get("message") or ""),
        )


register(MesosDeploymentView())
