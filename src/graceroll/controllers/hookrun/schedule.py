"""When a metric is measured next, and what its measurements add up to (bk-bcs
``bcs-hook-operator/pkg/controllers/hook/hook_reconcile.go``, ``generateMetricTasks``,
``runMeasurements`` and ``assessMetricStatus``).

Pure functions over a metric (spec) and its ``metricResults`` entry (status).

Schedule: the first measurement at the run's start plus ``initialDelay``; the next one ``interval``
after the previous finished; nothing more once the metric is complete or the run is terminating.
At most 10 measurements are kept. Every finished measurement counts towards ``count``, an Error
included (upstream: ``Error++`` and ``Count++``), so an endpoint that never answers still ends the
metric.

Assessment, first match wins: last measurement unfinished → Running; ``failed > failureLimit`` →
Failed; ``successfulLimit`` reached → Successful; ``inconclusive > inconclusiveLimit`` →
Inconclusive; ``consecutiveError > consecutiveErrorLimit`` (only when set) → Error;
``consecutiveSuccessfulLimit`` reached → Successful; ``count`` reached → Successful, or **Error /
Inconclusive when the last measurement was one**; terminating → Successful; else Running.

Two departures from the code at bk-bcs 83deb16, both so that a safety gate never passes on a check
that did not pass (docs/bcs.md):

* **failureLimit 0 fails on the first failure** (the hook operator's README, and argo-rollouts');
  the code (commit 52a80b45e) reads 0 as "no limit", so that a metric failing on every
  measurement ends Successful once ``count`` is reached.
* **count reached on an Error is an Error**, and on an Inconclusive measurement Inconclusive;
  the code calls both Successful, so that a hook whose endpoint is down (or a ``kubernetes``
  ``get`` that does not match, or a judge that saw too few requests) lets the pod or the canary
  step through.

Run phase: Running until every metric is complete, then the worst metric phase in the order
Successful < Running < Pending < Inconclusive < Error < Failed. With ``policy: Ordered`` a metric
starts only after the previous one completed Successful; an unsuccessful one ends the run.

Example: ``count: 3, interval: 10s`` against a refused connection measures at 0, 10 and 20 s
(``error: 3, count: 3``) and ends Error at 20 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graceroll.api.tkex_hooks import effective_count, parse_duration
from graceroll.clock import format_time, parse_time

Obj = dict[str, Any]

PENDING, RUNNING, SUCCESSFUL = "Pending", "Running", "Successful"
FAILED, ERROR, INCONCLUSIVE = "Failed", "Error", "Inconclusive"
COMPLETED = (SUCCESSFUL, FAILED, ERROR, INCONCLUSIVE)
MAX_MEASUREMENTS = 10
_WORST = {SUCCESSFUL: 0, RUNNING: 1, PENDING: 2, INCONCLUSIVE: 3, ERROR: 4, FAILED: 5}
_COUNTERS = {SUCCESSFUL: "successful", FAILED: "failed", INCONCLUSIVE: "inconclusive", ERROR: "error"}


def _seconds(metric: Obj, key: str) -> float:
    try:
        return max(parse_duration(str(metric.get(key) or "0")), 0.0)
    except ValueError:
        return 0.0


def new_result(metric: Obj) -> Obj:
    return {"name": metric.get("name", ""), "phase": PENDING, "count": 0}


def next_due(metric: Obj, result: Obj, started: float) -> float | None:
    """The instant of the next measurement; None when no more are wanted."""
    measurements = result.get("measurements") or []
    if not measurements:
        return started + _seconds(metric, "initialDelay")
    last = measurements[-1]
    if not last.get("finishedAt"):
        return None
    finished = parse_time(last["finishedAt"])
    interval = _seconds(metric, "interval")
    return finished + interval if interval > 0 else None


def record(result: Obj, measurement: Obj) -> Obj:
    """``result`` with one more finished measurement and its counters."""
    out = dict(result)
    phase = measurement["phase"]
    out["measurements"] = (list(result.get("measurements") or []) + [measurement])[-MAX_MEASUREMENTS:]
    counter = _COUNTERS[phase]
    out[counter] = int(out.get(counter) or 0) + 1
    out["count"] = int(out.get("count") or 0) + 1
    out["consecutiveError"] = int(out.get("consecutiveError") or 0) + 1 if phase == ERROR else 0
    out["consecutiveSuccessful"] = int(out.get("consecutiveSuccessful") or 0) + 1 if phase == SUCCESSFUL else 0
    if measurement.get("message"):
        out["message"] = measurement["message"]
    else:
        out.pop("message", None)
    return out


def assess(metric: Obj, result: Obj, terminating: bool) -> str:
    measurements = result.get("measurements") or []
    if measurements and not measurements[-1].get("finishedAt"):
        return RUNNING
    if int(result.get("failed") or 0) > int(metric.get("failureLimit") or 0):
        return FAILED
    successful_limit = int(metric.get("successfulLimit") or 0)
    if successful_limit > 0 and int(result.get("successful") or 0) >= successful_limit:
        return SUCCESSFUL
    if int(result.get("inconclusive") or 0) > int(metric.get("inconclusiveLimit") or 0):
        return INCONCLUSIVE
    error_limit = metric.get("consecutiveErrorLimit")
    if error_limit is not None and int(result.get("consecutiveError") or 0) > int(error_limit):
        return ERROR
    success_run = metric.get("consecutiveSuccessfulLimit")
    if success_run is not None and int(result.get("consecutiveSuccessful") or 0) >= int(success_run):
        return SUCCESSFUL
    count = effective_count(metric)
    if count is not None and int(result.get("count") or 0) >= count:
        last = measurements[-1].get("phase")
        return last if last in (ERROR, INCONCLUSIVE) else SUCCESSFUL
    if terminating:
        return SUCCESSFUL
    return RUNNING if measurements else PENDING


def run_phase(phases: Sequence[str]) -> str:
    if not phases:
        return SUCCESSFUL
    if any(p not in COMPLETED for p in phases):
        return RUNNING
    return max(phases, key=lambda p: _WORST[p])


def measurement(phase: str, now: float, value: str = "", message: str = "") -> Obj:
    ts = format_time(now)
    out: Obj = {"phase": phase, "startedAt": ts, "finishedAt": ts}
    if value:
        out["value"] = value
    if message:
        out["message"] = message
    return out
