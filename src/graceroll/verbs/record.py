"""``--record``: remember the command that changed an object in ``kubernetes.io/change-cause``.

kubectl writes the command line into the annotation on the object it changes; the Deployment
controller copies the annotation to the ReplicaSet of the revision, and ``rollout history`` shows it
in the CHANGE-CAUSE column.
"""

from __future__ import annotations

from graceroll.api.meta import Obj
from graceroll.controllers.deployment.util import CHANGE_CAUSE_ANNOTATION


def record(obj: Obj, change_cause: str | None) -> Obj:
    """Set the change cause on ``obj`` (a clone the caller is about to write); ``None`` leaves it alone."""
    if change_cause is not None:
        obj.setdefault("metadata", {}).setdefault("annotations", {})[CHANGE_CAUSE_ANNOTATION] = change_cause
    return obj
