"""What the ``rollout`` verbs need to know per workload kind, behind one small Protocol.

``rollout.py`` holds the shared steps (refuse while paused, skip when the template already
matches, write, messages); a ``RolloutKind`` answers the per-kind questions: where "paused" lives,
where the pod template is, where the revision history comes from (ReplicaSets for a Deployment,
ControllerRevisions for CloneSet and GameStatefulSet), how a revision is chosen for ``undo`` and
restored, and what ``rollout status`` says. New kinds register an implementation here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import jsonpatch

from graceroll.api.meta import Obj, clone, is_controlled_by
from graceroll.controllers import history as history_pkg
from graceroll.controllers.cloneset import progress as cloneset_progress
from graceroll.controllers.cloneset import revision as cloneset_revision
from graceroll.controllers.deployment import util
from graceroll.controllers.deployment.progress import PROGRESSING, TIMED_OUT, get_condition
from graceroll.errors import GracerollError, UsageError
from graceroll.store.base import Store


class RolloutFailed(GracerollError):
    """The rollout gave up (progress deadline exceeded): fix the template, or ``rollout undo``."""


@dataclass(frozen=True)
class Revision:
    """One entry of a workload's history: its number, its pod template and where it was recorded."""

    number: int
    template: Obj  # as recorded (a ReplicaSet's template still has its pod-template-hash label)
    change_cause: str
    source: Obj  # the ReplicaSet / ControllerRevision


class RolloutKind(Protocol):
    kind: str

    def is_paused(self, obj: Obj) -> bool: ...

    def set_paused(self, obj: Obj, paused: bool) -> None:
        """Change ``obj`` (a clone) to paused or resumed."""
        ...

    def pod_template(self, obj: Obj) -> Obj:
        """The pod template inside ``obj`` (changed in place by ``restart`` on a clone)."""
        ...

    def history(self, store: Store, obj: Obj) -> dict[int, Revision]:
        """Every revision with a readable number; a later entry wins a duplicate number."""
        ...

    def find_revision(self, store: Store, obj: Obj, to_revision: int) -> Revision:
        """The revision ``undo`` goes back to (0 = the one before the current); raises when there is none."""
        ...

    def matches(self, obj: Obj, revision: Revision) -> bool:
        """Whether ``obj`` already runs ``revision``'s template (undo then skips)."""
        ...

    def rolled_back(self, obj: Obj, revision: Revision) -> Obj:
        """A copy of ``obj`` restored to ``revision``."""
        ...

    def status(self, obj: Obj, revision: int) -> tuple[str, bool]:
        """``rollout status``: (message without a final newline, done); raises when the rollout failed."""
        ...


_KINDS: dict[str, RolloutKind] = {}


def register(impl: RolloutKind) -> RolloutKind:
    _KINDS[impl.kind] = impl
    return impl


def find(kind: str) -> RolloutKind | None:
    return _KINDS.get(kind)


# ---- Deployment ----------------------------------------------------------------------------------
_INT = re.compile(r"[+-]?\d+")


def parse_revision(text: str | None) -> int | None:
    """kubectl's revision parsing: missing is 0, a non-number is unreadable (``None``)."""
    if text is None:
        return 0
    return int(text) if _INT.fullmatch(text) else None


