"""The Mesos deployment's view: groups are its applications (versions), oldest first.

A group's ``name`` is the application, ``revision`` its version suffix (``v<unix seconds>``, or
``v0`` for the first application), ``desired`` its ``spec.instance``. Complete once the deployment
is ``Running`` on an application that runs every instance; an update that is paused or suspended
is not complete.
"""

from __future__ import annotations

from graceroll.api.meta import Obj, controller_ref
from graceroll.controllers import podutil
from graceroll.store.base import Store
from graceroll.workload.base import Group, Snapshot, register


class MesosDeploymentView:
    kind = "MesosDeployment"

    def template(self, workload: Obj) -> object:
        return (workload["spec"].get("template"), workload["spec"].get("instance"))

    def snapshot(self, store: Store, workload: Obj) -> Snapshot:
        uid = workload["metadata"]["uid"]
        apps = sorted(
            (a for a in store.list_owned("Application", uid) if (controller_ref(a) or {}).get("uid") == uid and not a["metadata"].get("deletionTimestamp")),
            key=lambda a: (a["metadata"].get("creationTimestamp") or "", a["metadata"]["name"]),
        )
        groups = []
        for a in apps:
            auid = a["metadata"]["uid"]
            pods = [p for p in store.list_owned("Pod", auid) if podutil.is_active(p)]
            ready = sum(1 for p in pods if podutil.is_ready(p))
            suffix = a["metadata"]["name"].rpartition("-")[2]
            revision = suffix if suffix.startswith("v") and suffix[1:].isdigit() else "v0"
            groups.append(Group(a["metadata"]["name"], revision, int(a["spec"]["instance"]), len(pods), ready, ready))
        status = workload.get("status") or {}
        bound = next((g for g in groups if g.name == status.get("application")), None)
        complete = status.get("phase") == "Running" and bound is not None and bound.available == bound.desired == int(workload["spec"]["instance"]) and len(groups) == 1
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
