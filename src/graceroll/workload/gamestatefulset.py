"""The GameStatefulSet's view: groups are its revisions, counted from its pods.

``desired``: older revisions keep up to ``partition`` of their pods (the canary step's partition
when steps are set), newest first; the update revision wants the rest. The rollout is complete when
that many pods are updated and Ready, every ordinal below ``replicas`` has its pod Ready and no
other pod runs (a surge ordinal standing in for an old pod that is still stopping does not make a
rollout complete), and every canary step is done: a canary waiting at a pause or a failed hook is
not complete.
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.meta import Obj, is_controlled_by
from graceroll.controllers import history
from graceroll.controllers.canary import state as canary
from graceroll.controllers.gamestatefulset import pods as podfacts
from graceroll.controllers.gamestatefulset.params import params_of
from graceroll.store.base import Store
from graceroll.workload.base import Group, Key, PodCounts, PodFacts, Snapshot, StoreCounts, owned_by, register


class GameStatefulSetView:
    kind = "GameStatefulSet"
    pod_owner = "GameStatefulSet"

    def template(self, workload: Obj) -> object:
        return workload["spec"].get("template")

    def pod_facts(self, pod: Obj) -> PodFacts | None:
        if podfacts.is_terminating(pod):
            return None
        ready = podfacts.is_running_and_ready(pod)
        return PodFacts(podfacts.revision(pod), ready, ready)

    def workloads_for(self, store: Store, obj: Obj) -> Iterable[Key]:
        return owned_by(obj, ("Pod", "ControllerRevision"), self.kind)

    def snapshot(self, store: Store, workload: Obj, pods: PodCounts | None = None) -> Snapshot:
        uid = workload["metadata"]["uid"]
        status = workload.get("status") or {}
        p = params_of(workload)
        tally = (pods or StoreCounts(store, self)).counts(uid)
        revisions = history.sort_by_number(r for r in store.list_owned("ControllerRevision", uid) if is_controlled_by(r, uid))
        update = str(status.get("updateRevision") or (revisions[-1]["metadata"]["name"] if revisions else ""))
        counts = {r["metadata"]["name"]: list((tally.get(r["metadata"]["name"]) or [0, 0, 0])[:2]) for r in revisions}
        total = sum(c[0] for c in tally.values())
        desired: dict[str, int] = {}
        budget = p.partition
        for r in reversed(revisions):
            name = r["metadata"]["name"]
            if name != update:
                desired[name] = min(counts[name][0], budget)
                budget -= desired[name]
        desired[update] = p.replicas - sum(desired.values())
        groups = tuple(
            Group(
                name=r["metadata"]["name"],
                revision=r["metadata"]["name"].rsplit("-", 1)[-1],
                desired=desired.get(r["metadata"]["name"], 0),
                current=counts[r["metadata"]["name"]][0],
                ready=counts[r["metadata"]["name"]][1],
                available=counts[r["metadata"]["name"]][1],
            )
            for r in revisions
            if counts[r["metadata"]["name"]][0] or r["metadata"]["name"] == update
        )
        expected = p.replicas - p.partition
        ready = sum(c[1] for c in counts.values())
        complete = (
            int(status.get("observedGeneration") or 0) >= int(workload["metadata"].get("generation") or 0)
            and status.get("updateRevision") == update
            and total == p.replicas
            and int(status.get("updatedReadyReplicas") or 0) >= expected
            and int(status.get("updatedReplicas") or 0) >= expected
            and ready == p.replicas
            and int(status.get("currentStepIndex") or 0) >= len(canary.steps_of(workload["spec"]))
            and _only_ordinals_below(store, uid, p.replicas)  # last: it reads the pods
        )
        return Snapshot(pods=total, ready=ready, available=ready, groups=groups, complete=complete, failed=False, message="")


def _only_ordinals_below(store: Store, uid: str, replicas: int) -> bool:
    """No running pod has an ordinal at or above ``replicas``: a surge pod standing in for an old
    one that is still stopping does not make the rollout complete."""
    return all(
        podfacts.ordinal(pod) < replicas
        for pod in store.list_owned("Pod", uid)
        if is_controlled_by(pod, uid) and not podfacts.is_terminating(pod)
    )


VIEW = register(GameStatefulSetView())
