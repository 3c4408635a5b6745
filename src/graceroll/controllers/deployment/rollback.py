"""The controller-side rollback (upstream ``rollback.go``), still honoured in apps/v1.

The extensions/v1beta1 ``spec.rollbackTo`` field is gone from apps/v1, but the controller still
reads the annotation it was carried in, ``deprecated.deployment.rollback.to: "<revision>"``
(0 = the revision before the running one). It is acted on after the paused check (a paused
Deployment keeps the annotation) and before scaling: the ReplicaSet with that revision gives its
template (without the pod-template-hash label) and annotations back to the Deployment; the
annotation is removed in the same write, whatever the outcome, and an event says what happened.
The next pass then treats it as any template change: the old ReplicaSet becomes the new one and
gets the next revision number. A value that is not a number is ignored, as upstream does.
"""

from __future__ import annotations

from dataclasses import dataclass

from graceroll.api.meta import Obj, clone
from graceroll.controllers.deployment import util
from graceroll.controllers.events import NORMAL, WARNING

ROLLBACK_DONE = "DeploymentRollback"
ROLLBACK_REVISION_NOT_FOUND = "DeploymentRollbackRevisionNotFound"
ROLLBACK_TEMPLATE_UNCHANGED = "DeploymentRollbackTemplateUnchanged"


@dataclass(frozen=True)
class RollbackPlan:
    deployment: Obj  # to write: annotation cleared, template restored when there was one to restore
    event: tuple[str, str, str]  # (type, reason, message)


def rollback_to(d: Obj) -> int | None:
    """getRollbackTo: the requested revision, or None (no annotation, or not a number)."""
    text = util.annotation(d, util.ROLLBACK_TO_ANNOTATION)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def plan(d: Obj, all_rss: list[Obj], to: int) -> RollbackPlan:
    new = clone(d)
    new["metadata"].setdefault("annotations", {}).pop(util.ROLLBACK_TO_ANNOTATION, None)
    if to == 0:
        to = util.last_revision(all_rss)
        if to == 0:
            return RollbackPlan(new, (WARNING, ROLLBACK_REVISION_NOT_FOUND, "Unable to find last revision."))
    for rs in all_rss:
        if util.revision(rs) != to:
            continue
        if util.equal_ignore_hash(d["spec"]["template"], rs["spec"]["template"]):
            message = f'The rollback revision contains the same template as current deployment "{d["metadata"]["name"]}"'
            return RollbackPlan(new, (WARNING, ROLLBACK_TEMPLATE_UNCHANGED, message))
        template = clone(rs["spec"]["template"])
        template.setdefault("metadata", {}).setdefault("labels", {}).pop(util.POD_TEMPLATE_HASH_LABEL, None)
        new["spec"]["template"] = template
        annotations = util.deployment_annotations_from(new["metadata"]["annotations"], rs["metadata"].get("annotations") or {})
        new["metadata"]["annotations"] = annotations
        return RollbackPlan(new, (NORMAL, ROLLBACK_DONE, f'Rolled back deployment "{d["metadata"]["name"]}" to revision {to}'))
    return RollbackPlan(new, (WARNING, ROLLBACK_REVISION_NOT_FOUND, "Unable to find the revision to rollback to."))
