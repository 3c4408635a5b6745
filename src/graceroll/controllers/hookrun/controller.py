"""Runs HookRuns: takes the measurements that are due, assesses them, writes the status.

Upstream ``bcs-hook-operator/pkg/controllers/hook/hook_reconcile.go``. One reconcile takes at
most one measurement per metric (the ones due at ``now``) and asks to come back when the next one
is due, so the simulator runs hooks on virtual time and the engine on real time. A completed run
is left alone. A run whose spec is invalid ends in ``Error`` with the field errors as its message.
A measurement whose answer is still in flight (``FetchPending``, the engine's background fetcher)
is taken on a later reconcile: the fetcher wakes this controller when the answer is in. The
graceroll provider (the built-in judge) reads the data plane's counters through ``traffic`` and
the metric's previous measurement (``providers.Context``).
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.meta import Obj
from graceroll.api.tkex_hooks import ORDERED, metrics_errors
from graceroll.clock import Clock, format_time, parse_time
from graceroll.controllers.hookrun import providers, schedule
from graceroll.controllers.hookrun.fetch import Fetcher, FetchPending
from graceroll.controllers.hookrun.providers import TrafficSamples
from graceroll.controllers.runtime import Key, Result
from graceroll.store.base import Store, WatchEvent

KIND = "HookRun"


class HookRunController:
    name = "hookrun"

    def __init__(self, store: Store, clock: Clock, fetcher: Fetcher, traffic: TrafficSamples | None = None) -> None:
        """``traffic``: the data plane's per-revision counters, for the graceroll provider (the
        engine's; None in the operator and the simulator, which have no data plane)."""
        self.store = store
        self.clock = clock
        self.fetcher = fetcher
        self.traffic = traffic

    def all_keys(self) -> list[Key]:
        return [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in self.store.list(KIND)]

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        if obj["kind"] == KIND and event.type != "DELETED":
            return ((obj["metadata"]["namespace"], obj["metadata"]["name"]),)
        return ()

    def reconcile(self, key: Key) -> Result:
        run = self.store.try_get(KIND, *key)
        if run is None:
            return Result()
        old = run.get("status") or {}
        if old.get("phase") in schedule.COMPLETED:
            return Result()
        now = self.clock.now()
        spec = run.get("spec") or {}
        errors = metrics_errors(spec)
        if errors:
            return self._write(run, {"phase": schedule.ERROR, "message": "; ".join(str(e) for e in errors), "startedAt": format_time(now)})
        started = parse_time(old["startedAt"]) if old.get("startedAt") else now
        terminating = bool(spec.get("terminate"))
        args = {a.get("name"): a.get("value") for a in spec.get("args") or () if a.get("name")}
        previous = {r.get("name"): r for r in old.get("metricResults") or ()}
        results: list[Obj] = []
        phases: list[str] = []
        delays: list[float] = []
        blocked = False
        for metric in spec.get("metrics") or ():
            result = dict(previous.get(metric.get("name")) or schedule.new_result(metric))
            phase = schedule.assess(metric, result, terminating)
            if blocked:
                phases.append(schedule.SUCCESSFUL if phase == schedule.PENDING and terminating else phase)
                results.append(dict(result, phase=phase))
                continue
            if phase not in schedule.COMPLETED and not terminating:
                due = schedule.next_due(metric, result, started)
                if due is not None and due <= now:
                    try:
                        ctx = providers.Context(run, _last(result), self.traffic)
                        result = schedule.record(result, providers.measure(metric, args, self.fetcher, self.store, now, ctx))
                    except FetchPending:
                        due = None  # woken when the answer is in
                    else:
                        phase = schedule.assess(metric, result, terminating)
                        due = schedule.next_due(metric, result, started) if phase not in schedule.COMPLETED else None
                if due is not None:
                    delays.append(max(due - now, 0.0))
            result["phase"] = phase
            results.append(result)
            phases.append(phase)
            if spec.get("policy") == ORDERED and phase != schedule.SUCCESSFUL:
                blocked = True  # later metrics wait for this one; a failure ends the run
        run_phase = schedule.run_phase(phases)
        if spec.get("policy") == ORDERED and blocked:
            first = next((p for p in phases if p != schedule.SUCCESSFUL), schedule.SUCCESSFUL)
            if first in schedule.COMPLETED:
                run_phase = first
        status: Obj = {"phase": run_phase, "startedAt": format_time(started), "metricResults": results}
        message = next((r["message"] for r in results if r.get("phase") not in (schedule.SUCCESSFUL,) and r.get("message")), "")
        if message:
            status["message"] = message
        self._write(run, status)
        return Result(min(delays)) if delays and run_phase not in schedule.COMPLETED else Result()

    def _write(self, run: Obj, status: Obj) -> Result:
        if status != (run.get("status") or {}):
            self.store.update_status(dict(run, status=status))
        return Result()


def _last(result: Obj) -> Obj | None:
    measurements = result.get("measurements") or []
    return measurements[-1] if measurements else None
