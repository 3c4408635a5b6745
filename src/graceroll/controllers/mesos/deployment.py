"""The Mesos deployment: binds an application, rolls to a new one on update, pauses, resumes, cancels.

Status: ``phase`` (``Deploying``, ``Running``, ``Update``, ``UpdatePaused``, ``UpdateSuspend``),
``message``, ``application`` (the bound one), and during an update ``newApplication``, ``step``,
``lastRollingTime``, ``oldInstance`` (what the old application ran: cancel restores it) and
``runningSpec`` (the spec the bound application runs: cancel restores the deployment to it).

``rollout pause|resume|cancel`` write the ``update-control`` annotation; the controller acts on it
with bcs-scheduler's rules (pause only while ``Update``; resume from ``UpdatePaused`` or
``UpdateSuspend``; cancel during any update phase) and removes it. Cancel deletes the new
application, gives the old one back its instance count — so taskgroups the steps removed are
started again — and restores the deployment's spec. The step timeouts that suspend an update
upstream (300 s create, 7500 s delete) are not modelled: a step waits as long as it takes.
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.bcs_mesos import API_VERSION
from graceroll.api.meta import Obj, clone, controller_ref
from graceroll.clock import Clock
from graceroll.controllers import podutil
from graceroll.controllers.events import EventRecorder
from graceroll.controllers.mesos import CONTROL_ANNOTATION, DEFINE_ANNOTATION, UPDATE_PHASES, cycle
from graceroll.controllers.mesos.application import KIND as APP
from graceroll.controllers.mesos.application import index_of
from graceroll.controllers.runtime import Key, Result
from graceroll.errors import NotFound
from graceroll.store.base import Store, WatchEvent

KIND = "MesosDeployment"
TICK = 1.0  # bcs-scheduler's checker period


def running_spec(d: Obj) -> Obj:
    spec = d["spec"]
    return {"instance": spec["instance"], "template": spec["template"], "killPolicy": spec.get("killPolicy")}


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
        if d is None or d["metadata"].get("deletionTimestamp"):
            return Result()
        status = dict(d.get("status") or {})
        if (d["metadata"].get("annotations") or {}).get(CONTROL_ANNOTATION):
            return self._control(d, status)
        if not status.get("application"):
            return self._create(d, status)
        old = self.store.try_get(APP, d["metadata"]["namespace"], status["application"])
        if old is None:
            return self._write(d, status | {"message": f"application {status['application']} is gone"})
        if status.get("phase") in UPDATE_PHASES:
            return self._roll(d, status, old)
        app_status = old.get("status") or {}
        phase = "Running" if app_status.get("status") == "Running" else "Deploying"
        if running_spec(d) != status.get("runningSpec") and int(d["metadata"].get("generation", 0)) > int(status.get("observedGeneration", 0)):
            return self._start_update(d, status, old)
        return self._write(d, status | {"phase": phase})

    # ---- create and update -------------------------------------------------------------------
    def _create(self, d: Obj, status: Obj) -> Result:
        name = d["metadata"]["name"]
        existing = self.store.try_get(APP, d["metadata"]["namespace"], name)
        if existing is not None and (controller_ref(existing) or {}).get("uid") != d["metadata"]["uid"]:
            name = f"{name}-v{int(self.clock.now())}"  # the name is taken: a version suffix, as upstream
        if self.store.try_get(APP, d["metadata"]["namespace"], name) is None:
            self.store.create(self._application(d, name, int(d["spec"]["instance"])))
        return self._write(d, status | {"phase": "Deploying", "application": name, "runningSpec": running_spec(d), "message": ""})

    def _start_update(self, d: Obj, status: Obj, old: Obj) -> Result:
        ru = d["spec"]["strategy"].get("rollingUpdate") or {}
        generation = int(d["metadata"].get("generation", 0))
        if ru.get("rollingOrder") not in ("CreateFirst", "DeleteFirst"):
            message = f"rollingOrder must be CreateFirst or DeleteFirst for an update, got {ru.get('rollingOrder')!r}"
            self.events.record(d, "Warning", "UpdateRefused", message)
            return self._write(d, status | {"message": message, "observedGeneration": generation})
        if (old.get("status") or {}).get("status") != "Running":
            return self._write(d, status | {"message": "waiting for the application to run before updating"})
        name = f"{d['metadata']['name']}-v{int(self.clock.now())}"
        new = self._application(d, name, 0)
        new["metadata"]["annotations"] = {DEFINE_ANNOTATION: str(int(d["spec"]["instance"]))}
        self.store.create(new)
        self.events.record(d, "Normal", "UpdateStarted", f"rolling update from {old['metadata']['name']} to {name}")
        return self._write(
            d,
            status
            | {
                "phase": "Update",
                "message": "",
                "newApplication": name,
                "step": "",
                "lastRollingTime": 0,
                "oldInstance": int(old["spec"]["instance"]),
                "observedGeneration": generation,
            },
        )

    def _application(self, d: Obj, name: str, instance: int) -> Obj:
        md = d["metadata"]
        return {
            "apiVersion": API_VERSION,
            "kind": APP,
            "metadata": {
                "name": name,
                "namespace": md["namespace"],
                "labels": dict(md.get("labels") or {}),
                "ownerReferences": [{"apiVersion": API_VERSION, "kind": KIND, "name": md["name"], "uid": md["uid"], "controller": True, "blockOwnerDeletion": True}],
            },
            "spec": {"instance": instance, "template": d["spec"]["template"], "killPolicy": d["spec"].get("killPolicy"), "constraint": d["spec"].get("constraint")},
        }

    # ---- rolling -----------------------------------------------------------------------------
    def _roll(self, d: Obj, status: Obj, old: Obj) -> Result:
        ns = d["metadata"]["namespace"]
        new = self.store.try_get(APP, ns, status["newApplication"])
        if new is None:
            return self._write(d, status | {"phase": "UpdateSuspend", "message": f"application {status['newApplication']} is gone"})
        ru = d["spec"]["strategy"]["rollingUpdate"]
        rolling = cycle.Rolling(int(ru["maxUnavailable"]), int(ru["maxSurge"]), float(ru["upgradeDuration"]), str(ru["rollingOrder"]), bool(ru.get("rollingManually")))
        state = cycle.State(status["phase"], status.get("step", ""), float(status.get("lastRollingTime", 0)))
        defined = int((new["metadata"].get("annotations") or {}).get(DEFINE_ANNOTATION, d["spec"]["instance"]))
        decision = cycle.decide(rolling, state, self._facts(old), self._facts(new), defined, self.clock.now())
        if decision.finished:
            return self._finish(d, status, old, new)
        for app, instance in ((old, decision.old_instance), (new, decision.new_instance)):
            if instance is not None and instance != app["spec"]["instance"]:
                scaled = clone(app)
                scaled["spec"]["instance"] = instance
                self.store.update(scaled)
        s = decision.state
        message = "rollingupdate paused" if decision.step_ended and s.phase == "UpdatePaused" else status.get("message", "")
        if decision.step_ended:
            self.events.record(d, "Normal", "RollingStep", f"step done: {old['metadata']['name']} runs {old['spec']['instance']}, {new['metadata']['name']} runs {new['spec']['instance']}")
        self._write(d, status | {"phase": s.phase, "step": s.step, "lastRollingTime": s.last_rolling_time, "message": message})
        return Result(TICK)

    def _facts(self, app: Obj) -> cycle.App:
        uid = app["metadata"]["uid"]
        pods = [p for p in self.store.list_owned("Pod", uid) if (controller_ref(p) or {}).get("uid") == uid]
        want = int(app["spec"]["instance"])
        kept = [p for p in pods if podutil.is_active(p) and index_of(p) < want]
        return cycle.App(want, len(pods), sum(1 for p in kept if podutil.is_ready(p)))

    def _finish(self, d: Obj, status: Obj, old: Obj, new: Obj) -> Result:
        self._delete(old)
        self.events.record(d, "Normal", "UpdateFinished", f"rolling update to {new['metadata']['name']} finished")
        done = {k: v for k, v in status.items() if k not in ("newApplication", "step", "lastRollingTime", "oldInstance")}
        return self._write(d, done | {"phase": "Running", "application": new["metadata"]["name"], "runningSpec": running_spec(d), "message": ""})

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
            return self._write(cleared, status | {"phase": "Update", "message": ""})
        self.events.record(d, "Warning", "ControlRefused", f"cannot {action} a deployment in status {phase}")
        return Result()

    def _cancel(self, d: Obj, status: Obj) -> Result:
        ns = d["metadata"]["namespace"]
        new = self.store.try_get(APP, ns, status.get("newApplication", ""))
        if new is not None:
            self._delete(new)
        old = self.store.try_get(APP, ns, status["application"])
        if old is not None and old["spec"]["instance"] != status.get("oldInstance"):
            recovered = clone(old)
            recovered["spec"]["instance"] = status["oldInstance"]
            self.store.update(recovered)
        d["spec"].update({k: v for k, v in status["runningSpec"].items() if v is not None})
        d = self.store.update(d)
        self.events.record(d, "Normal", "UpdateCancelled", f"update cancelled: back to {status['application']}")
        done = {k: v for k, v in status.items() if k not in ("newApplication", "step", "lastRollingTime", "oldInstance")}
        return self._write(d, done | {"phase": "Running", "message": "", "observedGeneration": int(d["metadata"].get("generation", 0))})

    # ---- writes ------------------------------------------------------------------------------
    def _write(self, d: Obj, status: Obj) -> Result:
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
