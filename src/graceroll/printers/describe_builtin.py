"""``describe`` bodies of the built-in kinds."""

from __future__ import annotations

from graceroll.api.selectors import from_label_selector
from graceroll.printers.describe import Obj, conditions, pod_template, register, register_whole
from graceroll.printers.describe_pod import describe_pod


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
register_whole("Pod", describe_pod)
register("Service", _service)
