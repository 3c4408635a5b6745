"""The CloneSet's view: groups are its revisions (ControllerRevisions), counted from its pods.

A group's ``name`` is the revision's name, ``revision`` its hash. ``desired`` follows the
partition: the update revision wants R − P pods; the P old pods are kept where they are, newest
old revision first, with any shortfall wanted at the current revision (where scale-up puts it).

Complete as kruise's status viewer has it: at least R − P pods updated and available (a
partition raised after the update, or set on a new CloneSet, leaves more updated pods than
expected), every replica present and available, the spec observed; with canary steps (graceroll's
extension), every step done.
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.meta import Obj, is_controlled_by
from graceroll.controllers import history
from graceroll.controllers.canary import state as canary
from graceroll.controllers.cloneset import pods as podfacts
from graceroll.controllers.cloneset import progress
from graceroll.controllers.cloneset.params import params_of
from graceroll.controllers.podutil import is_active
from graceroll.store.base import Store
from graceroll.workload.base import Group, Key, PodCounts, PodFacts, Snapshot, StoreCounts, owned_by, register


class CloneSetView:
    kind = "CloneSet"
    pod_owner = "CloneSet"

    def template(self, workload: Obj) -> object:
        return workload["spec"].get("template")

    def pod_facts(self, pod: Obj) -> PodFacts | None:
        if not is_active(pod):
            return None
        return PodFacts(podfacts.revision(pod), podfacts.is_update_ready(pod), podfacts.is_available(pod, 0, 0.0))

    def workloads_for(self, store: Store, obj: Obj) -> Iterable[Key]:
        return owned_by(obj, ("Pod", "ControllerRevision"), self.kind)

    def snapshot(self, store: Store, workload: Obj, pods: PodCounts | None = None) -> Snapshot:
        uid = workload["metadata"]["uid"]
        status = workload.get("status") or {}
        p = params_of(workload)
        tally = (pods or StoreCounts(store, self)).counts(uid)
        revisions = history.sort_by_number(r for r in store.list_owned("ControllerRevision", uid) if is_controlled_by(r, uid))
        update = str(status.get("updateRevision") or (revisions[-1]["metadata"]["name"] if revisions else ""))
        current = str(status.get("currentRevision") or update)
        counts: dict[str, list[int]] = {}
        for r in revisions:
            name = r["metadata"]["name"]
            short = podfacts.short_hash(name)
            counts[name] = [0, 0, 0]
            for label, c in tally.items():
                if label and (label == name or podfacts.short_hash(label) == short):
                    counts[name] = [a + b for a, b in zip(counts[name], c)]
        if p.min_ready_seconds > 0:
            _available_from_status(counts, status, update, revisions)
        desired = {update: p.replicas - p.partition}
        budget = p.partition
        for r in reversed(revisions):
            name = r["metadata"]["name"]
            if name != update:
                desired[name] = min(counts[name][0], budget)
                budget -= desired[name]
        if budget > 0 and current != update:
            desired[current] = desired.get(current, 0) + budget
        groups = tuple(
            Group(
                name=r["metadata"]["name"],
                revision=podfacts.short_hash(r["metadata"]["name"]),
                desired=desired.get(r["metadata"]["name"], 0),
                current=counts[r["metadata"]["name"]][0],
                ready=counts[r["metadata"]["name"]][1],
                available=counts[r["metadata"]["name"]][2],
            )
            for r in revisions
            if counts[r["metadata"]["name"]][0] or r["metadata"]["name"] in (update, current)
        )
        expected = p.replicas - p.partition
        complete = (
            int(status.get("observedGeneration") or 0) >= int(workload["metadata"].get("generation") or 0)
            and int(status.get("replicas") or 0) == p.replicas
            and int(status.get("updatedReplicas") or 0) >= expected
            and int(status.get("updatedAvailableReplicas") or 0) >= expected
            and int(status.get("availableReplicas") or 0) == p.replicas
            and int(status.get("currentStepIndex") or 0) >= len(canary.steps_of(workload["spec"]))
        )
        cond = progress.get_condition(status)
        return Snapshot(
            pods=sum(c[0] for c in tally.values()),
            ready=sum(c[1] for c in counts.values()),
            available=sum(c[2] for c in counts.values()),
            groups=groups,
            complete=complete,
            failed=cond is not None and cond.get("reason") == progress.DEADLINE_EXCEEDED,
            message=str(cond.get("message") or "") if cond else "",
        )


def _available_from_status(counts: dict[str, list[int]], status: Obj, update: str, revisions: list[Obj]) -> None:
    """With minReadySeconds, availability needs the time: take it from the controller's status —
    ``updatedAvailableReplicas`` for the update revision, the rest to old revisions, newest first."""
    if update in counts:
        counts[update][2] = int(status.get("updatedAvailableReplicas") or 0)
    rest = int(status.get("availableReplicas") or 0) - int(status.get("updatedAvailableReplicas") or 0)
    for r in reversed(revisions):
        name = r["metadata"]["name"]
        if name != update:
            counts[name][2] = min(counts[name][2], max(rest, 0))
            rest -= counts[name][2]


VIEW = register(CloneSetView())
