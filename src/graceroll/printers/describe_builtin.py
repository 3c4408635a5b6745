"""``describe`` bodies of the built-in kinds."""

from __future__ import annotations

from typing import Any

from graceroll.api.selectors import from_label_selector
from graceroll.printers.describe import Obj, conditions, pod_template, register


def _deployment(d: Obj, events: list[Obj], now: float) -> list[str]:
    spec, st = d.get("spec") or {}, d.get("status") or {}
    lines = [
        f"Selector:         {from_label_selector(spec.get('selector'))}",
        (
            f"Replicas:         {spec.get('replicas', 1)} desired | {st.get('updatedReplicas', 0)} updated | "
            f"{st.get('replicas', 0)} total | {st.get('availableReplicas', 0)} available | "
            f"{st.get('unavailableReplicas', 0)} unavailable"
        ),
        f"StrategyType:     {(spec.get('strategy') or {}).get('type', 'RollingUpdate')}",
        f"MinReadySeconds:  {spec.get('minReadySeconds', 0)}",
    ]
    ru = (spec.get("strategy") or {}).get("rollingUpdate")
    if ru:
        lines.append(f"RollingUpdateStrategy:  {ru.get('maxUnavailable')} max unavailable, {ru.get('maxSurge')} max surge")
    if spec.get("paused"):
        lines.append("Paused:           true")
    lines.append("Pod Template:")
    lines += pod_template(spec.get("template") or {})
    return lines + conditions(d)


def _replicaset(rs: Obj, events: list[Obj], now: float) -> list[str]:
    spec, st = rs.get("spec") or {}, rs.get("status") or {}
    lines = [
        f"Selector:         {from_label_selector(spec.get('selector'))}",
        f"Replicas:         {st.get('replicas', 0)} current / {spec.get('replicas', 1)} desired",
        f"Pods Status:      {st.get('readyReplicas', 0)} Ready / {st.get('availableReplicas', 0)} Available",
        "Pod Template:",
    ]
    return lines + pod_template(spec.get("template") or {}) + conditions(rs)


def _pod(p: Obj, events: list[Obj], now: float) -> list[str]:
    st: dict[str, Any] = p.get("status") or {}
    from graceroll.printers.builtin import pod_status

    lines = [
        f"Node:             {(p.get('spec') or {}).get('nodeName') or st.get('hostIP', '<none>')}",
        f"Start Time:       {st.get('startTime', '<none>')}",
        f"Status:           {pod_status(p, now)}",
        f"IP:               {st.get('podIP', '<none>')}",
        "Containers:",
    ]
    statuses = {c.get("name"): c for c in st.get("containerStatuses") or []}
    for c in (p.get("spec") or {}).get("containers") or []:
        cs = statuses.get(c.get("name"), {})
        state = cs.get("state") or {}
        state_name = next(iter(state), "Waiting")
        reason = (state.get(state_name) or {}).get("reason", "")
        lines += [
            f"  {c.get('name')}:",
            f"    Image:          {c.get('image')}",
            f"    Image ID:       {cs.get('imageID', '')}",
            f"    State:          {state_name.capitalize()}" + (f" ({reason})" if reason else ""),
            f"    Ready:          {cs.get('ready', False)}",
            f"    Restart Count:  {cs.get('restartCount', 0)}",
        ]
    gates = (p.get("spec") or {}).get("readinessGates") or []
    if gates:
        lines.append("Readiness Gates:  " + ", ".join(g.get("conditionType", "") for g in gates))
    return lines + conditions(p)


def _service(s: Obj, events: list[Obj], now: float) -> list[str]:
    spec = s.get("spec") or {}
    lines = [
        f"Selector:         {','.join(f'{k}={v}' for k, v in (spec.get('selector') or {}).items()) or '<none>'}",
        f"Type:             {spec.get('type', 'ClusterIP')}",
        f"IP:               {spec.get('clusterIP', '<none>')}",
    ]
    for port in spec.get("ports") or []:
        lines.append(f"Port:             {port.get('name', '<unset>')} {port.get('port')}/{port.get('protocol', 'TCP')} -> {port.get('targetPort', port.get('port'))}" + (f" ({port['appProtocol']})" if port.get("appProtocol") else ""))
    return lines


register("Deployment", _deployment)
register("ReplicaSet", _replicaset)
register("Pod", _pod)
register("Service", _service)
