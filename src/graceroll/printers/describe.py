"""``describe``: a readable account of one object and its recent events."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from graceroll.clock import parse_time
from graceroll.printers.age import human_duration
from graceroll.printers.tabwriter import align

Obj = dict[str, Any]
Describer = Callable[[Obj, list[Obj], float], list[str]]

_DESCRIBERS: dict[str, Describer] = {}
_WHOLE: dict[str, Callable[[Obj, list[Obj], float], str]] = {}
_EPOCH = "1970-01-01T00:00:00Z"


def register(kind: str, fn: Describer) -> None:
    _DESCRIBERS[kind] = fn


def _kv(d: dict[str, Any] | None) -> str:
    if not d:
        return "<none>"
    return "\n".join(f"{k}={v}" if i == 0 else f"{'':18}{k}={v}" for i, (k, v) in enumerate(sorted(d.items())))


def header(obj: Obj) -> list[str]:
    md = obj["metadata"]
    lines = [
        f"Name:             {md['name']}",
        f"Namespace:        {md.get('namespace', '')}",
        f"Labels:           {_kv(md.get('labels'))}",
        f"Annotations:      {_kv(md.get('annotations'))}",
        f"CreationTimestamp: {md.get('creationTimestamp', '<unknown>')}",
    ]
    if md.get("deletionTimestamp"):
        lines.append(f"Terminating:      since {md['deletionTimestamp']} (grace {md.get('deletionGracePeriodSeconds', 0)}s)")
    for r in md.get("ownerReferences") or []:
        lines.append(f"Controlled By:    {r['kind']}/{r['name']}")
    return lines


def pod_template(template: Obj, indent: str = "  ") -> list[str]:
    md = template.get("metadata") or {}
    lines = [f"{indent}Labels:       {_kv(md.get('labels'))}"]
    if md.get("annotations"):
        lines.append(f"{indent}Annotations:  {_kv(md.get('annotations'))}")
    lines.append(f"{indent}Containers:")
    for c in (template.get("spec") or {}).get("containers") or []:
        lines.append(f"{indent} {c.get('name')}:")
        lines.append(f"{indent}  Image:      {c.get('image')}")
        for p in c.get("ports") or []:
            lines.append(f"{indent}  Port:       {p.get('containerPort')}/{p.get('protocol', 'TCP')}")
        if c.get("command"):
            lines.append(f"{indent}  Command:    {' '.join(c['command'])}")
        if c.get("args"):
            lines.append(f"{indent}  Args:       {' '.join(c['args'])}")
        for name in ("readinessProbe", "livenessProbe", "startupProbe"):
            if c.get(name):
                lines.append(f"{indent}  {name[0].upper() + name[1:-5]}:  {_probe(c[name])}")
        env = c.get("env") or []
        lines.append(f"{indent}  Environment:" + ("  <none>" if not env else ""))
        for e in env:
            lines.append(f"{indent}    {e.get('name')}:  {e.get('value', '(from ' + json.dumps(e.get('valueFrom')) + ')')}")
    return lines


def _probe(p: Obj) -> str:
    if "httpGet" in p:
        h = p["httpGet"]
        what = f"http-get {h.get('scheme', 'HTTP').lower()}://:{h.get('port')}{h.get('path', '/')}"
    elif "tcpSocket" in p:
        what = f"tcp-socket :{p['tcpSocket'].get('port')}"
    elif "exec" in p:
        what = "exec " + json.dumps(p["exec"].get("command"))
    else:
        what = "<unknown>"
    return (
        f"{what} delay={p.get('initialDelaySeconds', 0)}s timeout={p.get('timeoutSeconds', 1)}s "
        f"period={p.get('periodSeconds', 10)}s #success={p.get('successThreshold', 1)} #failure={p.get('failureThreshold', 3)}"
    )


def conditions(obj: Obj) -> list[str]:
    conds = (obj.get("status") or {}).get("conditions") or []
    if not conds:
        return []
    width = max(15, *(len(str(c.get("type", ""))) for c in conds))  # readiness gates have long names
    lines = ["Conditions:", f"  {'Type':<{width}} Status   Reason"]
    for c in conds:
        lines.append(f"  {c.get('type', ''):<{width}} {c.get('status', ''):<8} {c.get('reason', '')}")
    return lines


def events_table(events: list[Obj], now: float) -> list[str]:
    """kubectl's ``DescribeEvents``: oldest last-seen first, columns as wide as their widest cell;
    a repeated event shows ``<since last> (xN over <since first>)``."""
    if not events:
        return ["Events:  <none>"]
    rows = ["  Type\tReason\tAge\tFrom\tMessage", "  ----\t------\t----\t----\t-------"]
    for e in sorted(events, key=lambda e: parse_time(e.get("lastTimestamp") or e.get("firstTimestamp") or _EPOCH)):
        first = since(e.get("firstTimestamp"), now)
        count = int(e.get("count") or 0)
        age = f"{since(e.get('lastTimestamp'), now)} (x{count} over {first})" if count > 1 else first
        source = (e.get("source") or {}).get("component") or e.get("reportingController", "")
        rows.append(f"  {e.get('type', '')}\t{e.get('reason', '')}\t{age}\t{source}\t{e.get('message', '')}")
    return ["Events:"] + align(rows)


def since(ts: str | None, now: float) -> str:
    """``translateTimestampSince``."""
    return human_duration(now - parse_time(ts)) if ts else "<unknown>"


def register_whole(kind: str, fn: Callable[[Obj, list[Obj], float], str]) -> None:
    """A describer that prints everything itself, header and events included (a Pod, as kubectl)."""
    _WHOLE[kind] = fn


def describe(obj: Obj, events: list[Obj], now: float) -> str:
    whole = _WHOLE.get(obj["kind"])
    if whole is not None:
        return whole(obj, events, now)
    body = _DESCRIBERS.get(obj["kind"], _generic)(obj, events, now)
    return "\n".join(header(obj) + body + events_table(events, now))


def _generic(obj: Obj, events: list[Obj], now: float) -> list[str]:
    lines = []
    if "spec" in obj:
        lines += ["Spec:"] + ["  " + ln for ln in json.dumps(obj["spec"], indent=2).splitlines()]
    return lines + conditions(obj)
