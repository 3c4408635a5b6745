"""Columns of the built-in kinds, as ``kubectl get`` prints them."""

from __future__ import annotations

from typing import Any

from graceroll.clock import parse_time
from graceroll.printers.age import human_duration
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

Obj = dict[str, Any]


def _deploy_ready(o: Obj, now: float) -> str:
    st = o.get("status") or {}
    return f"{st.get('readyReplicas', 0)}/{(o.get('spec') or {}).get('replicas', 1)}"


register(
    "Deployment",
    Table(
        (("NAME", name), ("READY", _deploy_ready), ("UP-TO-DATE", field("status", "updatedReplicas")), ("AVAILABLE", field("status", "availableReplicas")), ("AGE", age)),
        (("CONTAINERS", containers_cell), ("IMAGES", images_cell), ("SELECTOR", selector_cell)),
    ),
)
register(
    "ReplicaSet",
    Table(
        (("NAME", name), ("DESIRED", field("spec", "replicas")), ("CURRENT", field("status", "replicas")), ("READY", field("status", "readyReplicas")), ("AGE", age)),
        (("CONTAINERS", containers_cell), ("IMAGES", images_cell), ("SELECTOR", selector_cell)),
    ),
)


def _pod_ready(o: Obj, now: float) -> str:
    cs = (o.get("status") or {}).get("containerStatuses") or []
    total = len((o.get("spec") or {}).get("containers") or [])
    return f"{sum(1 for c in cs if c.get('ready'))}/{total}"