def rollback_patch(d: Obj, rs: Obj) -> list[Obj]:
    """The JSON patch ``rollout undo`` sends: the ReplicaSet's template without its hash label, and
    annotations rebuilt from the Deployment's skip-listed keys plus every other key of the ReplicaSet
    (``kubernetes/kubectl:pkg/polymorphichelpers/rollback.go`` ``getDeploymentPatch``).
    """
    template = clone(rs["spec"]["template"])
    labels = (template.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(util.POD_TEMPLATE_HASH_LABEL, None)
    annotations = util.deployment_annotations_from(
        d["metadata"].get("annotations") or {}, rs["metadata"].get("annotations") or {}
    )
    op = "replace" if "annotations" in d["metadata"] else "add"
    return [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": op, "path": "/metadata/annotations", "value": annotations},
    ]


class DeploymentRollout:
    """History from the Deployment's ReplicaSets (``kubernetes/kubectl:pkg/polymorphichelpers``)."""

    kind = "Deployment"

    def is_paused(self, obj: Obj) -> bool:
        return bool((obj.get("spec") or {}).get("paused"))

    def set_paused(self, obj: Obj, paused: bool) -> None:
        obj.setdefault("spec", {})["paused"] = paused

    def pod_template(self, obj: Obj) -> Obj:
        template: Obj = obj.setdefault("spec", {}).setdefault("template", {})
        return template

    def _replica_sets(self, store: Store, d: Obj) -> list[Obj]:
        """Old ReplicaSets first, the new one last: the order kubectl walks them in."""
        uid = d["metadata"].get("uid", "")
        rss = [rs for rs in store.list_owned("ReplicaSet", uid) if is_controlled_by(rs, uid)]
        new = util.find_new_replica_set(d, rss)
        return [rs for rs in rss if rs is not new] + ([new] if new is not None else [])

    def history(self, store: Store, obj: Obj) -> dict[int, Revision]:
        out: dict[int, Revision] = {}
        for rs in self._replica_sets(store, obj):
            number = parse_revision(util.annotation(rs, util.REVISION_ANNOTATION))
            if number is None:
                continue
            template = clone(rs["spec"].get("template") or {})
            cause = util.annotation(rs, util.CHANGE_CAUSE_ANNOTATION) or ""
            if cause:
                template.setdefault("metadata", {}).setdefault("annotations", {})[util.CHANGE_CAUSE_ANNOTATION] = cause
            out[number] = Revision(number, template, cause, rs)
        return out

    def find_revision(self, store: Store, obj: Obj, to_revision: int) -> Revision:
        latest: tuple[int, Obj] | None = None
        previous: tuple[int, Obj] | None = None
        for rs in self._replica_sets(store, obj):
            number = parse_revision(util.annotation(rs, util.REVISION_ANNOTATION))
            if number is None:
                continue
            if to_revision == 0:
                if latest is None or latest[0] < number:
                    previous, latest = latest, (number, rs)
                elif previous is None or previous[0] < number:
                    previous = (number, rs)
            elif number == to_revision:
                return self._revision(number, rs)
        if to_revision > 0:
            raise UsageError(f"unable to find specified revision {to_revision} in history")
        if previous is None:
            raise UsageError(f'no rollout history found for deployment "{obj["metadata"]["name"]}"')
        return self._revision(*previous)

    @staticmethod
    def _revision(number: int, rs: Obj) -> Revision:
        cause = util.annotation(rs, util.CHANGE_CAUSE_ANNOTATION) or ""
        return Revision(number, rs["spec"].get("template") or {}, cause, rs)

    def matches(self, obj: Obj, revision: Revision) -> bool:
        return util.equal_ignore_hash(revision.template, obj["spec"].get("template") or {})

    def rolled_back(self, obj: Obj, revision: Revision) -> Obj:
        restored: Obj = jsonpatch.apply_patch(obj, rollback_patch(obj, revision.source))
        return restored

    def status(self, obj: Obj, revision: int) -> tuple[str, bool]:
        """``kubernetes/kubectl:pkg/polymorphichelpers/rollout_status.go`` ``DeploymentStatusViewer``."""
        name = obj["metadata"]["name"]
        if revision > 0:
            text = util.annotation(obj, util.REVISION_ANNOTATION)
            running = parse_revision(text)
            if running is None:
                raise UsageError(f'cannot get the revision of deployment "{name}": invalid revision "{text}"')
            if revision != running:
                raise UsageError(f"desired revision ({revision}) is different from the running revision ({running})")
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        if int(obj["metadata"].get("generation") or 0) > int(status.get("observedGeneration") or 0):
            return "Waiting for deployment spec update to be observed...", False
        cond = get_condition(status, PROGRESSING)
        if cond is not None and cond.get("reason") == TIMED_OUT:
            raise RolloutFailed(f'deployment "{name}" exceeded its progress deadline')
        updated = int(status.get("updatedReplicas") or 0)
        replicas = int(status.get("replicas") or 0)
        available = int(status.get("availableReplicas") or 0)
        wanted = spec.get("replicas")
        if wanted is not None and updated < int(wanted):
            return f'Waiting for deployment "{name}" rollout to finish: {updated} out of {wanted} new replicas have been updated...', False
        if replicas > updated:
            return f'Waiting for deployment "{name}" rollout to finish: {replicas - updated} old replicas are pending termination...', False
        if available < updated:
            return f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} updated replicas are available...', False
        return f'deployment "{name}" successfully rolled out', True


