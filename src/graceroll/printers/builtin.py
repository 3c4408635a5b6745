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


def pod_status(o: Obj, now: float) -> str:
    """kubectl's STATUS column: Terminating, a waiting/terminated reason, else the phase."""
    if o["metadata"].get("deletionTimestamp"):
        return "Terminating"
    st = o.get("status") or {}
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
    cs = (o.get("status") or {}).get("containerStatuses") or []
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
