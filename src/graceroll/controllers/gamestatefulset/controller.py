"""Reconciles a GameStatefulSet: revisions, canary bookkeeping, one ordered walk, status.

Upstream ``game_stateful_set_control.go`` ``UpdateGameStatefulSet``. The
store is read synchronously, so there are no expectations; the walk (``plan``) is computed from
one read and its actions are written in order, each through a helper that records the Event.
A canary reset, a ``retry`` or an abort (a failed hook step with ``onFailure: Abort``) ends the
pass after its write; the next pass (brought by that write) does the rest. The canary steps are
the shared ``controllers/canary``; the status write carries ``trafficRouting`` and records its
changes. Time comes only from the injected clock; waits are returned as requeue delays.
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.meta import CONTROLLER_REVISION_HASH, Obj, clone, controller_ref, is_controlled_by
from graceroll.api.tkex_v1alpha1 import KIND
from graceroll.clock import Clock, format_time
from graceroll.controllers import history
from graceroll.controllers.bcshook import runs as hookruns
from graceroll.controllers.bcshook.creator import RunCreator
from graceroll.controllers.canary import state as canary
from graceroll.controllers.canary import traffic
from graceroll.controllers.canary.abort import abort
from graceroll.controllers.canary.runs import StepRuns
from graceroll.controllers.events import NORMAL, WARNING, EventRecorder
from graceroll.controllers.gamestatefulset import hotpatch, plan, revision, status
from graceroll.controllers.gamestatefulset import pods as podfacts
from graceroll.controllers.gamestatefulset.params import params_of
from graceroll.controllers.inplace import pod as inplace
from graceroll.controllers.runtime import Key, Result
from graceroll.errors import AlreadyExists
from graceroll.store.base import Store, WatchEvent

SUCCESSFUL_CREATE = "SuccessfulCreate"
SUCCESSFUL_DELETE = "SuccessfulDelete"
SUCCESSFUL_UPDATE_IN_PLACE = "SuccessfulUpdatePodInPlace"
FAILED_UPDATE_IN_PLACE = "FailedUpdatePodInPlace"
SUCCESSFUL_UPDATE_HOT_PATCH = "SuccessfulUpdatePodHotPatch"
FAILED_UPDATE_HOT_PATCH = "FailedUpdatePodHotPatch"
RETRY_HOOK = "RetryHookRun"
_RETRY_KEYS = (("preDeleteUpdateStrategy", hookruns.PRE_DELETE), ("preInplaceUpdateStrategy", hookruns.PRE_INPLACE))


class GameStatefulSetController:
    name = "gamestatefulset"

    def __init__(self, store: Store, clock: Clock, *, host_ip: str = "127.0.0.1") -> None:
        """``host_ip``: the ``HostIP`` arg of canary-step hooks (upstream: the operator's HOST_IP)."""
        self.store = store
        self.clock = clock
        self.host_ip = host_ip
        self.events = EventRecorder(store, clock, "gamestatefulset-controller")
        self.creator = RunCreator(store, self.events)
        self.step_runs = StepRuns(store, self.creator, host_ip)

    def all_keys(self) -> list[Key]:
        return [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in self.store.list(KIND)]

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        if obj["kind"] == KIND:
            return ((obj["metadata"]["namespace"], obj["metadata"]["name"]),)
        if obj["kind"] in ("Pod", "HookRun"):
            ref = controller_ref(obj)
            if ref is not None and ref.get("kind") == KIND:
                return ((obj["metadata"]["namespace"], ref["name"]),)
        return ()

    # ---- entry -------------------------------------------------------------------------------
    def reconcile(self, key: Key) -> Result:
        gs = self.store.try_get(KIND, *key)
        if gs is None:
            return Result()
        synced = self._sync_revisions(gs)
        if synced is None:
            return Result(0.0)
        revisions, update = synced
        now = self.clock.now()
        spec = gs["spec"]
        old_status = gs.get("status") or {}
        steps = canary.steps_of(spec)
        state = canary.CanaryState.of(old_status)
        conditions = [dict(c) for c in old_status.get("conditions") or []]
        reset = canary.reset(steps, state, update, str(old_status.get("updateRevision") or ""))
        if reset is not None:
            gs = self._write_status(gs, revisions, update, reset, conditions, self._routing(gs, steps, reset, update))
            self._set_paused(gs, False)
            return Result()
        runs = self._runs(gs)
        state, hook_phase = self.step_runs.reconcile(gs, steps, state, update, runs)
        if self._retry(gs, runs):
            return Result()
        runs = self._cleanup_runs(gs, runs)
        p = params_of(gs)
        templates = {r["metadata"]["name"]: revision.template_of(r) for r in revisions}
        current = status.current_revision(self._pods(gs), revisions, update)
        walk = plan.plan(plan.Inputs(gs, p, self._pods(gs), current, update, templates, runs, now))
        for action in walk.actions:
            self._act(gs, action, templates, update, conditions, now)
        if not any(isinstance(a, plan.Refuse) for a in walk.actions):
            conditions = status.set_condition(conditions, status.FAILED_UPDATE, None, format_time(now))
        delays = [walk.requeue_after] if walk.requeue_after is not None else []
        pods = self._pods(gs)
        if steps:
            updated_ready = sum(1 for x in pods if podfacts.revision(x) == update and podfacts.is_running_and_ready(x))
            paused = bool((spec.get("updateStrategy") or {}).get("paused"))
            adv = canary.advance(steps, state, update, paused, p.replicas, updated_ready, p.partition, hook_phase, now)
            if adv.abort and state.revision in templates:
                gs = self._write_status(gs, revisions, update, state, conditions, traffic.abandoned(update))
                abort(self.store, self.events, gs, templates[state.revision], state, hook_phase)
                return Result()
            if adv.moved_to is not None:
                self.events.record(gs, NORMAL, canary.SET_STEP_INDEX, f"set current step index {adv.moved_to}")
            if adv.requeue_after is not None:
                delays.append(adv.requeue_after)
            state = adv.state
        gs = self._write_status(gs, revisions, update, state, conditions, self._routing(gs, steps, state, update))
        self._set_paused(gs, bool(state.pauses))
        self._truncate_history(gs, revisions, pods, update)
        return Result(min(delays)) if delays else Result()

    # ---- revisions ---------------------------------------------------------------------------
    def _sync_revisions(self, gs: Obj) -> tuple[list[Obj], str] | None:
        uid = gs["metadata"]["uid"]
        revisions = history.sort_by_number(r for r in self.store.list_owned("ControllerRevision", uid) if is_controlled_by(r, uid))
        equal = history.find_equal(revisions, revision.data_of(gs["spec"]["template"]))
        collisions = int((gs.get("status") or {}).get("collisionCount") or 0)
        if equal:
            found = equal[-1]
            if found is not revisions[-1]:
                bumped = clone(found)
                bumped["revision"] = history.next_number(revisions)
                found = self.store.update(bumped)
                revisions = history.sort_by_number([r for r in revisions if r is not equal[-1]] + [found])
        else:
            built = revision.build(gs, history.next_number(revisions), collisions)
            try:
                found = self.store.create(built)
            except AlreadyExists:
                other = self.store.get("ControllerRevision", gs["metadata"]["namespace"], built["metadata"]["name"])
                if not (is_controlled_by(other, uid) and other.get("data") == built["data"]):
                    st = clone(gs.get("status") or {})
                    st["collisionCount"] = collisions + 1
                    self.store.update_status(dict(gs, status=st))
                    return None
                found = other
            revisions = revisions + [found]
        return revisions, found["metadata"]["name"]

    def _truncate_history(self, gs: Obj, revisions: list[Obj], pods: list[Obj], update: str) -> None:
        limit = int(gs["spec"].get("revisionHistoryLimit", 10))
        live = {update, str((gs.get("status") or {}).get("currentRevision") or "")}
        live |= {podfacts.revision(p) for p in pods}
        stable = ((gs.get("status") or {}).get("canary") or {}).get("revision")
        if stable:
            live.add(str(stable))
        for r in history.victims(revisions, live, limit):
            self.store.delete("ControllerRevision", r["metadata"]["namespace"], r["metadata"]["name"], uid=r["metadata"]["uid"])

    # ---- reads -------------------------------------------------------------------------------
    def _pods(self, gs: Obj) -> list[Obj]:
        uid = gs["metadata"]["uid"]
        pods = [p for p in self.store.list_owned("Pod", uid) if is_controlled_by(p, uid) and podfacts.ordinal(p) >= 0]
        return sorted(pods, key=podfacts.ordinal)

    def _runs(self, gs: Obj) -> list[Obj]:
        uid = gs["metadata"]["uid"]
        return [r for r in self.store.list_owned("HookRun", uid) if is_controlled_by(r, uid)]

    # ---- canary ------------------------------------------------------------------------------
    def _routing(self, gs: Obj, steps: list[Obj], state: canary.CanaryState, update: str) -> Obj | None:
        """What the steps set; without steps, a routing written by someone else (``traffic.kept_without_steps``)."""
        stored = (gs.get("status") or {}).get(traffic.STATUS_KEY)
        if not steps:
            return traffic.kept_without_steps(gs.get("status") or {})
        live = (podfacts.revision(p) for p in self._pods(gs) if not podfacts.is_terminating(p))
        return traffic.routing(steps, state.step_index, update, stored, live)

    def _set_paused(self, gs: Obj, paused: bool) -> None:
        """The operator owns ``spec.updateStrategy.paused``: it mirrors "a pause condition exists"."""
        strategy = gs["spec"].get("updateStrategy") or {}
        if bool(strategy.get("paused")) == paused:
            return
        new = clone(gs)
        new.pop("status", None)
        new["spec"].setdefault("updateStrategy", {})["paused"] = paused
        self.store.update(new)

    # ---- hooks -------------------------------------------------------------------------------
    def _retry(self, gs: Obj, runs: list[Obj]) -> bool:
        """``retry: true`` deletes the finished, unsuccessful runs of that hook and resets itself."""
        new = None
        for key, hook_type in _RETRY_KEYS:
            if not (gs["spec"].get(key) or {}).get("retry"):
                continue
            for run in hookruns.of_type(runs, hook_type):
                if hookruns.is_completed(run) and hookruns.phase(run) != "Successful":
                    self.store.delete("HookRun", run["metadata"]["namespace"], run["metadata"]["name"], uid=run["metadata"]["uid"])
                    self.events.record(gs, NORMAL, RETRY_HOOK, f"delete {hookruns.phase(run)} HookRun {run['metadata']['name']} to retry it")
            new = new or clone(gs)
            new["spec"][key]["retry"] = False
        if new is None:
            return False
        new.pop("status", None)
        self.store.update(new)
        return True

    def _cleanup_runs(self, gs: Obj, runs: list[Obj]) -> list[Obj]:
        """Drop pod hook runs whose (revision, ordinal) no pod has any more, and succeeded post-inplace runs."""
        live = {(podfacts.revision(p), str(podfacts.ordinal(p))) for p in self._pods(gs)}
        kept = []
        for run in runs:
            labels = run["metadata"].get("labels") or {}
            hook_type = labels.get(hookruns.TYPE_LABEL)
            pair = (labels.get(hookruns.REVISION_LABEL, ""), labels.get(hookruns.INSTANCE_LABEL, ""))
            stale = hook_type in hookruns.NAME_PREFIX and pair not in live
            done = hook_type == hookruns.POST_INPLACE and hookruns.phase(run) == "Successful"
            if stale or done:
                self.store.delete("HookRun", run["metadata"]["namespace"], run["metadata"]["name"], uid=run["metadata"]["uid"])
            else:
                kept.append(run)
        return kept

    def _start_pod_hook(self, gs: Obj, hook_type: str, pod: Obj, modified: tuple[str, ...], rev: str) -> None:
        key = {hookruns.PRE_DELETE: "preDeleteUpdateStrategy", hookruns.PRE_INPLACE: "preInplaceUpdateStrategy"}.get(
            hook_type, "postInplaceUpdateStrategy"
        )
        hook = gs["spec"][key]["hook"]
        instance = str(podfacts.ordinal(pod))
        args = list(hook.get("args") or []) + hookruns.pod_args(pod, modified)
        name = hookruns.pod_run_name(hook_type, rev, instance, hook["templateName"])
        created = self.creator.create(gs, hook, name, hookruns.pod_labels(hook_type, rev, instance), args)
        if created is not None and hook_type != hookruns.POST_INPLACE:
            current = self.store.try_get("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
            if current is not None and (current["metadata"].get("annotations") or {}).get(hookruns.DELETING_ANNOTATION) != "true":
                marked = clone(current)
                marked.pop("status", None)
                marked["metadata"].setdefault("annotations", {})[hookruns.DELETING_ANNOTATION] = "true"
                self.store.update(marked)

    # ---- actions -----------------------------------------------------------------------------
    def _act(self, gs: Obj, action: plan.Action, templates: dict[str, Obj], update: str, conditions: list[Obj], now: float) -> None:
        set_name = gs["metadata"]["name"]
        if isinstance(action, plan.Create):
            pod = podfacts.new_pod(gs, templates[action.revision], action.revision, action.ordinal)
            self._ensure_claims(gs, action.ordinal)
            created = self.store.create(pod)
            self.events.record(gs, NORMAL, SUCCESSFUL_CREATE, f"create Pod {created['metadata']['name']} in GameStatefulSet {set_name} successful")
        elif isinstance(action, plan.Delete):
            md = action.pod["metadata"]
            self.store.delete("Pod", md["namespace"], md["name"], grace_period_seconds=0 if action.force else None, uid=md["uid"])
            self.events.record(gs, NORMAL, SUCCESSFUL_DELETE, f"delete Pod {md['name']} in GameStatefulSet {set_name} successful")
        elif isinstance(action, plan.Refresh):
            self._write(action.pod, action.write)
        elif isinstance(action, plan.FixIdentity):
            fixed = clone(action.pod)
            fixed.pop("status", None)
            podfacts.set_identity(gs, fixed, podfacts.ordinal(fixed))
            podfacts.set_storage(gs, fixed, podfacts.ordinal(fixed))
            self._ensure_claims(gs, podfacts.ordinal(fixed))
            self.store.update(fixed)
        elif isinstance(action, plan.StartHook):
            self._start_pod_hook(gs, action.hook_type, action.pod, action.modified, podfacts.revision(action.pod))
        elif isinstance(action, plan.InPlace):
            step = inplace.start(action.pod, action.spec, {CONTROLLER_REVISION_HASH: update}, now)
            self._write(action.pod, step)
            name = action.pod["metadata"]["name"]
            self.events.record(gs, NORMAL, SUCCESSFUL_UPDATE_IN_PLACE, f"successfully update pod {name} in-place(revision {update})")
            if (gs["spec"].get("postInplaceUpdateStrategy") or {}).get("hook"):
                self._start_pod_hook(gs, hookruns.POST_INPLACE, action.pod, (), update)
        elif isinstance(action, plan.HotPatch):
            self.store.update(hotpatch.patched(action.pod, action.spec, now))
            name = action.pod["metadata"]["name"]
            self.events.record(gs, NORMAL, SUCCESSFUL_UPDATE_HOT_PATCH, f"successfully update pod {name} hot-patch(revision {update})")
        elif isinstance(action, plan.Refuse):
            reason = FAILED_UPDATE_IN_PLACE if action.update_type != "HotPatchUpdate" else FAILED_UPDATE_HOT_PATCH
            message = f"pod {action.pod['metadata']['name']} cannot be updated by {action.update_type}: only container images may change"
            before = list(conditions)
            conditions[:] = status.set_condition(conditions, status.FAILED_UPDATE, message, format_time(now))
            if conditions != before:
                self.events.record(gs, WARNING, reason, message)

    def _write(self, pod: Obj, step: inplace.PodWrite) -> None:
        """Status first (the readiness gate), then the object, carrying the new resourceVersion."""
        current = pod
        if step.status is not None:
            current = self.store.update_status(dict(pod, status=step.status))
        if step.pod is not None:
            obj = dict(step.pod)
            obj["metadata"] = dict(obj["metadata"], resourceVersion=current["metadata"]["resourceVersion"])
            self.store.update(obj)

    def _ensure_claims(self, gs: Obj, ordinal: int) -> None:
        for claim in podfacts.claims_for(gs, ordinal):
            if self.store.try_get("PersistentVolumeClaim", claim["metadata"]["namespace"], claim["metadata"]["name"]) is None:
                self.store.create(claim)

    def _write_status(
        self, gs: Obj, revisions: list[Obj], update: str, state: canary.CanaryState, conditions: list[Obj], routing: Obj | None
    ) -> Obj:
        """The one status write: a no-op when nothing changed; a change of ``trafficRouting`` is an Event."""
        old = gs.get("status") or {}
        collisions = int(old.get("collisionCount") or 0)
        new = status.calculate(gs, self._pods(gs), revisions, update, collisions, state, self._runs(gs), conditions, routing)
        if new == old:
            return gs
        written = self.store.update_status(dict(gs, status=new))
        if old.get(traffic.STATUS_KEY) != routing:
            self.events.record(written, NORMAL, traffic.TRAFFIC_ROUTING_UPDATED, traffic.event_message(old.get(traffic.STATUS_KEY), routing))
        return written