DEPLOYMENT = register(DeploymentRollout())


# ---- CloneSet ------------------------------------------------------------------------------------


class CloneSetRollout:
    """History from the CloneSet's ControllerRevisions; pause is ``spec.updateStrategy.paused``.

    ``status`` reads like kubectl's StatefulSet viewer, with the partition as the target: a
    partitioned rollout is done once ``expectedUpdatedReplicas`` pods are updated and ready. A
    ``Progressing`` condition with reason ``ProgressDeadlineExceeded`` fails it, as a Deployment's.
    With canary steps (graceroll's extension) it names the step, and a rollout is done once every
    step is; ``rollout cancel`` goes back to the stable revision, as for a GameStatefulSet.
    """

    kind = "CloneSet"

    def is_paused(self, obj: Obj) -> bool:
        return bool(((obj.get("spec") or {}).get("updateStrategy") or {}).get("paused"))

    def set_paused(self, obj: Obj, paused: bool) -> None:
        obj.setdefault("spec", {}).setdefault("updateStrategy", {})["paused"] = paused

    def pod_template(self, obj: Obj) -> Obj:
        template: Obj = obj.setdefault("spec", {}).setdefault("template", {})
        return template

    def _revisions(self, store: Store, obj: Obj) -> list[Obj]:
        uid = obj["metadata"].get("uid", "")
        return history_pkg.sort_by_number(r for r in store.list_owned("ControllerRevision", uid) if is_controlled_by(r, uid))

    def _revision(self, r: Obj) -> Revision:
        cause = (r["metadata"].get("annotations") or {}).get(util.CHANGE_CAUSE_ANNOTATION, "")
        return Revision(history_pkg.number(r), cloneset_revision.template_of(r), cause, r)

    def history(self, store: Store, obj: Obj) -> dict[int, Revision]:
        return {history_pkg.number(r): self._revision(r) for r in self._revisions(store, obj)}

    def find_revision(self, store: Store, obj: Obj, to_revision: int) -> Revision:
        revisions = self._revisions(store, obj)
        if to_revision > 0:
            for r in revisions:
                if history_pkg.number(r) == to_revision:
                    return self._revision(r)
            raise UsageError(f"unable to find specified revision {to_revision} in history")
        if len(revisions) < 2:
            raise UsageError(f'no rollout history found for cloneset "{obj["metadata"]["name"]}"')
        return self._revision(revisions[-2])

    def matches(self, obj: Obj, revision: Revision) -> bool:
        return bool(revision.template == (obj.get("spec") or {}).get("template"))

    def rolled_back(self, obj: Obj, revision: Revision) -> Obj:
        restored = clone(obj)
        restored["spec"]["template"] = clone(revision.template)
        return restored

    def stable_revision(self, store: Store, obj: Obj) -> Revision:
        """The canary's stable revision (``status.canary.revision``), for ``rollout cancel``; without
        canary steps, the oldest revision still running (``status.currentRevision``)."""
        status = obj.get("status") or {}
        has_steps = bool((((obj.get("spec") or {}).get("updateStrategy") or {}).get("canary") or {}).get("steps"))
        stable = (status.get("canary") or {}).get("revision") if has_steps else status.get("currentRevision")
        for r in self._revisions(store, obj):
            if r["metadata"]["name"] == stable:
                return self._revision(r)
        raise UsageError(f'{self.kind.lower()} "{obj["metadata"]["name"]}" has no stable revision to go back to')

    def status(self, obj: Obj, revision: int) -> tuple[str, bool]:
        name = obj["metadata"]["name"]
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        if int(obj["metadata"].get("generation") or 0) > int(status.get("observedGeneration") or 0):
            return "Waiting for cloneset spec update to be observed...", False
        cond = cloneset_progress.get_condition(status)
        if cond is not None and cond.get("reason") == cloneset_progress.DEADLINE_EXCEEDED:
            raise RolloutFailed(f'cloneset "{name}" exceeded its progress deadline')
        where = canary_step_text(spec, status)
        if status.get("pauseConditions"):
            return f'{where}cloneset "{name}" is paused ({pause_reasons(status)}); "rollout resume" goes on', False
        replicas = int(spec.get("replicas", 1))
        expected = int(status.get("expectedUpdatedReplicas", replicas))
        updated = int(status.get("updatedReplicas") or 0)
        updated_ready = int(status.get("updatedReadyReplicas") or 0)
        if updated < expected:
            return f'{where}Waiting for cloneset "{name}" rollout to finish: {updated} out of {expected} new pods have been updated...', False
        if updated_ready < expected:
            return f'{where}Waiting for cloneset "{name}" rollout to finish: {updated_ready} of {expected} updated pods are ready...', False
        if int(status.get("replicas") or 0) != replicas:
            return f'{where}Waiting for cloneset "{name}" rollout to finish: {status.get("replicas", 0)} of {replicas} pods exist...', False
        if where:
            return f"{where}Waiting for the canary to move on...", False
        if expected < replicas:
            return f"partitioned roll out complete: {updated} new pods have been updated...", True
        return f'cloneset "{name}" successfully rolled out', True


