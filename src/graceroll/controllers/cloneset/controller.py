"""Reconciles a CloneSet: revisions, then one step (scale, or else update), then status.

Upstream ``cloneset_controller.go`` ``doReconcile``/``syncCloneSet`` (reference §2.1). The store
is read synchronously, so upstream's expectations are unnecessary; what they guarantee is kept:
a reconcile acts in one phase only, and the writes it makes bring it back (pod events) to take
the next one. Every write goes through a helper that records the upstream Event.

With canary steps (graceroll's extension, ``cloneset/canary.py``) the pass also keeps the step:
a reset of the steps ends the pass after its status write, the step's HookRun is kept before
scaling, the step advances after the update, and an abort writes the stable template back and ends
the pass. The status write (``_write_status``) carries the canary fields and ``trafficRouting``.
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.kruise_v1alpha1 import ON_DELETE
from graceroll.api.meta import (
    CONTROLLER_REVISION_HASH,
    Obj,
    clone,
    is_controlled_by,
    owner_reference,
)
from graceroll.clock import Clock
from graceroll.controllers import history, lifecycle
from graceroll.controllers.bcshook.creator import RunCreator
from graceroll.controllers.canary import state as canary
from graceroll.controllers.canary import traffic
from graceroll.controllers.canary.abort import abort
from graceroll.controllers.canary.runs import StepRuns
from graceroll.controllers.cloneset import canary as cloneset_canary
from graceroll.controllers.cloneset import pods as podfacts
from graceroll.controllers.cloneset import refresh, revision, scale, status, update
from graceroll.controllers.cloneset.params import Params, params_of
from graceroll.controllers.events import NORMAL, WARNING, EventRecorder
from graceroll.controllers.inplace import pod as inplace
from graceroll.controllers.podutil import is_active
from graceroll.controllers.runtime import Key, Result, own_or_controller_key
from graceroll.errors import AlreadyExists
from graceroll.store.base import Store, WatchEvent

KIND = "CloneSet"
SUCCESSFUL_CREATE = "SuccessfulCreate"
SUCCESSFUL_DELETE = "SuccessfulDelete"
SUCCESSFUL_UPDATE_IN_PLACE = "SuccessfulUpdatePodInPlace"
SUCCESSFUL_UPDATE_RECREATE = "SuccessfulUpdatePodReCreate"
SCALE_UP_LIMITED = "ScaleUpLimited"
_ID_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s rand.String's alphabet


class CloneSetController:
    name = "cloneset"

    def __init__(self, store: Store, clock: Clock, *, partition_rollback: bool = False, host_ip: str = "127.0.0.1") -> None:
        """``partition_rollback``: the ``CloneSetPartitionRollback`` gate (off upstream by default);
        ``host_ip``: the ``HostIP`` arg of canary-step hooks."""
        self.store = store
        self.clock = clock
        self.partition_rollback = partition_rollback
        self.events = EventRecorder(store, clock, "cloneset-controller")
        self.step_runs = StepRuns(store, RunCreator(store, self.events), host_ip)
        self._ids: dict[str, int] = {}

    def all_keys(self) -> list[Key]:
        return [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in self.store.list(KIND)]

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        return own_or_controller_key(event, KIND, ("Pod", "HookRun"))  # HookRun: a canary step's

    # ---- entry -------------------------------------------------------------------------------
    def reconcile(self, key: Key) -> Result:
        cs = self.store.try_get(KIND, *key)
        if cs is None:
            return Result()
        synced = self._sync_revisions(cs)
        if synced is None:
            return Result(0.0)  # a hash collision: collisionCount was bumped, try the next name
        cs, revisions, current, updated = synced
        templates = _templates(revisions)
        now = self.clock.now()
        old = cs.get("status") or {}
        steps = canary.steps_of(cs["spec"])
        state: canary.CanaryState | None = None
        hook_phase: str | None = None
        if steps:
            state = canary.CanaryState.of(old)
            reset = canary.reset(steps, state, updated, str(old.get("updateRevision") or ""))
            if reset is not None:  # the update waits a pass, as the GameStatefulSet's
                self._write_status(cs, steps, reset, current, updated, now, [])
                return Result()
            state, hook_phase = self.step_runs.reconcile(cs, steps, state, updated, self._runs(cs))
        p = params_of(cs)
        errors: list[tuple[str, str]] = []
        delays: list[float] = []
        if not cs["metadata"].get("deletionTimestamp"):
            pods = self._active_pods(cs)
            if not self._scale(cs, p, pods, templates, current, updated, now):
                delays += self._update(cs, p, pods, templates, current, updated, now, errors)
        if state is not None:
            counts = status.calculate(cs, p, self._active_pods(cs), current, updated, _collisions(cs), now, errors).status
            adv = canary.advance(steps, state, updated, p.paused, p.replicas, counts["updatedAvailableReplicas"], p.partition, hook_phase, now)
            if adv.abort and state.revision in templates:
                cs, _ = self._write_status(cs, steps, state, current, updated, now, errors, traffic.abandoned(updated))
                abort(self.store, self.events, cs, templates[state.revision], state, hook_phase)
                return Result()
            if adv.moved_to is not None:
                self.events.record(cs, NORMAL, canary.SET_STEP_INDEX, f"set current step index {adv.moved_to}")
            if adv.requeue_after is not None:
                delays.append(adv.requeue_after)
            state = adv.state
        cs, requeue = self._write_status(cs, steps, state, current, updated, now, errors)
        if requeue is not None:
            delays.append(requeue)
        self._prune_pods_to_delete(cs)
        self._truncate_history(cs, revisions, self._active_pods(cs), {current, updated} | ({state.revision} if state else set()))
        return Result(min(delays)) if delays else Result()

    # ---- status ------------------------------------------------------------------------------
    def _write_status(
        self,
        cs: Obj,
        steps: list[Obj],
        state: canary.CanaryState | None,
        current: str,
        updated: str,
        now: float,
        errors: list[tuple[str, str]],
        routing: Obj | None = None,
    ) -> tuple[Obj, float | None]:
        """The one status write (when ``needs_write``); then ``paused`` as the canary's pauses ask
        (``cloneset/canary.py``). A change of ``trafficRouting`` is an Event."""
        old = cs.get("status") or {}
        with_state = cs if state is None else dict(cs, status=dict(old, **state.to_status()))
        pods = self._active_pods(cs)
        plan = status.calculate(cs, params_of(with_state), pods, current, updated, _collisions(cs), now, errors)
        new = plan.status
        if state is not None:
            new.update(state.to_status())
            if routing is None:
                routing = traffic.routing(steps, state.step_index, updated, old.get(traffic.STATUS_KEY), map(podfacts.revision, pods))
            if routing is not None:
                new[traffic.STATUS_KEY] = routing
        elif (kept := traffic.kept_without_steps(old)) is not None:
            new[traffic.STATUS_KEY] = kept
        if status.needs_write(old, new):
            cs = self.store.update_status(dict(cs, status=new))
            if old.get(traffic.STATUS_KEY) != new.get(traffic.STATUS_KEY):
                message = traffic.event_message(old.get(traffic.STATUS_KEY), new.get(traffic.STATUS_KEY))
                self.events.record(cs, NORMAL, traffic.TRAFFIC_ROUTING_UPDATED, message)
        spec_paused = bool((cs["spec"].get("updateStrategy") or {}).get("paused"))
        paused = cloneset_canary.paused_to_write(bool(old.get("pauseConditions")), bool(new.get("pauseConditions")), spec_paused)
        if paused is not None:
            new_cs = clone(cs)
            new_cs.pop("status", None)
            new_cs["spec"].setdefault("updateStrategy", {})["paused"] = paused
            cs = self.store.update(new_cs)
        return cs, plan.requeue_after

    # ---- revisions ---------------------------------------------------------------------------
    def _sync_revisions(self, cs: Obj) -> tuple[Obj, list[Obj], str, str] | None:
        """The update revision (found, renumbered, or created) and the current one."""
        uid = cs["metadata"]["uid"]
        revisions = history.sort_by_number(
            r for r in self.store.list_owned("ControllerRevision", uid) if is_controlled_by(r, uid)
        )
        equal = history.find_equal(revisions, revision.data_of(cs["spec"]["template"]))
        if equal:
            found = equal[-1]
            if found is not revisions[-1]:
                bumped = clone(found)
                bumped["revision"] = history.next_number(revisions)
                found = self.store.update(bumped)
                revisions = history.sort_by_number([r for r in revisions if r is not equal[-1]] + [found])
        else:
            built = revision.build(cs, history.next_number(revisions), _collisions(cs))
            try:
                found = self.store.create(built)
            except AlreadyExists:
                other = self.store.get("ControllerRevision", cs["metadata"]["namespace"], built["metadata"]["name"])
                if not (is_controlled_by(other, uid) and other.get("data") == built["data"]):
                    st = clone(cs.get("status") or {})
                    st["collisionCount"] = _collisions(cs) + 1
                    self.store.update_status(dict(cs, status=st))
                    return None
                found = other
            revisions = revisions + [found]
        updated = found["metadata"]["name"]
        current = str((cs.get("status") or {}).get("currentRevision") or updated)
        return cs, revisions, current, updated

    def _truncate_history(self, cs: Obj, revisions: list[Obj], pods: list[Obj], live: set[str]) -> None:
        limit = int(cs["spec"].get("revisionHistoryLimit", 10))
        live |= {podfacts.revision(p) for p in pods}
        live_short = {podfacts.short_hash(n) for n in live if n}
        for r in history.victims(revisions, live, limit):
            if podfacts.short_hash(r["metadata"]["name"]) in live_short:
                continue
            self.store.delete("ControllerRevision", r["metadata"]["namespace"], r["metadata"]["name"], uid=r["metadata"]["uid"])

    # ---- scale -------------------------------------------------------------------------------
    def _scale(self, cs: Obj, p: Params, pods: list[Obj], templates: dict[str, Obj], current: str, updated: str, now: float) -> bool:
        plan = scale.plan(cs, p, pods, current, updated, now, partition_rollback=self.partition_rollback)
        by_name = {pod["metadata"]["name"]: pod for pod in pods}
        if plan.limited:
            self.events.record(
                cs, WARNING, SCALE_UP_LIMITED, f"scaleUp is limited because of scaleStrategy.maxUnavailable, limit: {plan.diffs.scale_up_limit}"
            )
        for name in plan.rescue:
            self._set_state(by_name[name], lifecycle.PREPARING_NORMAL, now)
        current_template = templates.get(current, templates[updated])
        for _ in range(plan.create_current):
            self._create_pod(cs, current if current in templates else updated, current_template, now)
        for _ in range(plan.create_update):
            self._create_pod(cs, updated, templates[updated], now)
        for name in plan.prepare_delete:
            self._set_state(by_name[name], lifecycle.PREPARING_DELETE, now)
        for name in plan.delete:
            self._delete_pod(cs, by_name[name])
        return plan.modified

    def _create_pod(self, cs: Obj, rev: str, template: Obj, now: float) -> Obj:
        tpl = clone(template)
        md = tpl.get("metadata") or {}
        ns, cs_name = cs["metadata"]["namespace"], cs["metadata"]["name"]
        iid = self._instance_id(cs)
        labels = dict(md.get("labels") or {})
        labels.update(
            {
                CONTROLLER_REVISION_HASH: rev,
                podfacts.POD_TEMPLATE_HASH: podfacts.short_hash(rev),
                podfacts.INSTANCE_ID_LABEL: iid,
            }
        )
        pod: Obj = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"{cs_name}-{iid}",
                "namespace": ns,
                "labels": labels,
                "annotations": dict(md.get("annotations") or {}),
                "ownerReferences": [owner_reference(cs)],
            },
            "spec": tpl.get("spec") or {},
        }
        if md.get("finalizers"):
            pod["metadata"]["finalizers"] = list(md["finalizers"])
        lifecycle.set_state(pod, lifecycle.PREPARING_NORMAL, now)
        inplace.add_gate(pod["spec"])
        created = self.store.create(pod)
        self.events.record(cs, NORMAL, SUCCESSFUL_CREATE, f"succeed to create pod {created['metadata']['name']}")
        return created

    def _instance_id(self, cs: Obj) -> str:
        """Five characters of k8s' name alphabet, reproducible for a given CloneSet uid."""
        uid, ns = cs["metadata"]["uid"], cs["metadata"]["namespace"]
        while True:
            n = self._ids.get(uid, 0)
            self._ids[uid] = n + 1
            h = history.fnv1a_32(f"{uid}/{n}".encode())
            iid = ""
            for _ in range(5):
                h, r = divmod(h, len(_ID_ALPHABET))
                iid += _ID_ALPHABET[r]
            if self.store.try_get("Pod", ns, f"{cs['metadata']['name']}-{iid}") is None:
                return iid

    def _delete_pod(self, cs: Obj, pod: Obj) -> None:
        md = pod["metadata"]
        self.store.delete("Pod", md["namespace"], md["name"], uid=md["uid"])
        self.events.record(cs, NORMAL, SUCCESSFUL_DELETE, f"succeed to delete pod {md['name']}")

    def _set_state(self, pod: Obj, state: str, now: float, hook: Obj | None = None) -> None:
        new = clone(pod)
        new.pop("status", None)
        lifecycle.set_state(new, state, now)
        if hook:  # re-apply the hook (an Updated pod going back to PreparingUpdate)
            new["metadata"].setdefault("labels", {}).update(hook.get("labelsHandler") or {})
            finalizers = new["metadata"].setdefault("finalizers", [])
            finalizers += [f for f in hook.get("finalizersHandler") or () if f not in finalizers]
        self.store.update(new)

    # ---- update ------------------------------------------------------------------------------
    def _update(
        self,
        cs: Obj,
        p: Params,
        pods: list[Obj],
        templates: dict[str, Obj],
        current: str,
        updated: str,
        now: float,
        errors: list[tuple[str, str]],
    ) -> list[float]:
        """Refresh every pod; unless that wrote something or updates are paused, update the chosen pods.
        An error met on the way is added to ``errors`` as ``(FailedUpdate, message)``."""
        strategy = cs["spec"].get("updateStrategy") or {}
        if strategy.get("type") == ON_DELETE:
            return []
        delays: list[float] = []
        modified = False
        for pod in pods:
            step = refresh.refresh_pod(cs, pod, updated, now)
            if step.changed:
                self._write(pod, step)
                modified = True
            if step.requeue_after is not None:
                delays.append(step.requeue_after)
        if modified or p.paused:
            return delays
        selection = update.select(cs, p, pods, current, updated, now, partition_rollback=self.partition_rollback)
        target_template = templates.get(selection.target, templates[updated])
        hook = (cs["spec"].get("lifecycle") or {}).get("inPlaceUpdate")
        for i in selection.indexes:
            pod = pods[i]
            decision = update.decide(cs, pod, templates.get(podfacts.revision(pod)), target_template, selection.target)
            name = pod["metadata"]["name"]
            if decision.action == "in-place" and decision.spec is not None:
                labels = {CONTROLLER_REVISION_HASH: selection.target, podfacts.POD_TEMPLATE_HASH: podfacts.short_hash(selection.target)}
                step = inplace.start(pod, decision.spec, labels, now, lambda o: lifecycle.set_state(o, lifecycle.UPDATING, now))
                self._write(pod, step)
                self.events.record(cs, NORMAL, SUCCESSFUL_UPDATE_IN_PLACE, f"successfully update pod {name} in-place(revision {selection.target})")
                if step.requeue_after is not None:
                    delays.append(step.requeue_after)
            elif decision.action == "prepare-update":
                again = hook if lifecycle.state(pod) == lifecycle.UPDATED else None
                self._set_state(pod, lifecycle.PREPARING_UPDATE, now, again)
            elif decision.action == "recreate":
                new = clone(pod)
                new.pop("status", None)
                new["metadata"].setdefault("labels", {})[podfacts.SPECIFIED_DELETE_LABEL] = "true"
                self.store.update(new)
                self.events.record(
                    cs, NORMAL, SUCCESSFUL_UPDATE_RECREATE, f"successfully patch pod {name} specified-delete for update(revision {selection.target})"
                )
            elif decision.action == "refuse":
                errors.append((status.FAILED_UPDATE, f"find Pod {name} update strategy is InPlaceOnly but can not update in-place"))
                break
        return delays

    def _write(self, pod: Obj, step: inplace.PodWrite) -> None:
        """Status first (the readiness gate), then the object, which must carry the new resourceVersion."""
        current = pod
        if step.status is not None:
            current = self.store.update_status(dict(pod, status=step.status))
        if step.pod is not None:
            obj = dict(step.pod)
            obj["metadata"] = dict(obj["metadata"], resourceVersion=current["metadata"]["resourceVersion"])
            self.store.update(obj)

    # ---- pieces ------------------------------------------------------------------------------
    def _runs(self, cs: Obj) -> list[Obj]:
        uid = cs["metadata"]["uid"]
        return [r for r in self.store.list_owned("HookRun", uid) if is_controlled_by(r, uid)]

    def _active_pods(self, cs: Obj) -> list[Obj]:
        uid = cs["metadata"]["uid"]
        return [p for p in self.store.list_owned("Pod", uid) if is_controlled_by(p, uid) and is_active(p)]

    def _prune_pods_to_delete(self, cs: Obj) -> None:
        """Names in ``scaleStrategy.podsToDelete`` that no longer exist are removed from the spec."""
        names = ((cs["spec"].get("scaleStrategy") or {}).get("podsToDelete")) or []
        ns = cs["metadata"]["namespace"]
        kept = [n for n in names if self.store.try_get("Pod", ns, n) is not None]
        if kept != names:
            new = clone(cs)
            new["spec"]["scaleStrategy"]["podsToDelete"] = kept
            self.store.update(new)


def _templates(revisions: list[Obj]) -> dict[str, Obj]:
    """Revision name (and short hash) -> pod template."""
    out: dict[str, Obj] = {}
    for r in revisions:
        template = revision.template_of(r)
        out[r["metadata"]["name"]] = template
        out.setdefault(podfacts.short_hash(r["metadata"]["name"]), template)
    return out


def _collisions(cs: Obj) -> int:
    return int((cs.get("status") or {}).get("collisionCount") or 0)
