"""The Deployment's view: groups are its ReplicaSets, ``revision`` the Deployment revision number."""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.meta import Obj, is_controlled_by
from graceroll.controllers.deployment import util
from graceroll.controllers.deployment.progress import PROGRESSING, TIMED_OUT, get_condition
from graceroll.store.base import Store
from graceroll.workload.base import Group, Key, PodCounts, PodFacts, Snapshot, owned_by, register


class DeploymentView:
    """Counts come from the ReplicaSets' statuses, as ``kubectl get rs`` shows them."""

    kind = "Deployment"
    pod_owner = None

    def template(self, workload: Obj) -> object:
        return workload["spec"].get("template")

    def pod_facts(self, pod: Obj) -> PodFacts | None:
        return None

    def workloads_for(self, store: Store, obj: Obj) -> Iterable[Key]:
        return owned_by(obj, ("ReplicaSet",), self.kind)

    def snapshot(self, store: Store, workload: Obj, pods: PodCounts | None = None) -> Snapshot:
        uid = workload["metadata"]["uid"]
        rss = [rs for rs in store.list_owned("ReplicaSet", uid) if is_controlled_by(rs, uid)]
        groups = tuple(
            Group(
                name=rs["metadata"]["name"],
                revision=str(util.revision(rs)),
                desired=util.spec_replicas(rs),
                current=util.status_field(rs, "replicas"),
                ready=util.status_field(rs, "readyReplicas"),
                available=util.status_field(rs, "availableReplicas"),
            )
            for rs in util.sort_by_revision(rss)
        )
        status = workload.get("status") or {}
        cond = get_condition(status, PROGRESSING)
        failed = cond is not None and cond.get("reason") == TIMED_OUT
        complete = util.deployment_complete(workload, status) and all(g.current == g.desired for g in groups)
        return Snapshot(
            pods=sum(g.current for g in groups),
            ready=sum(g.ready for g in groups),
            available=sum(g.available for g in groups),
            groups=groups,
            complete=complete,
            failed=failed,
            message=cond.get("message", "") if cond else "",
        )


VIEW = register(DeploymentView())
