"""The Mesos deployment: binds an application, scales it, rolls to a new one on update, pauses,
resumes, cancels.

Status: ``phase`` (``Deploying``, ``Running``, ``Update``, ``UpdatePaused``, ``UpdateSuspend``),
``message`` (outside an update, the bound application's: why a taskgroup cannot be placed),
``runningInstances`` (of all its applications), ``application`` (the bound one), ``runningSpec`` (the spec the bound application runs:
cancel restores the deployment to it), and during an update ``newApplication``, ``updateSpec``
(the spec it runs), ``step``, ``lastRollingTime``, ``stepPhaseStarted``, ``stepFrom`` (``cycle.State``)
and ``oldInstance`` (what the old application ran: cancel restores it). Both applications carry
the instance count their version defines in the ``define-instances`` annotation while the update
runs (upstream's ``DefineInstances``; ``get application`` prints it as INSTANCE).

Deleting a deployment (``Deleting``) scales its applications to 0 and removes them once their
taskgroups are gone; only then does the deployment go (a finalizer holds it).

A change of ``spec.instance`` alone (``graceroll scale mdeploy/NAME --replicas N``) scales the bound
application in place, as bcs-scheduler's scale does; any other change of the spec is an update.

``rollout pause|resume|cancel`` write the ``update-control`` annotation; the controller acts on it
with bcs-scheduler's rules (pause only while ``Update``; resume from ``UpdatePaused`` or
``UpdateSuspend``; cancel during any update phase) and removes it. Cancel deletes the new
application, gives the old one back its instance count — so taskgroups the steps removed are
started again — and restores the deployment's spec.
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.bcs_mesos import API_VERSION, UPDATE_PHASES, is_scale, running_spec
from graceroll.api.meta import Obj, clone, controller_ref
from graceroll.clock import Clock
from graceroll.controllers import podutil
from graceroll.controllers.events import NORMAL, WARNING, EventRecorder
from graceroll.controllers.mesos import (
    CONTROL_ANNOTATION,
    DEFINE_ANNOTATION,
    ROLLING_ANNOTATION,
    binding,
    cycle,
)
from graceroll.controllers.mesos.application import KIND as APP
from graceroll.controllers.mesos.application import index_of
from graceroll.controllers.runtime import Key, Result
from graceroll.errors import NotFound
from graceroll.store.base import Store, WatchEvent

KIND = "MesosDeployment"
FINALIZER = "mesos.bcs.tencent.com/applications"  # held until every application's taskgroups are gone
TICK = 1.0  # bcs-scheduler's checker period
ROLLING_DOWN = "RollingUpdateDown"  # the old application's sub-status during an update
ROLLING_UP = "RollingUpdateUp"
UPDATE_KEYS = ("newApplication", "updateSpec", "step", "lastRollingTime", "stepPhaseStarted", "stepFrom", "oldInstance")
SETTLED = ("Running", "Abnormal")  # application statuses an update may start from (UpdateDeployment)

# Event reasons
SCALING_APPLICATION = "ScalingApplication"
UPDATE_STARTED = "UpdateStarted"
UPDATE_SUSPENDED = "UpdateSuspend"
UPDATE_FINISHED = "UpdateFinished"
UPDATE_CANCELLED = "UpdateCancelled"
CONTROL_REFUSED = "ControlRefused"


class MesosDeploymentController:
    name = "mesos-deployment"

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.events = EventRecorder(store, clock, "bcs-scheduler")

    def all_keys(self) -> list[Key]:
        return [(d["metadata"]["namespace"], d["metadata"]["name"]) for d in self.store.list(KIND)]

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        if obj["kind"] == KIND:
            return ((obj["metadata"]["namespace"], obj["metadata"]["name"]),)
        ref = controller_ref(obj) if obj["kind"] in (APP, "Pod") else None
        if obj["kind"] == "Pod" and ref is not None and ref.get("kind") == APP:
            app = self.store.try_get(APP, obj["metadata"]["namespace"], ref["name"])
            ref = controller_ref(app) if app is not None else None
        if ref is not None and ref.get("kind") == KIND:
            return ((obj["metadata"]["namespace"], ref["name"]),)
        return ()

    # ---- entry -------------------------------------------------------------------------------
    def reconcile(self, key: Key) -> Result:
        d = self.store.try_get(KIND, *key)
        if d is None:
            return Result()
        status = dict(d.get("status") or {})
        if d["metadata"].get("deletionTimestamp"):
            return self._delete_applications(d, status)
        if FINALIZER not in (d["metadata"].get("finalizers") or []):
            held = clone(d)
            held["metadata"]["finalizers"] = [*(d["metadata"].get("finalizers") or []), FINALIZER]
            d = self.store.update(held)
        if (d["metadata"].get("annotations") or {}).get(CONTROL_ANNOTATION):
            return self._control(d, status)
        if not status.get("application"):
            return self._create(d, status)
        old = self.store.try_get(APP, d["metadata"]["namespace"], status["application"])
        if old is None:
            return self._write(d, status | {"message": f"application {status['application']} is gone"})
        if status.get("phase") in UPDATE_PHASES:
            return self._roll(d, status, old)
        wanted = running_spec(d["spec"])
        if wanted != status.get("runningSpec") and int(d["metadata"].get("generation", 0)) > int(status.get("observedGeneration", 0)):
            if is_scale(status.get("runningSpec") or {}, wanted):
                return self._scale(d, status, old)
            return self._start_update(d, status, old)
        app_status = old.get("status") or {}
        phase = "Running" if app_status.get("status") in SETTLED else "Deploying"
        return self._write(d, status | {"phase": phase, "message": app_status.get("message", "")})

    # ---- create, scale, update ---------------------------------------------------------------
    def _create(self, d: Obj, status: Obj) -> Result:
        ns, uid = d["metadata"]["namespace"], d["metadata"]["uid"]
        owned = [a for a in self.store.list_owned(APP, uid) if (controller_ref(a) or {}).get("uid") == uid]
        if owned:  # created on an earlier pass whose status write was lost
            name = owned[0]["metadata"]["name"]
        else:
            chosen = binding.choose(d["spec"].get("selector"), d["spec"].get("template") is not None, self.store.list(APP, ns))
            if chosen.action == binding.REFUSE:
                return self._write(d, status | {"phase": "Deploying", "message": chosen.message})
            if chosen.action == binding.BIND:
                assert chosen.application is not None
                return self._bind(d, status, chosen.application)
            name = d["metadata"]["name"]
            if self.store.try_get(APP, ns, name) is not None:
                name = f"{name}-v{int(self.clock.now())}"  # the name is taken: a version suffix, as upstream
            if chosen.application is not None:  # replace
                self._delete(chosen.application)
            self.store.create(self._application(d, name, int(d["spec"]["instance"])))
        generation = int(d["metadata"].get("generation", 0))
        return self._write(d, status | {"phase": "Deploying", "application": name, "runningSpec": running_spec(d["spec"]), "message": "", "observedGeneration": generation})

    def _bind(self, d: Obj, status: Obj, app: Obj) -> Result:
        """Adopt an application as it runs; the deployment's instance count applies to it."""
        md = d["metadata"]
        adopted = clone(app)
        ref = {"apiVersion": API_VERSION, "kind": KIND, "name": md["name"], "uid": md["uid"], "controller": True, "blockOwnerDeletion": True}
        adopted["metadata"]["ownerReferences"] = [*(app["metadata"].get("ownerReferences") or []), ref]
        adopted = self.store.update(adopted)
        self._scale_application(d, adopted, int(d["spec"]["instance"]))
        generation = int(md.get("generation", 0))
        bound = {"phase": "Deploying", "application": app["metadata"]["name"], "runningSpec": running_spec(d["spec"]), "message": "", "observedGeneration": generation}
        return self._write(d, status | bound)

    def _scale(self, d: Obj, status: Obj, app: Obj) -> Result:
        self._scale_application(d, app, int(d["spec"]["instance"]))
        generation = int(d["metadata"].get("generation", 0))
        return self._write(d, status | {"phase": "Deploying", "runningSpec": running_spec(d["spec"]), "observedGeneration": generation})

    def _start_update(self, d: Obj, status: Obj, old: Obj) -> Result:
        """``UpdateDeployment``; its refusals (no ``rollingOrder``, no template, not Running) are
        made at admission (``validate_deployment_update``). The one thing left to wait for: an
        application still deploying (upstream refuses with "please try later")."""
        generation = int(d["metadata"].get("generation", 0))
        if (old.get("status") or {}).get("status") not in SETTLED:
            return self._write(d, status | {"message": "waiting for the application to run before updating"})
        name = f"{d['metadata']['name']}-v{int(self.clock.now())}"
        new = self._application(d, name, 0)
        new["metadata"]["annotations"] = {DEFINE_ANNOTATION: str(int(d["spec"]["instance"])), ROLLING_ANNOTATION: ROLLING_UP}
        self.store.create(new)
        self._mark_rolling(old, ROLLING_DOWN, int(old["spec"]["instance"]))
        self.events.record(d, NORMAL, UPDATE_STARTED, f"rolling update from {old['metadata']['name']} to {name}")
        update = {
            "phase": "Update",
            "message": "",
            "newApplication": name,
            "updateSpec": running_spec(d["spec"]),
            "step": "",
            "lastRollingTime": 0,
            "stepPhaseStarted": 0,
            "stepFrom": 0,
            "oldInstance": int(old["spec"]["instance"]),
            "observedGeneration": generation,
        }
        return self._write(d, status | update)

    def _application(self, d: Obj, name: str, instance: int) -> Obj:
        md = d["metadata"]
        ref = {"apiVersion": API_VERSION, "kind": KIND, "name": md["name"], "uid": md["uid"], "controller": True, "blockOwnerDeletion": True}
        spec = {k: v for k, v in running_spec(d["spec"]).items() if v is not None} | {"instance": instance}
        return {
            "apiVersion": API_VERSION,
            "kind": APP,
            "metadata": {"name": name, "namespace": md["namespace"], "labels": dict(md.get("labels") or {}), "ownerReferences": [ref]},
            "spec": spec,
        }

    # ---- rolling -----------------------------------------------------------------------------
    def _roll(self, d: Obj, status: Obj, old: Obj) -> Result:
        ns = d["metadata"]["namespace"]
        new = self.store.try_get(APP, ns, status["newApplication"])
        if new is None:
            return self._write(d, status | {"phase": "UpdateSuspend", "message": f"application {status['newApplication']} is gone"})
        ru = d["spec"]["strategy"]["rollingUpdate"]
        rolling = cycle.Rolling(int(ru["maxUnavailable"]), int(ru["maxSurge"]), float(ru["upgradeDuration"]), str(ru.get("rollingOrder")), bool(ru.get("rollingManually")))
        state = cycle.State(
            status["phase"], status.get("step", ""), float(status.get("lastRollingTime", 0)), float(status.get("stepPhaseStarted", 0)), int(status.get("stepFrom", 0))
        )
        defined = int((new["metadata"].get("annotations") or {}).get(DEFINE_ANNOTATION, d["spec"]["instance"]))
        decision = cycle.decide(rolling, state, self._facts(old), self._facts(new), defined, self.clock.now())
        if decision.finished:
            return self._finish(d, status, old, new)
        if decision.old_instance is not None:
            self._scale_application(d, old, decision.old_instance)
        if decision.new_instance is not None:
            self._scale_application(d, new, decision.new_instance)
        s = decision.state
        message = status.get("message", "")
        if decision.message is not None:
            message = decision.message
            self.events.record(d, WARNING, UPDATE_SUSPENDED, message)
        elif decision.step_ended and s.phase == "UpdatePaused":
            message = "rollingupdate paused"
        moved = {"phase": s.phase, "step": s.step, "lastRollingTime": s.last_rolling_time, "stepPhaseStarted": s.step_phase_started, "stepFrom": s.step_from}
        self._write(d, status | moved | {"message": message})
        return Result(TICK)

    def _facts(self, app: Obj) -> cycle.App:
        uid = app["metadata"]["uid"]
        pods = [p for p in self.store.list_owned("Pod", uid) if (controller_ref(p) or {}).get("uid") == uid]
        want = int(app["spec"]["instance"])
        ready = frozenset(index_of(p) for p in pods if podutil.is_active(p) and index_of(p) < want and podutil.is_ready(p))
        return cycle.App(want, len(pods), ready)

    def _finish(self, d: Obj, status: Obj, old: Obj, new: Obj) -> Result:
        self._delete(old)
        self._mark_rolling(new, None, None)
        self.events.record(d, NORMAL, UPDATE_FINISHED, f"rolling update to {new['metadata']['name']} finished")
        done = {k: v for k, v in status.items() if k not in UPDATE_KEYS}
        running = status.get("updateSpec") or running_spec(d["spec"])
        return self._write(d, done | {"phase": "Running", "application": new["metadata"]["name"], "runningSpec": running, "message": ""})

    # ---- delete ------------------------------------------------------------------------------
    def _delete_applications(self, d: Obj, status: Obj) -> Result:
        """``Deleting``: every application is scaled to 0; once no taskgroup is left they go, then
        the deployment (its finalizer released)."""
        if FINALIZER not in (d["metadata"].get("finalizers") or []):
            return Result()
        uid = d["metadata"]["uid"]
        apps = [a for a in self.store.list_owned(APP, uid) if (controller_ref(a) or {}).get("uid") == uid]
        self._write(d, status | {"phase": "Deleting", "message": ""})
        for app in apps:
            self._scale_application(d, app, 0)
        if any(self.store.list_owned("Pod", a["metadata"]["uid"]) for a in apps):
            return Result()  # pod deletions bring us back
        for app in apps:
            self._delete(app)
        released = clone(self.store.get(KIND, d["metadata"]["namespace"], d["metadata"]["name"]))
        released["metadata"]["finalizers"] = [f for f in released["metadata"]["finalizers"] if f != FINALIZER]
        self.store.update(released)
        return Result()

    # ---- pause, resume, cancel ---------------------------------------------------------------
    def _control(self, d: Obj, status: Obj) -> Result:
        action = d["metadata"]["annotations"][CONTROL_ANNOTATION]
        phase = status.get("phase")
        cleared = clone(d)
        del cleared["metadata"]["annotations"][CONTROL_ANNOTATION]
        if action == "cancel" and phase in UPDATE_PHASES:
            return self._cancel(cleared, status)
        cleared = self.store.update(cleared)
        if action == "pause" and phase == "Update":
            return self._write(cleared, status | {"phase": "UpdatePaused", "message": "rollingupdate paused"})
        if action == "resume" and phase in ("UpdatePaused", "UpdateSuspend"):
            # after a suspension the next tick begins a new step (the suspended one was abandoned)
            return self._write(cleared, status | {"phase": "Update", "message": ""})
        self.events.record(d, WARNING, CONTROL_REFUSED, f"cannot {action} a deployment in status {phase}")
        return Result()

    def _cancel(self, d: Obj, status: Obj) -> Result:
        ns = d["metadata"]["namespace"]
        new = self.store.try_get(APP, ns, status.get("newApplication", ""))
        if new is not None:
            self._delete(new)
        old = self.store.try_get(APP, ns, status["application"])
        if old is not None:
            old = self._mark_rolling(old, None, None)
            self._scale_application(d, old, int(status.get("oldInstance", old["spec"]["instance"])))
        for k, v in (status.get("runningSpec") or {}).items():
            if v is None:
                d["spec"].pop(k, None)
            else:
                d["spec"][k] = v
        d = self.store.update(d)
        self.events.record(d, NORMAL, UPDATE_CANCELLED, f"update cancelled: back to {status['application']}")
        done = {k: v for k, v in status.items() if k not in UPDATE_KEYS}
        return self._write(d, done | {"phase": "Running", "message": "", "observedGeneration": int(d["metadata"].get("generation", 0))})

    # ---- writes ------------------------------------------------------------------------------
    def _scale_application(self, d: Obj, app: Obj, instance: int) -> Obj:
        """Every change of an application's instance count goes through here (no-op when unchanged)."""
        before = int(app["spec"]["instance"])
        if before == instance:
            return app
        scaled = clone(app)
        scaled["spec"]["instance"] = instance
        stored = self.store.update(scaled)
        self.events.record(d, NORMAL, SCALING_APPLICATION, f"scale application {d['metadata']['namespace']}/{app['metadata']['name']} {before} -> {instance}")
        return stored

    def _mark_rolling(self, app: Obj, sub_status: str | None, defined: int | None) -> Obj:
        """Set (or, with None, remove) the rolling sub-status and the instance count the
        application's version defines (upstream's ``DefineInstances``, which the steps leave alone)."""
        wanted = {ROLLING_ANNOTATION: sub_status, DEFINE_ANNOTATION: None if defined is None else str(defined)}
        annotations = dict(app["metadata"].get("annotations") or {})
        for key, value in wanted.items():
            if value is None:
                annotations.pop(key, None)
            else:
                annotations[key] = value
        if annotations == (app["metadata"].get("annotations") or {}):
            return app
        marked = clone(app)
        marked["metadata"]["annotations"] = annotations
        return self.store.update(marked)

    def _write(self, d: Obj, status: Obj) -> Result:
        """Write ``status`` (with the running taskgroups of every version) if it changed."""
        uid = d["metadata"]["uid"]
        apps = [a for a in self.store.list_owned(APP, uid) if (controller_ref(a) or {}).get("uid") == uid]
        status = status | {"runningInstances": sum(int((a.get("status") or {}).get("runningInstances", 0)) for a in apps)}
        if d.get("status") != status:
            new = clone(d)
            new["status"] = status
            self.store.update_status(new)
        return Result()

    def _delete(self, app: Obj) -> None:
        try:
            self.store.delete(APP, app["metadata"]["namespace"], app["metadata"]["name"])
        except NotFound:
            pass
