"""Reconciles a Deployment through its ReplicaSets (upstream ``deployment_controller.go``).

Dispatch order as upstream: deleted → status only; paused → ``sync``; the deprecated rollback
annotation → ``rollback``; a scaling event → ``sync`` (scale, clean up, status); otherwise one
rollout pass of the strategy. Before the paused check comes graceroll's opt-in automatic
rollback (``autorollback``): it records the stable revision, keeps the judge's HookRun, and
undoes a failed rollout (also a paused one), each as a pass of its own. A pass moves in one
direction: the new RS grows, or old RSs shrink, never both, except in the pass that creates the
new RS.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graceroll.api.meta import Obj, clone, controller_ref, is_controlled_by, owner_reference
from graceroll.clock import Clock
from graceroll.controllers.bcshook import runs as hookruns
from graceroll.controllers.bcshook.creator import RunCreator
from graceroll.controllers.deployment import autorollback, progress, recreate, rollback, rolling, sync, util
from graceroll.controllers.events import NORMAL, WARNING, EventRecorder
from graceroll.controllers.runtime import Key, Result
from graceroll.errors import AlreadyExists
from graceroll.store.base import Store, WatchEvent

KIND = "Deployment"
SCALING_REPLICA_SET = "ScalingReplicaSet"


class DeploymentController:
    name = "deployment"

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.events = EventRecorder(store, clock, "deployment-controller")
        self.creator = RunCreator(store, self.events)

    def all_keys(self) -> list[Key]:
        return [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in self.store.list(KIND)]

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        if obj["kind"] == KIND:
            return ((obj["metadata"]["namespace"], obj["metadata"]["name"]),)
        if obj["kind"] == "HookRun":  # a judge's run (autorollback)
            ref = controller_ref(obj)
            return ((obj["metadata"]["namespace"], ref["name"]),) if ref is not None and ref.get("kind") == KIND else ()
        if obj["kind"] == "ReplicaSet" or (obj["kind"] == "Pod" and event.type == "DELETED"):
            ref = controller_ref(obj)
            if ref is None:
                return ()
            if obj["kind"] == "ReplicaSet" and ref.get("kind") == KIND:
                return ((obj["metadata"]["namespace"], ref["name"]),)
            if obj["kind"] == "Pod" and ref.get("kind") == "ReplicaSet":
                rs = self.store.try_get("ReplicaSet", obj["metadata"]["namespace"], ref["name"])
                rs_ref = controller_ref(rs) if rs is not None else None
                if rs_ref is not None and rs_ref.get("kind") == KIND:
                    return ((obj["metadata"]["namespace"], rs_ref["name"]),)
        return ()

    # ---- entry -------------------------------------------------------------------------------
    def reconcile(self, key: Key) -> Result:
        d = self.store.try_get(KIND, *key)
        if d is None:
            return Result()
        rss = self._owned_replica_sets(d)
        if d["metadata"].get("deletionTimestamp"):
            new_rs, old_rss = self._new_and_old(d, rss)
            return self._sync_status(d, rss, new_rs)
        if self._auto_rollback(d, rss):
            return Result()
        cond = progress.paused_condition(d, self.clock.now())
        if cond is not None:
            st = clone(d.get("status") or {})
            progress.set_condition(st, cond)
            d = self.store.update_status(dict(d, status=st))
        if d["spec"].get("paused"):
            return self._sync(d, rss)
        to = rollback.rollback_to(d)
        if to is not None:
            return self._rollback(d, rss, to)
        new_rs, old_rss = self._new_and_old(d, rss)
        if sync.is_scaling_event(d, new_rs, old_rss):
            return self._sync(d, rss)
        if util.is_rolling(d):
            return self._rollout_rolling(d, rss)
        return self._rollout_recreate(d, rss)

    # ---- automatic rollback (graceroll's, opt-in) ---------------------------------------------
    def _auto_rollback(self, d: Obj, rss: list[Obj]) -> bool:
        """Carry out ``autorollback.plan``; True when it wrote the Deployment (the pass ends)."""
        if not autorollback.enabled(d) and not autorollback.judge_template(d):
            return False  # not opted in: upstream's controller, nothing more read
        new_rs = util.find_new_replica_set(d, rss)
        uid = d["metadata"]["uid"]
        runs = [r for r in self.store.list_owned("HookRun", uid) if is_controlled_by(r, uid)]
        now = self.clock.now()
        plan = autorollback.plan(d, rss, new_rs, runs, now)
        ns = d["metadata"]["namespace"]
        for run in plan.delete_runs:
            self.store.delete("HookRun", ns, run["metadata"]["name"], uid=run["metadata"]["uid"])
        for run in plan.terminate_runs:
            stopped = clone(run)
            stopped.pop("status", None)
            stopped["spec"]["terminate"] = True
            self.store.update(stopped)
        if plan.record_stable is not None:
            new = clone(d)
            new.pop("status", None)
            new["metadata"].setdefault("annotations", {})[autorollback.STABLE_REVISION_ANNOTATION] = plan.record_stable
            self.store.update(new)
            return True
        if plan.rollback is not None:
            written = self.store.update(plan.rollback.deployment)
            st = clone(written.get("status") or {})
            progress.set_condition(st, plan.rollback.condition)
            self.store.update_status(dict(written, status=st))
            self.events.record(d, WARNING, autorollback.AUTO_ROLLBACK, plan.rollback.message)
            return True
        if plan.clear_condition:
            st = clone(d.get("status") or {})
            progress.remove_condition(st, autorollback.ROLLED_BACK)
            self.store.update_status(dict(d, status=st))
            return True
        if plan.create_run is not None:
            canary, stable = plan.create_run
            template = autorollback.judge_template(d)
            labels = {hookruns.TYPE_LABEL: autorollback.JUDGE_RUN_TYPE, hookruns.REVISION_LABEL: canary}
            args = [{"name": hookruns.CANARY_REVISION, "value": canary}, {"name": hookruns.STABLE_REVISION, "value": stable}]
            self.creator.create(d, {"templateName": template}, f"judge-{canary}-{template}", labels, args)
        return False

    # ---- strategies --------------------------------------------------------------------------
    def _rollout_rolling(self, d: Obj, rss: list[Obj]) -> Result:
        d, new_rs, old_rss = self._sync_revision(d, rss, create=True)
        all_rss = old_rss + ([new_rs] if new_rs is not None else [])
        if new_rs is not None:
            target = rolling.new_rs_target(d, all_rss, new_rs)
            if target is not None and self._scale(d, new_rs, target):
                return self._rollout_status(d, self._owned_replica_sets(d))
        plan = rolling.old_rs_targets(d, all_rss, util.filter_active(old_rss), new_rs)
        by_name = {rs["metadata"]["name"]: rs for rs in old_rss}
        moved = False
        for name, size in plan.cleanup + plan.scale_down:  # cleanup, then scale-down: one write and event each
            if self._scale(d, by_name[name], size):
                moved = True
                by_name[name] = self.store.get("ReplicaSet", d["metadata"]["namespace"], name)
        if moved:
            return self._rollout_status(d, self._owned_replica_sets(d))
        if util.deployment_complete(d, d.get("status") or {}):
            self._cleanup(d, old_rss)
        return self._rollout_status(d, self._owned_replica_sets(d))

    def _rollout_recreate(self, d: Obj, rss: list[Obj]) -> Result:
        d, new_rs, old_rss = self._sync_revision(d, rss, create=False)
        scaled = False
        for rs in util.filter_active(old_rss):
            scaled = self._scale(d, rs, 0) or scaled
        if scaled:
            return self._rollout_status(d, self._owned_replica_sets(d))
        pods_by_rs: dict[str, list[Obj]] = {rs["metadata"]["uid"]: self.store.list_owned("Pod", rs["metadata"]["uid"]) for rs in old_rss}
        if recreate.old_pods_running(old_rss, pods_by_rs):
            return self._rollout_status(d, self._owned_replica_sets(d))
        if new_rs is None:
            d, new_rs, old_rss = self._sync_revision(d, self._owned_replica_sets(d), create=True)
        if new_rs is not None:
            self._scale(d, new_rs, util.spec_replicas(d))
        if util.deployment_complete(d, d.get("status") or {}):
            self._cleanup(d, old_rss)
        return self._rollout_status(d, self._owned_replica_sets(d))

    def _rollback(self, d: Obj, rss: list[Obj], to: int) -> Result:
        """The deprecated rollback annotation: restore that revision's template, clear the annotation."""
        d, new_rs, old_rss = self._sync_revision(d, rss, create=True)
        plan = rollback.plan(d, old_rss + ([new_rs] if new_rs is not None else []), to)
        type_, reason, message = plan.event
        if type_ == WARNING:
            self.events.record(d, type_, reason, message)
        d = self.store.update(plan.deployment)
        if type_ == NORMAL:
            self.events.record(d, type_, reason, message)
        return Result()

    def _sync(self, d: Obj, rss: list[Obj]) -> Result:
        """Paused or scaling: proportional scaling, history cleanup when paused, plain status."""
        d, new_rs, old_rss = self._sync_revision(d, rss, create=False)
        for rs, size in sync.scale_targets(d, new_rs, old_rss):
            self._scale(d, rs, size, force_annotations=True)
        rss = self._owned_replica_sets(d)
        new_rs, old_rss = self._new_and_old(d, rss)
        if d["spec"].get("paused"):
            self._cleanup(d, old_rss)
            rss = self._owned_replica_sets(d)
            new_rs, old_rss = self._new_and_old(d, rss)
        return self._sync_status(d, rss, new_rs)

    # ---- pieces ------------------------------------------------------------------------------
    def _owned_replica_sets(self, d: Obj) -> list[Obj]:
        uid = d["metadata"]["uid"]
        return [rs for rs in self.store.list_owned("ReplicaSet", uid) if is_controlled_by(rs, uid)]

    @staticmethod
    def _new_and_old(d: Obj, rss: list[Obj]) -> tuple[Obj | None, list[Obj]]:
        new_rs = util.find_new_replica_set(d, rss)
        new_uid = new_rs["metadata"]["uid"] if new_rs is not None else None
        return new_rs, [rs for rs in rss if rs["metadata"]["uid"] != new_uid]

    def _sync_revision(self, d: Obj, rss: list[Obj], create: bool) -> tuple[Obj, Obj | None, list[Obj]]:
        """getAllReplicaSetsAndSyncRevision: find (or create) the new RS and keep revisions in step."""
        existing, old_rss = self._new_and_old(d, rss)
        new_revision = str(util.max_revision(old_rss) + 1)
        now = self.clock.now()
        if existing is not None:
            rs = clone(existing)
            changed = util.set_new_replica_set_annotations(d, rs, new_revision, exists=True)
            min_ready = d["spec"].get("minReadySeconds", 0)
            if changed or rs["spec"].get("minReadySeconds", 0) != min_ready:
                rs["spec"]["minReadySeconds"] = min_ready
                return d, self.store.update(rs), old_rss
            dd = clone(d)
            status = dd.setdefault("status", {})
            ann = dd["metadata"].setdefault("annotations", {})
            rs_rev = util.annotation(existing, util.REVISION_ANNOTATION)
            changed_d = False
            if rs_rev is not None and ann.get(util.REVISION_ANNOTATION) != rs_rev:
                ann[util.REVISION_ANNOTATION] = rs_rev
                changed_d = True
            if util.has_progress_deadline(d) and progress.get_condition(status, progress.PROGRESSING) is None:
                msg = f'Found new replica set "{existing["metadata"]["name"]}"'
                progress.set_condition(status, progress.condition(progress.PROGRESSING, "True", progress.FOUND_NEW_RS, msg, now))
                changed_d = True
            if changed_d:
                d = self.store.update_status(dd)
            return d, existing, old_rss
        if not create:
            return d, None, old_rss
        collision = (d.get("status") or {}).get("collisionCount")
        hash_ = util.compute_hash(d["spec"]["template"], collision)
        template = clone(d["spec"]["template"])
        template.setdefault("metadata", {}).setdefault("labels", {})[util.POD_TEMPLATE_HASH_LABEL] = hash_
        selector = clone(d["spec"]["selector"])
        selector.setdefault("matchLabels", {})[util.POD_TEMPLATE_HASH_LABEL] = hash_
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": util.replica_set_name(d["metadata"]["name"], hash_),
                "namespace": d["metadata"]["namespace"],
                "labels": dict(template["metadata"]["labels"]),
                "ownerReferences": [owner_reference(d)],
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": d["spec"].get("minReadySeconds", 0),
                "selector": selector,
                "template": template,
            },
        }
        rs["spec"]["replicas"] = util.new_rs_new_replicas(d, old_rss + [rs], rs)
        util.set_new_replica_set_annotations(d, rs, new_revision, exists=False)
        try:
            created = self.store.create(rs)
        except AlreadyExists:
            other = self.store.get("ReplicaSet", d["metadata"]["namespace"], rs["metadata"]["name"])
            if (controller_ref(other) or {}).get("uid") == d["metadata"]["uid"] and util.equal_ignore_hash(
                other["spec"]["template"], d["spec"]["template"]
            ):
                return d, other, old_rss
            dd = clone(d)
            dd.setdefault("status", {})["collisionCount"] = int(collision or 0) + 1
            self.store.update_status(dd)
            raise
        if util.spec_replicas(created) > 0:
            self.events.record(
                d, NORMAL, SCALING_REPLICA_SET, f"Scaled up replica set {created['metadata']['name']} to {util.spec_replicas(created)}"
            )
        dd = clone(d)
        dd["metadata"].setdefault("annotations", {})[util.REVISION_ANNOTATION] = new_revision
        status = dd.setdefault("status", {})
        if util.has_progress_deadline(d):
            msg = f'Created new replica set "{created["metadata"]["name"]}"'
            progress.set_condition(status, progress.condition(progress.PROGRESSING, "True", progress.NEW_RS_CREATED, msg, now))
        d = self.store.update_status(dd)
        return d, created, old_rss

    def _scale(self, d: Obj, rs: Obj, size: int, force_annotations: bool = False) -> bool:
        """scaleReplicaSet(AndRecordEvent): write size and replica annotations; True if the size changed."""
        old = util.spec_replicas(rs)
        if old == size and not force_annotations:
            return False
        desired, max_replicas = util.spec_replicas(d), util.spec_replicas(d) + util.max_surge(d)
        if old == size and not util.replicas_annotations_need_update(rs, desired, max_replicas):
            return False
        new = clone(rs)
        new["spec"]["replicas"] = size
        util.set_replicas_annotations(new, desired, max_replicas)
        self.store.update(new)
        if old != size:
            op = "up" if size > old else "down"
            self.events.record(d, NORMAL, SCALING_REPLICA_SET, f"Scaled {op} replica set {rs['metadata']['name']} to {size} from {old}")
        return old != size

    def _cleanup(self, d: Obj, old_rss: list[Obj]) -> None:
        for rs in sync.cleanup_victims(d, old_rss):
            self.store.delete("ReplicaSet", rs["metadata"]["namespace"], rs["metadata"]["name"], uid=rs["metadata"]["uid"])

    def _status_write(self, d: Obj, status: dict[str, Any]) -> None:
        if status != (d.get("status") or {}):
            self.store.update_status(dict(d, status=status))

    def _sync_status(self, d: Obj, rss: list[Obj], new_rs: Obj | None) -> Result:
        status = sync.calculate_status(d, rss, new_rs)
        progress.available_condition(d, status, self.clock.now())
        self._status_write(d, status)
        return Result()

    def _rollout_status(self, d: Obj, rss: list[Obj]) -> Result:
        d = self.store.get(KIND, d["metadata"]["namespace"], d["metadata"]["name"])
        new_rs, _ = self._new_and_old(d, rss)
        now = self.clock.now()
        status = sync.calculate_status(d, rss, new_rs)
        progress.available_condition(d, status, now)
        status = progress.rollout_status(d, status, rss, new_rs, now)
        self._status_write(d, status)
        return Result(progress.requeue_delay(progress.requeue_stuck(d, status, now)))
