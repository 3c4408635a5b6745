"""The describe-style ``Pod Template:`` block of ``rollout history --revision N`` (and ``undo --dry-run``).

Follows ``kubernetes/kubectl:pkg/describe/describe.go`` ``DescribePodTemplate``: tab-separated
``Key:\\tvalue`` lines under fixed indents (a terminal's tab stops align them), labels and
annotations sorted, one block per container (image, ports, command, resources, probes,
environment, mounts), then volumes. Volume sources graceroll does not model print as ``<unknown>``.
"""

from __future__ import annotations

import json
from typing import Any

from graceroll.api.meta import Obj

MAX_ANNOTATION_LEN = 140
LEVEL = ("", "  ", "    ", "      ")


def describe_pod_template(template: Obj | None) -> str:
    """The block, each line ending in a newline."""
    out = ["Pod Template:\n"]
    if template is None:
        return out[0] + "  <unset>"
    md = template.get("metadata") or {}
    spec = template.get("spec") or {}
    out += _labels("  Labels", md.get("labels") or {})
    if md.get("annotations"):
        out += _annotations("  Annotations", md["annotations"])
    if spec.get("serviceAccountName"):
        out.append(f"  Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        out += _containers("Init Containers", spec["initContainers"])
    out += _containers("Containers", spec.get("containers") or [])
    out += _volumes(spec.get("volumes") or [])
    if spec.get("priorityClassName"):
        out.append(f"  Priority Class Name:\t{spec['priorityClassName']}\n")
    return "".join(out)


def _labels(title: str, labels: dict[str, str]) -> list[str]:
    if not labels:
        return [f"{title}:\t<none>\n"]
    return [f"{title}:\t{k}={labels[k]}\n" if i == 0 else f"\t{k}={labels[k]}\n" for i, k in enumerate(sorted(labels))]


def _annotations(title: str, annotations: dict[str, str]) -> list[str]:
    out = []
    for i, key in enumerate(sorted(annotations)):
        lead = f"{title}:\t" if i == 0 else "\t"
        value = str(annotations[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            out.append(f"{lead}{key}:\n")
            out += [f"\t  {_shorten(line, MAX_ANNOTATION_LEN - 2)}\n" for line in value.split("\n")]
        else:
            out.append(f"{lead}{key}: {value}\n")
    return out


def _shorten(s: str, n: int) -> str:
    return s[:n] + "..." if len(s) > n else s


def _containers(label: str, containers: list[Any]) -> list[str]:
    out = [f"  {label}:{'' if containers else ' <none>'}\n"]
    for c in containers:
        if isinstance(c, dict):
            out += _container(c)
    return out


def _container(c: Obj) -> list[str]:
    l1, l2, l3 = LEVEL[1], LEVEL[2], LEVEL[3]
    out = [f"{l1} {c.get('name', '')}:\n", f"{l2}Image:\t{c.get('image', '')}\n"]
    ports = c.get("ports") or []
    container_ports = ", ".join(f"{p.get('containerPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
    host_ports = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
    out.append(f"{l2}{'Ports' if ',' in container_ports else 'Port'}:\t{container_ports or '<none>'}\n")
    out.append(f"{l2}{'Host Ports' if ',' in host_ports else 'Host Port'}:\t{host_ports or '<none>'}\n")
    for title, key in (("Command", "command"), ("Args", "args")):
        if c.get(key):
            out.append(f"{l2}{title}:\n")
            out += [f"{l3}{line}\n" for part in c[key] for line in str(part).split("\n")]
    resources = c.get("resources") or {}
    for title, key in (("Limits", "limits"), ("Requests", "requests")):
        if resources.get(key):
            out.append(f"{l2}{title}:\n")
            out += [f"{l3}{name}:\t{resources[key][name]}\n" for name in sorted(resources[key])]
    for title, key in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"), ("Startup", "startupProbe")):
        if c.get(key):
            out.append(f"{l2}{title}:\t{describe_probe(c[key])}\n")
    env = c.get("env") or []
    out.append(f"{l2}Environment:{'' if env else chr(9) + '<none>'}\n")
    for e in env:
        out += _env_var(e)
    mounts = sorted(c.get("volumeMounts") or [], key=lambda m: str(m.get("mountPath", "")))
    out.append(f"{l2}Mounts:{'' if mounts else chr(9) + '<none>'}\n")
    for m in mounts:
        flags = ["ro" if m.get("readOnly") else "rw"]
        if m.get("subPath"):
            flags.append(f"path={json.dumps(m['subPath'])}")
        out.append(f"{l3}{m.get('mountPath')} from {m.get('name')} ({','.join(flags)})\n")
    return out


def _env_var(e: Obj) -> list[str]:
    l3 = LEVEL[3]
    name = e.get("name", "")
    source = e.get("valueFrom")
    if not source:
        lines = str(e.get("value", "")).split("\n")
        return [f"{l3}{name}:\t{lines[0]}\n"] + [f"{l3}\t{line}\n" for line in lines[1:]]
    if "fieldRef" in source:
        ref = source["fieldRef"]
        return [f"{l3}{name}:\t ({ref.get('apiVersion', 'v1')}:{ref.get('fieldPath', '')})\n"]
    if "resourceFieldRef" in source:
        return [f"{l3}{name}:\t ({source['resourceFieldRef'].get('resource', '')})\n"]
    for key, what in (("secretKeyRef", "in secret"), ("configMapKeyRef", "of config map")):
        if key in source:
            ref = source[key]
            optional = "true" if ref.get("optional") else "false"
            return [f"{l3}{name}:\t<set to the key '{ref.get('key', '')}' {what} '{ref.get('name', '')}'>\tOptional: {optional}\n"]
    return [f"{l3}{name}:\t<unknown>\n"]


def describe_probe(p: Obj) -> str:
    """``http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3``."""
    attrs = (
        f"delay={p.get('initialDelaySeconds', 0)}s timeout={p.get('timeoutSeconds', 1)}s "
        f"period={p.get('periodSeconds', 10)}s #success={p.get('successThreshold', 1)} #failure={p.get('failureThreshold', 3)}"
    )
    if "exec" in p:
        return f"exec [{' '.join(str(a) for a in p['exec'].get('command') or [])}] {attrs}"
    if "httpGet" in p:
        h = p["httpGet"]
        scheme = str(h.get("scheme", "HTTP")).lower()
        return f"http-get {scheme}://{h.get('host', '')}:{h.get('port', '')}{h.get('path', '')} {attrs}"
    if "tcpSocket" in p:
        t = p["tcpSocket"]
        return f"tcp-socket {t.get('host', '')}:{t.get('port', '')} {attrs}"
    if "grpc" in p:
        g = p["grpc"]
        return f"grpc <pod>:{g.get('port', '')} {g.get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _volumes(volumes: list[Any]) -> list[str]:
    if not volumes:
        return ["  Volumes:\t<none>\n"]
    out = ["  Volumes:\n"]
    for v in volumes:
        out.append(f"{LEVEL[1]} {v.get('name', '')}:\n")
        out += _volume_source(v)
    return out


def _volume_source(v: Obj) -> list[str]:
    l2 = LEVEL[2]
    if "emptyDir" in v:
        e = v["emptyDir"] or {}
        return [
            f"{l2}Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n",
            f"{l2}Medium:\t{e.get('medium', '')}\n",
            f"{l2}SizeLimit:\t{e.get('sizeLimit', '<unset>')}\n",
        ]
    if "hostPath" in v:
        h = v["hostPath"] or {}
        return [
            f"{l2}Type:\tHostPath (bare host directory volume)\n",
            f"{l2}Path:\t{h.get('path', '')}\n",
            f"{l2}HostPathType:\t{h.get('type', '')}\n",
        ]
    if "configMap" in v:
        c = v["configMap"] or {}
        return [
            f"{l2}Type:\tConfigMap (a volume populated by a ConfigMap)\n",
            f"{l2}Name:\t{c.get('name', '')}\n",
            f"{l2}Optional:\t{'true' if c.get('optional') else 'false'}\n",
        ]
    if "secret" in v:
        s = v["secret"] or {}
        return [
            f"{l2}Type:\tSecret (a volume populated by a Secret)\n",
            f"{l2}SecretName:\t{s.get('secretName', '')}\n",
            f"{l2}Optional:\t{'true' if s.get('optional') else 'false'}\n",
        ]
    return [f"{LEVEL[1]}<unknown>\n"]
