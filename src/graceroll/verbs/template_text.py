"""The describe-style ``Pod Template:`` block of ``rollout history --revision N`` (and ``undo --dry-run``).

Follows ``kubernetes/kubectl:pkg/describe/describe.go`` ``DescribePodTemplate``: tab-separated
``Key:\\tvalue`` lines under fixed indents (a terminal's tab stops align them), labels and
annotations sorted, one block per container (image, ports, command, resources, probes,
environment, mounts), then volumes. Volume sources graceroll does not model print as ``<unknown>``.
The container and volume blocks also serve ``describe pod`` (``printers.describe_pod``), which
adds each container's status and resolves downward-API environment values from the pod.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from graceroll.api.meta import Obj
from graceroll.clock import parse_time

MAX_ANNOTATION_LEN = 140
LEVEL = ("", "  ", "    ", "      ")


def describe_pod_template(template: Obj | None) -> str:
    """The block, each line ending in a newline."""
    out = ["Pod Template:\n"]
    if template is None:
        return out[0] + "  <unset>"
    md = template.get("metadata") or {}
    spec = template.get("spec") or {}
    out += labels_block("  Labels", md.get("labels") or {})
    if md.get("annotations"):
        out += annotations_block("  Annotations", md["annotations"])
    if spec.get("serviceAccountName"):
        out.append(f"  Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        out += containers_block("Init Containers", spec["initContainers"], "  ")
    out += containers_block("Containers", spec.get("containers") or [], "  ")
    out += volumes_block(spec.get("volumes") or [], "  ")
    if spec.get("priorityClassName"):
        out.append(f"  Priority Class Name:\t{spec['priorityClassName']}\n")
    return "".join(out)


def labels_block(title: str, labels: dict[str, str]) -> list[str]:
    if not labels:
        return [f"{title}:\t<none>\n"]
    return [f"{title}:\t{k}={labels[k]}\n" if i == 0 else f"\t{k}={labels[k]}\n" for i, k in enumerate(sorted(labels))]


def annotations_block(title: str, annotations: dict[str, str]) -> list[str]:
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


def containers_block(label: str, containers: list[Any], space: str, statuses: list[Any] | None = None, pod: Obj | None = None) -> list[str]:
    """``describeContainers``: ``space`` is the section's indent ("  " in a template, "" in a pod);
    with ``statuses`` (a pod) each container also shows its ID, state, readiness and restarts."""
    by_name = {cs.get("name"): cs for cs in statuses or () if isinstance(cs, dict)}
    out = [f"{space}{label}:{'' if containers else ' <none>'}\n"]
    for c in containers:
        if isinstance(c, dict):
            out += _container(c, space, by_name.get(c.get("name")) if statuses is not None else None, pod)
    return out


def _container(c: Obj, space: str, status: Obj | None, pod: Obj | None) -> list[str]:
    l1, l2, l3 = LEVEL[1], LEVEL[2], LEVEL[3]
    out = [f"{l1}{' ' if space else ''}{c.get('name', '')}:\n"]
    if status is not None:
        out.append(f"{l2}Container ID:\t{status.get('containerID', '')}\n")
    out.append(f"{l2}Image:\t{c.get('image', '')}\n")
    if status is not None:
        out.append(f"{l2}Image ID:\t{status.get('imageID', '')}\n")
    ports = c.get("ports") or []
    container_ports = ", ".join(f"{p.get('containerPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
    host_ports = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
    out.append(f"{l2}{'Ports' if ',' in container_ports else 'Port'}:\t{container_ports or '<none>'}\n")
    out.append(f"{l2}{'Host Ports' if ',' in host_ports else 'Host Port'}:\t{host_ports or '<none>'}\n")
    for title, key in (("Command", "command"), ("Args", "args")):
        if c.get(key):
            out.append(f"{l2}{title}:\n")
            out += [f"{l3}{line}\n" for part in c[key] for line in str(part).split("\n")]
    if status is not None:
        out += _state("State", status.get("state") or {})
        if ((status.get("lastState") or {}).get("terminated")) is not None:
            out += _state("Last State", status["lastState"])
        out.append(f"{l2}Ready:\t{'True' if status.get('ready') else 'False'}\n")
        out.append(f"{l2}Restart Count:\t{int(status.get('restartCount') or 0)}\n")
    resources = c.get("resources") or {}
    for title, key in (("Limits", "limits"), ("Requests", "requests")):
        if resources.get(key):
            out.append(f"{l2}{title}:\n")
            out += [f"{l3}{name}:\t{resources[key][name]}\n" for name in sorted(resources[key])]
    for title, key in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"), ("Startup", "startupProbe")):
        if c.get(key):
            out.append(f"{l2}{title}:\t{describe_probe(c[key])}\n")
    if c.get("envFrom"):
        out.append(f"{l2}Environment Variables from:\n")
        out += [_env_from(e) for e in c["envFrom"] if isinstance(e, dict)]
    env = c.get("env") or []
    out.append(f"{l2}Environment:{'' if env else chr(9) + '<none>'}\n")
    for e in env:
        out += _env_var(e, pod)
    mounts = sorted(c.get("volumeMounts") or [], key=lambda m: str(m.get("mountPath", "")))
    out.append(f"{l2}Mounts:{'' if mounts else chr(9) + '<none>'}\n")
    for m in mounts:
        flags = ["ro" if m.get("readOnly") else "rw"]
        if m.get("subPath"):
            flags.append(f"path={json.dumps(m['subPath'])}")
        out.append(f"{l3}{m.get('mountPath')} from {m.get('name')} ({','.join(flags)})\n")
    return out


def _state(title: str, state: Obj) -> list[str]:
    """``describeStatus``: the container state, with kubectl's RFC 1123 times."""
    l2, l3 = LEVEL[2], LEVEL[3]
    if "running" in state:
        return [f"{l2}{title}:\tRunning\n", f"{l3}Started:\t{rfc1123(state['running'].get('startedAt'))}\n"]
    if "terminated" in state:
        t = state["terminated"] or {}
        out = [f"{l2}{title}:\tTerminated\n"]
        if t.get("reason"):
            out.append(f"{l3}Reason:\t{t['reason']}\n")
        if t.get("message"):
            out.append(f"{l3}Message:\t{t['message']}\n")
        out.append(f"{l3}Exit Code:\t{int(t.get('exitCode') or 0)}\n")
        if t.get("signal"):
            out.append(f"{l3}Signal:\t{t['signal']}\n")
        return out + [f"{l3}Started:\t{rfc1123(t.get('startedAt'))}\n", f"{l3}Finished:\t{rfc1123(t.get('finishedAt'))}\n"]
    waiting = state.get("waiting") or {}
    out = [f"{l2}{title}:\tWaiting\n"]
    if waiting.get("reason"):
        out.append(f"{l3}Reason:\t{waiting['reason']}\n")
    return out


