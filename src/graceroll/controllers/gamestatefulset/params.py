"""A GameStatefulSet's strategy as absolute pod counts (upstream ``defaults.go``, ``game_stateful_set_control.go``).

Rounding as upstream: ``partition`` down, ``maxUnavailable`` and ``maxSurge`` up. Example: 5
replicas, partition "50%", maxUnavailable "25%" -> partition 2, maxUnavailable 2. ``maxSurge``
counts only for Parallel and a type other than OnDelete (PR #1249). With canary steps the
partition comes from the current step (``canary.current_partition``), not from rollingUpdate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graceroll.api.intstr import IntOrStrError, scaled_value
from graceroll.api.tkex_v1alpha1 import DEFAULT_MAX_UNAVAILABLE, ON_DELETE, PARALLEL
from graceroll.controllers.gamestatefulset import canary

Obj = dict[str, Any]


@dataclass(frozen=True)
class Params:
    replicas: int
    update_type: str
    parallel: bool  # podManagementPolicy Parallel (else OrderedReady: one pod at a time)
    partition: int = 0  # ordinals below it keep their revision
    max_unavailable: int = 1
    max_surge: int = 0
    grace_seconds: int = 0


def resolve(value: Any, total: int, round_up: bool, default: int = 0) -> int:
    """An int-or-percent against ``total``; an unparsable value counts as ``default``."""
    try:
        return scaled_value(value, total, round_up)
    except IntOrStrError:
        return default


def params_of(gs: Obj) -> Params:
    spec = gs.get("spec") or {}
    strategy = spec.get("updateStrategy") or {}
    rolling = strategy.get("rollingUpdate") or {}
    replicas = int(spec.get("replicas", 1))
    update_type = str(strategy.get("type") or ON_DELETE)
    parallel = spec.get("podManagementPolicy") == PARALLEL
    surge = resolve(rolling.get("maxSurge", 0), replicas, True) if parallel and update_type != ON_DELETE else 0
    return Params(
        replicas=replicas,
        update_type=update_type,
        parallel=parallel,
        partition=canary.current_partition(spec, gs.get("status") or {}),
        max_unavailable=resolve(rolling.get("maxUnavailable", DEFAULT_MAX_UNAVAILABLE), replicas, True, 1),
        max_surge=max(surge, 0),
        grace_seconds=int((strategy.get("inPlaceUpdateStrategy") or {}).get("gracePeriodSeconds") or 0),
    )
