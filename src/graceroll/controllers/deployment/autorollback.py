"""Automatic rollback of a Deployment (graceroll's, opt-in), and its judge: a pure planner.

Upstream Deployments only set ``ProgressDeadlineExceeded`` and leave the undo to people. With the
annotation ``graceroll.io/auto-rollback: "true"`` the controller undoes a failed rollout itself,
back to the **last complete revision**: the one that was last fully rolled out. The controller
records that revision's pod-template-hash in ``graceroll.io/stable-revision`` each time a
rollout completes. The spec stays upstream-shaped: only annotations and a status condition are
added.

A rollout has failed when:

* its Progressing condition says ``ProgressDeadlineExceeded`` for the new ReplicaSet; or
* the annotation ``graceroll.io/judge: <HookTemplate>`` names a judge, and the HookRun made from
  that template for the new revision ended ``Failed`` or ``Error``. The run is created while the
  new revision is progressing: a new ReplicaSet that differs from the stable one, and a rollout
  not yet complete. It gets the args ``CanaryRevision`` (the new pods' pod-template-hash) and
  ``StableRevision`` (the stable one's), which the built-in judge, the ``graceroll`` provider,
  compares. ``Inconclusive`` does nothing. Without auto-rollback the judge still runs, and its
  HookRun shows the verdict. A Deployment rolls on without waiting for its judge, so a judge
  needs a rollout slow enough to watch (``minReadySeconds``, a small ``maxSurge``, or a pause).

The undo writes the stable ReplicaSet's template back (as ``rollout undo`` does: its annotations,
and graceroll's own kept), resumes a paused Deployment so the undo can roll, sets the condition
``RolledBack`` (reason ``ProgressDeadlineExceeded`` or ``JudgeFailed``), and records a Warning event
``AutoRollback``. It never loops. After the undo the new ReplicaSet *is* the stable one, and a
stable revision is never rolled back, even if its own rollout then stalls. The failed revision
is not tried again by itself: its template is gone from the spec, and its judge runs are deleted
when the new ReplicaSet changes. A user who applies it again starts a fresh attempt, judged
afresh. ``RolledBack`` stays until a rollout of another revision starts.

Example: revisions 1 (complete, stable a1) and 2 (b2) whose pods never turn ready, deadline 60 s:
at 61 s Progressing is False/ProgressDeadlineExceeded for b2, so the template of a1 comes back. It
becomes revision 3 and rolls, and ``RolledBack`` says "rolled back from b2 to a1".
"""

from __future__ import annotations

from dataclasses import dataclass

from graceroll.api.meta import Obj, clone
from graceroll.controllers.bcshook import runs as hookruns
from graceroll.controllers.deployment import util
from graceroll.controllers.deployment.progress import PROGRESSING, TIMED_OUT, condition, get_condition

AUTO_ROLLBACK_ANNOTATION = "graceroll.io/auto-rollback"
JUDGE_ANNOTATION = "graceroll.io/judge"
STABLE_REVISION_ANNOTATION = util.STABLE_REVISION_ANNOTATION  # written by the controller
ROLLED_BACK = "RolledBack"  # condition type
JUDGE_FAILED = "JudgeFailed"  # condition reason (the other: progress.TIMED_OUT)
AUTO_ROLLBACK = "AutoRollback"  # event reason
JUDGE_RUN_TYPE = "deployment-judge"  # hookrun-type label of a judge's runs
FAILED_JUDGE_PHASES = ("Failed", "Error")


@dataclass(frozen=True)
class Rollback:
    deployment: Obj  # to write: the stable template back, graceroll's annotations kept, resumed
    condition: dict[str, str]  # RolledBack, to set in status
    message: str  # the event's


@dataclass(frozen=True)
class Plan:
    record_stable: str | None = None  # a rollout completed: the annotation's new value
    rollback: Rollback | None = None
    create_run: tuple[str, str] | None = None  # (canary hash, stable hash): a judge run should exist
    delete_runs: tuple[Obj, ...] = ()  # judge runs of other revisions
    terminate_runs: tuple[Obj, ...] = ()  # running judge runs of a rollout that completed
    clear_condition: bool = False  # a rollout of another revision started: RolledBack goes


def enabled(d: Obj) -> bool:
    return util.annotation(d, AUTO_ROLLBACK_ANNOTATION) == "true"


def judge_template(d: Obj) -> str:
    return util.annotation(d, JUDGE_ANNOTATION) or ""