def rfc1123(text: str | None) -> str:
    """Go's ``time.RFC1123Z``; the zero time when unset, as kubectl prints it."""
    if not text:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    return datetime.fromtimestamp(parse_time(text), tz=UTC).strftime("%a, %d %b %Y %H:%M:%S %z")


def _env_from(e: Obj) -> str:
    kind, ref = ("ConfigMap", e.get("configMapRef")) if e.get("configMapRef") is not None else ("Secret", e.get("secretRef") or {})
    ref = ref or {}
    optional = "true" if ref.get("optional") else "false"
    what = f"{kind} with prefix '{e['prefix']}'" if e.get("prefix") else kind
    return f"{LEVEL[3]}{ref.get('name', '')}\t{what}\tOptional: {optional}\n"


def _env_var(e: Obj, pod: Obj | None = None) -> list[str]:
    l3 = LEVEL[3]
    name = e.get("name", "")
    source = e.get("valueFrom")
    if not source:
        lines = str(e.get("value", "")).split("\n")
        return [f"{l3}{name}:\t{lines[0]}\n"] + [f"{l3}\t{line}\n" for line in lines[1:]]
    if "fieldRef" in source:
        ref = source["fieldRef"]
        value = field_value(pod, str(ref.get("fieldPath", ""))) if pod is not None else ""
        return [f"{l3}{name}:\t{value} ({ref.get('apiVersion', 'v1')}:{ref.get('fieldPath', '')})\n"]
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


def field_value(pod: Obj, path: str) -> str:
    """kubectl's ``EnvValueRetriever``: the downward-API value of ``path`` in ``pod`` ("" if none)."""
    md, spec, st = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    simple = {
        "metadata.name": md.get("name"),
        "metadata.namespace": md.get("namespace"),
        "metadata.uid": md.get("uid"),
        "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName"),
        "status.hostIP": st.get("hostIP"),
        "status.podIP": st.get("podIP"),
        "status.hostIPs": ",".join(i.get("ip", "") for i in st.get("hostIPs") or ()),
        "status.podIPs": ",".join(i.get("ip", "") for i in st.get("podIPs") or ()),
    }
    if path in simple:
        return str(simple[path] or "")
    for key in ("labels", "annotations"):
        prefix = f"metadata.{key}['"
        if path.startswith(prefix) and path.endswith("']"):
            return str((md.get(key) or {}).get(path[len(prefix) : -2], ""))
    return ""


def volumes_block(volumes: list[Any], space: str) -> list[str]:
    """``describeVolumes``: ``space`` as for ``containers_block``."""
    if not volumes:
        return [f"{space}Volumes:\t<none>\n"]
    out = [f"{space}Volumes:\n"]
    for v in volumes:
        out.append(f"{LEVEL[1]}{' ' if space else ''}{v.get('name', '')}:\n")
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
            f"{l2}HostPathType:\t{h.get('type') or '<none>'}\n",
        ]
    if "persistentVolumeClaim" in v:
        c = v["persistentVolumeClaim"] or {}
        return [
            f"{l2}Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n",
            f"{l2}ClaimName:\t{c.get('claimName', '')}\n",
            f"{l2}ReadOnly:\t{'true' if c.get('readOnly') else 'false'}\n",
        ]
    if "downwardAPI" in v:
        items = (v["downwardAPI"] or {}).get("items") or []
        return [f"{l2}Type:\tDownwardAPI (a volume populated by information about the pod)\n", f"{l2}Items:\n"] + [
            f"{LEVEL[3]}{(i.get('fieldRef') or {}).get('fieldPath', '')} -> {i.get('path', '')}\n" for i in items
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
