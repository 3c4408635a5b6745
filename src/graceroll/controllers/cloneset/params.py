"""The numbers of a CloneSet's strategy as absolute pod counts (reference §2.2).

Two percent parsers, as upstream: ``partition`` takes float percents and rounds up but always
leaves one pod to update below 100%; ``maxSurge``/``maxUnavailable`` use apimachinery's old
integer-percent helper. Example: R=5, maxUnavailable "40%", maxSurge "30%" gives S = ceil(1.5) = 2
and, because S > 0, U = floor(2.0) = 2. Unparsable values count as 0, as in the controller.
With canary steps (graceroll's extension) the partition is the current step's (``canary``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graceroll.api.intstr import IntOrStrError, legacy_value, partition_replicas
from graceroll.controllers.cloneset import canary

Obj = dict[str, Any]
MAX_INT32 = 2**31 - 1
DEFAULT_MAX_UNAVAILABLE = "20%"


@dataclass(frozen=True)
class Params:
    replicas: int  # R
    partition: int = 0  # P: pods kept on old revisions
    max_surge: int = 0  # S (0 while paused)
    max_unavailable: int = 0  # U, for updates and for deleting ready pods
    scale_max_unavailable: int = MAX_INT32  # SU: limits creations only
    min_ready_seconds: int = 0
    paused: bool = False


def _value(v: Any, total: int, round_up: bool) -> int:
    try:
        return legacy_value(v, total, round_up)
    except IntOrStrError:
        return 0


def params_of(cs: Obj) -> Params:
    spec = cs.get("spec") or {}
    strategy = spec.get("updateStrategy") or {}
    scale = spec.get("scaleStrategy") or {}
    raw_replicas = spec.get("replicas")
    replicas = 1 if raw_replicas is None else int(raw_replicas)
    try:
        partition = partition_replicas(strategy.get("partition"), raw_replicas)
    except IntOrStrError:
        partition = 0
    partition = canary.current_partition(spec, cs.get("status") or {}, partition)
    paused = bool(strategy.get("paused"))
    surge = 0 if paused or strategy.get("maxSurge") is None else _value(strategy["maxSurge"], replicas, True)
    unavailable = _value(strategy.get("maxUnavailable", DEFAULT_MAX_UNAVAILABLE) or 0, replicas, surge == 0)
    scale_max = MAX_INT32 if scale.get("maxUnavailable") is None else _value(scale["maxUnavailable"], replicas, True)
    return Params(
        replicas=replicas,
        partition=partition,
        max_surge=surge,
        max_unavailable=unavailable,
        scale_max_unavailable=scale_max,
        min_ready_seconds=int(spec.get("minReadySeconds") or 0),
        paused=paused,
    )