def _init_status(o: Obj) -> str | None:
    """kubectl's ``printPod`` for init containers: ``Init:1/3``, ``Init:Error``,
    ``Init:CrashLoopBackOff``, ``Init:ExitCode:2``; None once they are done."""
    spec, st = o.get("spec") or {}, o.get("status") or {}
    total = len(spec.get("initContainers") or [])
    sidecars = {c.get("name") for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"}
    for i, c in enumerate(st.get("initContainerStatuses") or []):
        state = c.get("state") or {}
        term = state.get("terminated")
        waiting = (state.get("waiting") or {}).get("reason")
        if term is not None and term.get("exitCode") == 0:
            continue
        if c.get("name") in sidecars and c.get("started"):
            continue
        if term is not None:
            return f"Init:{term['reason']}" if term.get("reason") else f"Init:ExitCode:{term.get('exitCode')}"
        if waiting and waiting != "PodInitializing":
            return f"Init:{waiting}"
        return f"Init:{i}/{total}"
    return None


def pod_status(o: Obj, now: float) -> str:
    """kubectl's STATUS column: Terminating, init progress, a waiting/terminated reason, else the phase."""
    if o["metadata"].get("deletionTimestamp"):
        return "Terminating"
    st = o.get("status") or {}
    initializing = _init_status(o)
    initialized = any(c.get("type") == "Initialized" and c.get("status") == "True" for c in st.get("conditions") or [])
    if initializing is not None and not initialized:
        return initializing
    for c in st.get("containerStatuses") or []:
        state = c.get("state") or {}
        if "waiting" in state and state["waiting"].get("reason") not in (None, "ContainerCreating"):
            return str(state["waiting"]["reason"])
        if "terminated" in state and st.get("phase") not in ("Succeeded", "Failed"):
            return str(state["terminated"].get("reason") or "Terminated")
    if st.get("phase") == "Pending" and st.get("startTime"):
        return "ContainerCreating"
    return str(st.get("phase") or "Pending")


def _restarts(o: Obj, now: float) -> str:
    st = o.get("status") or {}
    cs = [*(st.get("initContainerStatuses") or []), *(st.get("containerStatuses") or [])]
    return str(sum(int(c.get("restartCount") or 0) for c in cs))


register(
    "Pod",
    Table(
        (("NAME", name), ("READY", _pod_ready), ("STATUS", pod_status), ("RESTARTS", _restarts), ("AGE", age)),
        (("IP", field("status", "podIP", default="<none>")), ("NODE", field("spec", "nodeName", default="<none>"))),
    ),
)


def _ports(o: Obj, now: float) -> str:
    out = []
    for p in (o.get("spec") or {}).get("ports") or []:
        s = f"{p.get('port')}"
        if p.get("nodePort"):
            s += f":{p['nodePort']}"
        out.append(f"{s}/{p.get('protocol', 'TCP')}")
    return ",".join(out) or "<none>"


register(
    "Service",
    Table(
        (("NAME", name), ("TYPE", field("spec", "type", default="ClusterIP")), ("CLUSTER-IP", field("spec", "clusterIP", default="<none>")), ("EXTERNAL-IP", lambda o, n: "<none>"), ("PORT(S)", _ports), ("AGE", age)),
        (("SELECTOR", lambda o, n: ",".join(f"{k}={v}" for k, v in ((o.get("spec") or {}).get("selector") or {}).items()) or "<none>"),),
    ),
)


MORE_AFTER = 3  # kubectl lists three addresses, then "+ N more..."


def _at_most_three(items: list[str], count: int, empty: str) -> str:
    """kubectl's ``formatEndpoints``/``listWithMoreString``: the first three, then how many more."""
    text = ",".join(items[:MORE_AFTER])
    if count > MORE_AFTER:
        return f"{text} + {count - MORE_AFTER} more..."
    return text or empty


def _endpoints(o: Obj, now: float) -> str:
    """Ready ``ip:port`` pairs of every subset (an address per port; a bare IP when no ports)."""
    pairs: list[str] = []
    for ss in o.get("subsets") or []:
        ips = [str(a.get("ip")) for a in ss.get("addresses") or []]
        ports = ss.get("ports") or []
        pairs += ips if not ports else [f"{ip}:{p.get('port')}" for p in ports for ip in ips]
    return _at_most_three(pairs, len(pairs), "<none>")


def _slice_ports(o: Obj, now: float) -> str:
    ports = [str(p.get("port") or p.get("name") or "*") for p in o.get("ports") or []]
    return _at_most_three(ports, len(ports), "<unset>")


def _slice_endpoints(o: Obj, now: float) -> str:
    ips = [str(a) for e in o.get("endpoints") or [] for a in e.get("addresses") or []]
    return _at_most_three(ips, len(ips), "<unset>")


register("Endpoints", Table((("NAME", name), ("ENDPOINTS", _endpoints), ("AGE", age))))
register(
    "EndpointSlice",
    Table((("NAME", name), ("ADDRESSTYPE", field("addressType", default="<unset>")), ("PORTS", _slice_ports), ("ENDPOINTS", _slice_endpoints), ("AGE", age))),
)


def _last_seen(o: Obj, now: float) -> str:
    ts = o.get("lastTimestamp") or o.get("firstTimestamp")
    return human_duration(now - parse_time(ts)) if ts else "<unknown>"


register(
    "Event",
    Table(
        (
            ("LAST SEEN", _last_seen),
            ("TYPE", field("type", default="")),
            ("REASON", field("reason", default="")),
            ("OBJECT", lambda o, n: f"{o['involvedObject']['kind'].lower()}/{o['involvedObject']['name']}"),
            ("MESSAGE", field("message", default="")),
        ),
    ),
)
register("ControllerRevision", Table((("NAME", name), ("CONTROLLER", lambda o, n: _controller(o)), ("REVISION", field("revision")), ("AGE", age))))


def _controller(o: Obj) -> str:
    for r in o["metadata"].get("ownerReferences") or []:
        if r.get("controller"):
            return f"{r['kind'].lower()}.{r['apiVersion'].split('/')[0]}/{r['name']}"
    return "<none>"


def _data_count(o: Obj, now: float) -> str:
    return str(len(o.get("data") or {}) + len(o.get("binaryData") or {}))


register("Namespace", Table((("NAME", name), ("STATUS", field("status", "phase", default="")), ("AGE", age))))
register("ConfigMap", Table((("NAME", name), ("DATA", _data_count), ("AGE", age))))
register("Secret", Table((("NAME", name), ("TYPE", field("type", default="")), ("DATA", _data_count), ("AGE", age))))
register("ServiceAccount", Table((("NAME", name), ("SECRETS", lambda o, n: str(len(o.get("secrets") or []))), ("AGE", age))))
