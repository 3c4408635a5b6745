"""``describe pod`` as kubectl prints it (``kubernetes/kubectl:pkg/describe/describe.go``
``describePod``): the pod's header, every container with its state, probes, environment and
mounts, readiness gates, conditions, volumes, QoS class, node selectors, tolerations, then the
events with their counts. Tab-separated lines aligned by ``tabwriter``, as kubectl's are.
"""

from __future__ import annotations

from typing import Any

from graceroll.printers.describe import events_table, since
from graceroll.printers.tabwriter import align
from graceroll.verbs import template_text as text

Obj = dict[str, Any]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def describe_pod(pod: Obj, events: list[Obj], now: float) -> str:
    md, spec, st = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    out = [f"Name:\t{md['name']}\n", f"Namespace:\t{md.get('namespace', '')}\n"]
    if spec.get("priority") is not None:
        out.append(f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        out.append(f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("serviceAccountName"):
        out.append(f"Service Account:\t{spec['serviceAccountName']}\n")
    out.append(f"Node:\t{spec['nodeName'] + '/' + str(st.get('hostIP', '')) if spec.get('nodeName') else '<none>'}\n")
    if st.get("startTime"):
        out.append(f"Start Time:\t{text.rfc1123(st['startTime'])}\n")
    out += text.labels_block("Labels", md.get("labels") or {})
    annotations = {k: v for k, v in (md.get("annotations") or {}).items() if k != LAST_APPLIED}
    out += text.annotations_block("Annotations", annotations) if annotations else ["Annotations:\t<none>\n"]
    phase = st.get("phase", "")
    if md.get("deletionTimestamp") and phase not in ("Failed", "Succeeded"):
        out.append(f"Status:\tTerminating (lasts {since(md['deletionTimestamp'], now)})\n")
        out.append(f"Termination Grace Period:\t{int(md.get('deletionGracePeriodSeconds') or 0)}s\n")
    else:
        out.append(f"Status:\t{phase}\n")
    for key, title in (("reason", "Reason"), ("message", "Message")):
        if st.get(key):
            out.append(f"{title}:\t{st[key]}\n")
    out.append(f"IP:\t{st.get('podIP', '')}\n")
    ips = [i.get("ip", "") for i in st.get("podIPs") or ()]
    out += ["IPs:\n"] + [f"  IP:\t{ip}\n" for ip in ips] if ips else ["IPs:\t<none>\n"]
    ref = next((r for r in md.get("ownerReferences") or () if r.get("controller")), None)
    if ref is not None:
        out.append(f"Controlled By:\t{ref['kind']}/{ref['name']}\n")
    if spec.get("initContainers"):
        out += text.containers_block("Init Containers", spec["initContainers"], "", st.get("initContainerStatuses") or [], pod)
    out += text.containers_block("Containers", spec.get("containers") or [], "", st.get("containerStatuses") or [], pod)
    conditions = {c.get("type"): c.get("status") for c in st.get("conditions") or ()}
    gates = spec.get("readinessGates") or []
    if gates:
        out.append("Readiness Gates:\n  Type\tStatus\n")
        out += [f"  {g.get('conditionType')} \t{conditions.get(g.get('conditionType')) or '<none>'} \n" for g in gates]
    if st.get("conditions"):
        out.append("Conditions:\n  Type\tStatus\n")
        out += [f"  {c.get('type')} \t{c.get('status')} \n" for c in st["conditions"]]
    out += text.volumes_block(spec.get("volumes") or [], "")
    out.append(f"QoS Class:\t{qos_class(spec)}\n")
    out += text.labels_block("Node-Selectors", spec.get("nodeSelector") or {})
    out += _tolerations(spec.get("tolerations") or [])
    body = align("".join(out).splitlines())
    return "\n".join(body + events_table(events, now))


def qos_class(spec: Obj) -> str:
    """``GetPodQOS``: BestEffort without requests or limits; Guaranteed when every container limits
    cpu and memory and requests (defaulted to the limits) equal them; Burstable otherwise."""
    containers = [c for c in (spec.get("containers") or []) + (spec.get("initContainers") or []) if isinstance(c, dict)]
    any_set = False
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        limits, requests = res.get("limits") or {}, res.get("requests") or {}
        if any(k in ("cpu", "memory") for k in list(limits) + list(requests)):
            any_set = True
        for name in ("cpu", "memory"):
            if name not in limits or str(requests.get(name, limits[name])) != str(limits[name]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _tolerations(tolerations: list[Any]) -> list[str]:
    if not tolerations:
        return ["Tolerations:\t<none>\n"]
    out = []
    for i, t in enumerate(tolerations):
        s = str(t.get("key", ""))
        if t.get("value"):
            s += f"={t['value']}"
        if t.get("effect"):
            s += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("value"):
            s += " op=Exists" if t.get("key") or t.get("effect") else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            s += f" for {t['tolerationSeconds']}s"
        out.append(f"{'Tolerations:' if i == 0 else ''}\t{s}\n")
    return out
