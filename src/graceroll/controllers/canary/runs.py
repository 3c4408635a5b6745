"""The canary step's HookRun (upstream ``reconcileStepHookRun``), for any workload with steps.

While the current step is a hook step and nothing pauses the set, its run exists: created from
the template as ``canary-<revision>-step<i>-<template>`` with the labels ``hookrun-type:
canary-step``, ``workload-revision``, ``canary-step-index``. Runs of other revisions are deleted;
runs of other steps are terminated (``spec.terminate: true``). The run's args are the step's, plus
``HostIP`` (BCS), ``CanaryRevision`` and ``StableRevision`` (graceroll: the pods' revision label
values, for the built-in judge).
"""

from __future__ import annotations

from graceroll.api.canary_steps import HOOK
from graceroll.api.meta import Obj, clone
from graceroll.controllers.bcshook import runs as hookruns
from graceroll.controllers.bcshook.creator import RunCreator
from graceroll.controllers.canary.state import CanaryState, step_kind
from graceroll.store.base import Store


class StepRuns:
    def __init__(self, store: Store, creator: RunCreator, host_ip: str) -> None:
        """``host_ip``: the ``HostIP`` arg (upstream: the operator's HOST_IP)."""
        self.store = store
        self.creator = creator
        self.host_ip = host_ip

    def reconcile(
        self, workload: Obj, steps: list[Obj], state: CanaryState, update: str, runs: list[Obj]
    ) -> tuple[CanaryState, str | None]:
        """The state with the current step's run name, and that run's phase (None: no hook step)."""
        ns = workload["metadata"]["namespace"]
        index = state.step_index
        step = steps[index] if 0 <= index < len(steps) else None
        wanted = hookruns.canary_labels(update, index) if step is not None and step_kind(step) == HOOK else None
        current: Obj | None = None
        for run in hookruns.of_type(runs, hookruns.CANARY_STEP):
            labels = run["metadata"].get("labels") or {}
            if labels.get(hookruns.REVISION_LABEL) != update:
                self.store.delete("HookRun", ns, run["metadata"]["name"], uid=run["metadata"]["uid"])
            elif wanted is not None and all(labels.get(k) == v for k, v in wanted.items()):
                current = run if current is None else max(current, run, key=lambda r: int(r["metadata"]["resourceVersion"]))
            elif not hookruns.is_completed(run) and not (run.get("spec") or {}).get("terminate"):
                stopped = clone(run)
                stopped.pop("status", None)
                stopped["spec"]["terminate"] = True
                self.store.update(stopped)
        if step is None or wanted is None:
            return CanaryState(state.revision, state.step_index, state.step_hash, "", state.pauses), None
        if current is None and not state.pauses:
            hook = step[HOOK]
            args = list(hook.get("args") or []) + [
                {"name": hookruns.HOST_IP, "value": self.host_ip},
                {"name": hookruns.CANARY_REVISION, "value": update},
                {"name": hookruns.STABLE_REVISION, "value": state.revision},
            ]
            current = self.creator.create(workload, hook, hookruns.canary_run_name(update, index, hook["templateName"]), wanted, args)
        name = current["metadata"]["name"] if current is not None else ""
        phase = hookruns.phase(current) if current is not None else None
        return CanaryState(state.revision, state.step_index, state.step_hash, name, state.pauses), phase
