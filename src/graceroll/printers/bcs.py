"""Columns and ``describe`` bodies of the BCS kinds (GameStatefulSet, HookTemplate, HookRun).

The GameStatefulSet columns are those kubectl printed in the bk-bcs inPlaceUpdate walk-through
(seed 000): ``REPLICAS READYREPLICAS CURRENTREPLICAS UPDATEDREPLICAS UPDATEDREADY_REPLICAS AGE``.
``describe`` adds the canary step and the pods waiting on a hook, with the hook run's phase: a
pod whose PreDelete/PreInplace hook failed stays untouched until ``retry: true``.
"""

from __future__ import annotations

from graceroll.api.selectors import from_label_selector
from graceroll.printers.describe import Obj, conditions, pod_template
from graceroll.printers.describe import register as register_describer
from graceroll.printers.tables import (
    Table,
    age,
    containers_cell,
    field,
    images_cell,
    name,
    register,
    selector_cell,
)

register(
    "GameStatefulSet",
    Table(
        (
            ("NAME", name),
            ("REPLICAS", field("status", "replicas")),
            ("READYREPLICAS", field("status", "readyReplicas")),
            ("CURRENTREPLICAS", field("status", "currentReplicas")),
            ("UPDATEDREPLICAS", field("status", "updatedReplicas")),
            ("UPDATEDREADY_REPLICAS", field("status", "updatedReadyReplicas")),
            ("AGE", age),
        ),
        (("CONTAINERS", containers_cell), ("IMAGES", images_cell), ("SELECTOR", selector_cell)),
    ),
)
register("HookRun", Table((("NAME", name), ("PHASE", field("status", "phase", default="")), ("AGE", age))))

HOOK_SECTIONS = (
    ("preDeleteHookCondition", "PreDelete"),
    ("preInplaceHookCondition", "PreInplace"),
    ("postInplaceHookCondition", "PostInplace"),
)


def _game_stateful_set(gs: Obj, events: list[Obj], now: float) -> list[str]:
    spec, st = gs.get("spec") or {}, gs.get("status") or {}
    strategy = spec.get("updateStrategy") or {}
    rolling = strategy.get("rollingUpdate") or {}
    lines = [
        f"Selector:         {from_label_selector(spec.get('selector'))}",
        f"Service Name:     {spec.get('serviceName', '')}",
        (f"Replicas:         {spec.get('replicas', 1)} desired | {st.get('replicas', 0)} total | {st.get('readyReplicas', 0)} ready | "
        f"{st.get('updatedReplicas', 0)} updated | {st.get('updatedReadyReplicas', 0)} updated ready"),
        f"Pod Management:   {spec.get('podManagementPolicy', 'OrderedReady')}",
        (f"Update Strategy:  {strategy.get('type', 'OnDelete')}, partition {rolling.get('partition', 0)}, "
        f"maxUnavailable {rolling.get('maxUnavailable', '25%')}, maxSurge {rolling.get('maxSurge', 0)}"),
        f"Revisions:        current {st.get('currentRevision', '<none>')}, update {st.get('updateRevision', '<none>')}",
    ]
    steps = (strategy.get("canary") or {}).get("steps") or []
    if steps:
        index = int(st.get("currentStepIndex") or 0)
        where = "done" if index >= len(steps) else f"step {index}: {steps[index]}"
        lines.append(f"Canary:           {where} (of {len(steps)}), stable {(st.get('canary') or {}).get('revision', '')}")
        run = (st.get("canary") or {}).get("currentStepHookRun")
        if run:
            lines.append(f"  Step HookRun:   {run}")
        for pause in st.get("pauseConditions") or ():
            lines.append(f"  Paused:         {pause.get('reason')} since {pause.get('startTime')} (rollout resume to go on)")
    hooks = [(label, c) for key, label in HOOK_SECTIONS for c in st.get(key) or ()]
    if hooks:
        lines.append("Hook Conditions:")
        lines.append("  Hook         Pod                Phase         Since")
        for label, c in hooks:
            lines.append(f"  {label:<12} {c.get('podName', ''):<18} {c.get('phase', ''):<13} {c.get('startTime', '')}")
        if any(c.get("phase") in ("Failed", "Error", "Inconclusive") for _, c in hooks):
            lines.append("  (a pod whose hook failed is not touched until the hook's retry is set to true)")
    lines.append("Pod Template:")
    return lines + pod_template(spec.get("template") or {}) + conditions(gs)


def _hook_run(run: Obj, events: list[Obj], now: float) -> list[str]:
    st = run.get("status") or {}
    lines = [f"Phase:            {st.get('phase', 'Pending')}"]
    if st.get("message"):
        lines.append(f"Message:          {st['message']}")
    for arg in (run.get("spec") or {}).get("args") or ():
        lines.append(f"Arg:              {arg.get('name')}={arg.get('value', '')}")
    lines.append("Metrics:")
    for r in st.get("metricResults") or ():
        lines.append(
            f"  {r.get('name')}: {r.get('phase')} (count {r.get('count', 0)}, successful {r.get('successful', 0)}, "
            f"failed {r.get('failed', 0)}, inconclusive {r.get('inconclusive', 0)}, error {r.get('error', 0)})"
        )
        for m in r.get("measurements") or ():
            lines.append(f"    {m.get('finishedAt', '')}  {m.get('phase')}  {m.get('value', '')}  {m.get('message', '')}".rstrip())
    return lines


register_describer("GameStatefulSet", _game_stateful_set)
register_describer("HookRun", _hook_run)
