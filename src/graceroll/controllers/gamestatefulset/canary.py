"""The GameStatefulSet's canary: the shared step machine (``controllers/canary``) with BCS's
partition arithmetic (an int, or a percent of replicas rounded down, clamped to [0, replicas]).

Example: steps [partition 3, pause {}, hook, partition 0] on 5 pods: the current partition is 3 at
steps 0-2 and 0 at step 3 and once done; a first step ``pause`` holds every pod (partition 5).
"""

from __future__ import annotations

from typing import Any

from graceroll.api.intstr import IntOrStrError, scaled_value
from graceroll.controllers.canary import state

Obj = dict[str, Any]


def partition_value(value: Any, replicas: int) -> int:
    try:
        return min(max(scaled_value(value, replicas, False), 0), replicas)
    except IntOrStrError:
        return 0


def current_partition(spec: Obj, status: Obj) -> int:
    """``GetCurrentPartition``: rollingUpdate's partition without steps, else the step's."""
    replicas = int(spec.get("replicas", 1))
    rolling = (spec.get("updateStrategy") or {}).get("rollingUpdate") or {}
    fallback = partition_value(rolling.get("partition", 0), replicas) if not state.steps_of(spec) else 0
    return state.current_partition(spec, status, fallback, partition_value)