def hash_of(rs: Obj) -> str:
    return str(((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels", {}).get(util.POD_TEMPLATE_HASH_LABEL, ""))


def stable_replica_set(d: Obj, rss: list[Obj], new_rs: Obj | None) -> Obj | None:
    """The ReplicaSet of the recorded stable revision; without a record (auto-rollback turned on
    in the middle of a rollout), the newest other ReplicaSet that has available pods."""
    recorded = util.annotation(d, STABLE_REVISION_ANNOTATION)
    if recorded:
        return next((rs for rs in rss if hash_of(rs) == recorded), None)
    others = [rs for rs in rss if rs is not new_rs and util.status_field(rs, "availableReplicas") > 0]
    return util.sort_by_revision(others)[-1] if others else None


def plan(d: Obj, rss: list[Obj], new_rs: Obj | None, runs: list[Obj], now: float) -> Plan:
    """What to do this pass (see the module docstring); an empty plan when neither annotation is set."""
    judge = judge_template(d)
    if not enabled(d) and not judge:
        return Plan()
    status = d.get("status") or {}
    new_hash = hash_of(new_rs) if new_rs is not None else ""
    complete = new_rs is not None and util.deployment_complete(d, status)
    if complete and util.annotation(d, STABLE_REVISION_ANNOTATION) != new_hash:
        return Plan(record_stable=new_hash)
    stable_rs = stable_replica_set(d, rss, new_rs)
    stable_hash = hash_of(stable_rs) if stable_rs is not None else ""
    progressing = new_rs is not None and not complete and stable_rs is not None and new_hash != stable_hash
    judge_runs = hookruns.of_type(runs, JUDGE_RUN_TYPE)
    current = hookruns.find(judge_runs, {hookruns.REVISION_LABEL: new_hash}) if new_hash else None
    stale = tuple(r for r in judge_runs if (r["metadata"].get("labels") or {}).get(hookruns.REVISION_LABEL) != new_hash)
    clear = get_condition(status, ROLLED_BACK) is not None and progressing
    if progressing and enabled(d):
        assert new_rs is not None and stable_rs is not None
        why = _failure(new_rs, status, current)
        if why is not None:
            return Plan(rollback=_rollback(d, new_rs, stable_rs, *why, now), delete_runs=stale)
    create = (new_hash, stable_hash) if progressing and judge and current is None else None
    running = tuple(r for r in judge_runs if complete and not hookruns.is_completed(r) and not (r.get("spec") or {}).get("terminate"))
    return Plan(create_run=create, delete_runs=stale, terminate_runs=running, clear_condition=clear)


def _failure(new_rs: Obj, status: Obj, run: Obj | None) -> tuple[str, str] | None:
    """(reason, why) when the rollout of ``new_rs`` has failed."""
    cond = get_condition(status, PROGRESSING)
    if cond is not None and cond.get("reason") == TIMED_OUT and f'"{new_rs["metadata"]["name"]}"' in str(cond.get("message") or ""):
        return TIMED_OUT, str(cond.get("message"))
    if run is not None and hookruns.phase(run) in FAILED_JUDGE_PHASES:
        detail = (run.get("status") or {}).get("message") or ""
        return JUDGE_FAILED, f"judge HookRun {run['metadata']['name']} ended {hookruns.phase(run)}" + (f": {detail}" if detail else "")
    return None


def _rollback(d: Obj, new_rs: Obj, stable_rs: Obj, reason: str, why: str, now: float) -> Rollback:
    """``rollout undo`` to the stable ReplicaSet, made by the controller (rollback.go's write)."""
    new = clone(d)
    template = clone(stable_rs["spec"]["template"])
    template.setdefault("metadata", {}).setdefault("labels", {}).pop(util.POD_TEMPLATE_HASH_LABEL, None)
    new["spec"]["template"] = template
    own = d["metadata"].get("annotations") or {}
    annotations = util.deployment_annotations_from(own, stable_rs["metadata"].get("annotations") or {})
    annotations.update({k: own[k] for k in (AUTO_ROLLBACK_ANNOTATION, JUDGE_ANNOTATION) if k in own})
    new["metadata"]["annotations"] = annotations
    resumed = bool(d["spec"].get("paused"))
    new["spec"]["paused"] = False
    new.pop("status", None)
    message = (
        f'rolled back deployment "{d["metadata"]["name"]}" from revision {util.revision(new_rs)} ({hash_of(new_rs)}) '
        f"to the last complete revision {util.revision(stable_rs)} ({hash_of(stable_rs)}): {why}" + (" (and resumed it)" if resumed else "")
    )
    return Rollback(new, condition(ROLLED_BACK, "True", reason, message, now), message)
