"""The CloneSet's canary steps, graceroll's extension (``spec.updateStrategy.canary.steps``).

OpenKruise's CloneSet has no steps; these are the GameStatefulSet's (``controllers/canary``) with
Kruise's partition arithmetic (``CalculatePartitionReplicas``: a percent rounds up, but below
100% one pod is still updated), and the status fields BCS's GameDeployment (its CloneSet-like
workload) keeps: ``currentStepIndex``, ``currentStepHash``, ``pauseConditions``, ``canary``, plus
``trafficRouting``. A CloneSet without steps keeps upstream's status, with none of them.

``spec.updateStrategy.paused`` stays the user's, as in Kruise: a user may pause a canary at any
time. The controller writes it only when it adds a pause condition (true: a pause step, or a
failed hook step, stops the updates) or removes one (false: a timed pause ended, the steps were
reset). ``rollout resume`` (paused → false) is what moves a ``pause: {}`` step on, or overrides a
failed hook step, as with the GameStatefulSet.

A partition step waits for its updated pods to be *available* (BCS's GameDeployment asks the same
of its partition steps), so ``minReadySeconds`` counts.
"""

from __future__ import annotations

from typing import Any

from graceroll.api.intstr import IntOrStrError, partition_replicas
from graceroll.controllers.canary import state

Obj = dict[str, Any]
STATUS_KEYS = ("currentStepIndex", "currentStepHash", "pauseConditions", "canary", "trafficRouting")


def partition_value(value: Any, replicas: int) -> int:
    try:
        return min(max(partition_replicas(value, replicas), 0), replicas)
    except IntOrStrError:
        return 0


def current_partition(spec: Obj, status: Obj, fallback: int) -> int:
    """The steps' partition; ``fallback`` (``updateStrategy.partition``) without steps."""
    return state.current_partition(spec, status, fallback, partition_value)


def paused_to_write(old_pauses: bool, new_pauses: bool, spec_paused: bool) -> bool | None:
    """The ``paused`` value to write, or None: true when a pause condition appears, false when the
    last one goes (a user's own pause, with no condition, is left alone)."""
    if new_pauses and not old_pauses and not spec_paused:
        return True
    if old_pauses and not new_pauses and spec_paused:
        return False
    return None