def canary_step_text(spec: Obj, status: Obj) -> str:
    """``canary step 2/5 (pause; traffic: 10% to revision web-7c9): `` while canary steps run, else ""."""
    from graceroll.controllers.canary import state as canary
    from graceroll.controllers.canary import traffic

    steps = canary.steps_of(spec)
    index = int(status.get("currentStepIndex") or 0)
    if index >= len(steps):
        return ""
    routing = status.get(traffic.STATUS_KEY)
    shown = f"; traffic: {traffic.describe(routing)}" if routing else ""
    return f"canary step {index}/{len(steps)} ({canary.step_kind(steps[index])}{shown}): "


def pause_reasons(status: Obj) -> str:
    return ", ".join(str(p.get("reason")) for p in status.get("pauseConditions") or ())


CLONESET = register(CloneSetRollout())


# ---- BCS Mesos deployment ------------------------------------------------------------------------
class MesosDeploymentRollout:
    """Pause, resume and cancel are requests the controller carries out with bcs-scheduler's rules
    (the ``update-control`` annotation); history lists the applications (versions)."""

    kind = "MesosDeployment"

    def is_paused(self, obj: Obj) -> bool:
        return (obj.get("status") or {}).get("phase") in ("UpdatePaused", "UpdateSuspend")

    def set_paused(self, obj: Obj, paused: bool) -> None:
        phase = (obj.get("status") or {}).get("phase")
        if paused and phase != "Update":
            raise UsageError(f'deployment "{obj["metadata"]["name"]}" is {phase}: only an update in progress can be paused')
        request_control(obj, "pause" if paused else "resume")

    def pod_template(self, obj: Obj) -> Obj:
        template: Obj = obj.setdefault("spec", {}).setdefault("template", {})
        return template

    def _apps(self, store: Store, obj: Obj) -> list[Obj]:
        uid = obj["metadata"].get("uid", "")
        return sorted((a for a in store.list_owned("Application", uid) if is_controlled_by(a, uid)), key=lambda a: a["metadata"].get("creationTimestamp") or "")

    def history(self, store: Store, obj: Obj) -> dict[int, Revision]:
        return {i + 1: Revision(i + 1, a["spec"]["template"], a["metadata"]["name"], a) for i, a in enumerate(self._apps(store, obj))}

    def find_revision(self, store: Store, obj: Obj, to_revision: int) -> Revision:
        raise UsageError('a Mesos deployment goes back with "rollout cancel" during an update, or by applying the old JSON')

    def matches(self, obj: Obj, revision: Revision) -> bool:
        return bool(revision.template == (obj.get("spec") or {}).get("template"))

    def rolled_back(self, obj: Obj, revision: Revision) -> Obj:
        restored = clone(obj)
        restored["spec"]["template"] = clone(revision.template)
        return restored

    def status(self, obj: Obj, revision: int) -> tuple[str, bool]:
        name = obj["metadata"]["name"]
        status = obj.get("status") or {}
        phase = status.get("phase", "Deploying")
        if phase == "Running":
            running, wanted = int(status.get("runningInstances") or 0), int(obj["spec"].get("instance") or 0)
            if running < wanted:  # an Abnormal application: Running for updates, not yet all there
                why = f" ({status['message']})" if status.get("message") else ""
                return f'Waiting for deployment "{name}" to run: {running} of {wanted} instances running{why}...', False
            return f'deployment "{name}" is running application {status.get("application")}', True
        if phase in ("UpdatePaused", "UpdateSuspend"):
            return f'deployment "{name}" update is {phase} ({status.get("message") or "rollout resume to go on"}): {status.get("application")} → {status.get("newApplication")}', False
        if phase == "Update":
            return f'Waiting for deployment "{name}" update to finish: {status.get("application")} → {status.get("newApplication")}...', False
        return f'Waiting for deployment "{name}" to run...', False


def request_control(obj: Obj, action: str) -> None:
    """Ask the Mesos deployment controller to ``pause``, ``resume`` or ``cancel`` (changes ``obj``)."""
    from graceroll.controllers.mesos import CONTROL_ANNOTATION

    obj["metadata"].setdefault("annotations", {})[CONTROL_ANNOTATION] = action


MESOS_DEPLOYMENT = register(MesosDeploymentRollout())


# ---- BCS GameStatefulSet -------------------------------------------------------------------------
class GameStatefulSetRollout(CloneSetRollout):
    """History from ControllerRevisions (the same ``$patch: replace`` template data as a CloneSet's).

    ``spec.updateStrategy.paused`` belongs to the operator: it is true exactly while a canary pause
    condition exists, and any other value is overwritten on the next sync (bk-bcs 83deb16). So
    ``rollout resume`` (paused -> false) moves a paused canary on, and ``rollout pause`` is refused
    with the way to pause instead. ``rollout cancel`` goes back to the stable revision at once
    (``CloneSetRollout.stable_revision``).
    """

    kind = "GameStatefulSet"

    def set_paused(self, obj: Obj, paused: bool) -> None:
        if paused:
            raise UsageError(
                f'gamestatefulset "{obj["metadata"]["name"]}": spec.updateStrategy.paused is managed by the operator; '
                "pause a rollout with a canary step `pause: {}` in spec.updateStrategy.canary.steps"
            )
        super().set_paused(obj, paused)

    def status(self, obj: Obj, revision: int) -> tuple[str, bool]:
        from graceroll.controllers.gamestatefulset.canary import current_partition

        name = obj["metadata"]["name"]
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        if int(obj["metadata"].get("generation") or 0) > int(status.get("observedGeneration") or 0):
            return "Waiting for gamestatefulset spec update to be observed...", False
        replicas = int(spec.get("replicas", 1))
        expected = replicas - current_partition(spec, status)
        updated, updated_ready = int(status.get("updatedReplicas") or 0), int(status.get("updatedReadyReplicas") or 0)
        where = canary_step_text(spec, status)
        if status.get("pauseConditions"):
            return f'{where}gamestatefulset "{name}" is paused ({pause_reasons(status)}); "rollout resume" goes on', False
        if updated < expected:
            return f"{where}Waiting for partitioned roll out to finish: {updated} out of {expected} new pods have been updated...", False
        if updated_ready < expected or int(status.get("readyReplicas") or 0) < replicas:
            return f"{where}Waiting for {replicas - int(status.get('readyReplicas') or 0)} pods to be ready...", False
        if where:
            return f"{where}Waiting for the canary to move on...", False
        if expected < replicas:
            return f"partitioned roll out complete: {updated} new pods have been updated...", True
        return f"gamestatefulset rolling update complete {replicas} pods at revision {status.get('updateRevision')}...", True


GAME_STATEFUL_SET = register(GameStatefulSetRollout())
