"""What the dashboard page shows, as JSON built from the store (and the recorded history).

Shape of ``GET /dashboard/api/workloads`` (and of each event of the stream)::

    {"time": 1767225600.0,
     "workloads": [{
        "kind": "Deployment", "namespace": "default", "name": "web",
        "progress": {"desired": 5, "current": 6, "updated": 2, "ready": 5, "available": 5,
                     "paused": false, "complete": false, "failed": false},
        "status": "Waiting for deployment \\"web\\" rollout to finish: 2 out of 5 new replicas ...",
        "revisions": [{"name": "web-5d8c7f9b4", "revision": "1", "desired": 4, "current": 4,
                       "ready": 4, "available": 4}, ...],          # oldest first
        "conditions": [{"type": "Progressing", "status": "True", "reason": "...", "message": "..."}],
        "events": [{"time": "...", "type": "Normal", "reason": "ScalingReplicaSet",
                    "object": "ReplicaSet/web-5d8c7f9b4", "message": "...", "count": 1}],  # newest first
        "actions": ["pause", "resume", "undo"],
        "history": [{"t": ..., "revisions": [{"revision": "1", "pods": 5, "ready": 5}]}],
        "canary": null,
        "traffic": {"available": false, "revisions": []}}]}

``canary`` is set for a workload with canary steps (GameStatefulSet, CloneSet) while it walks them:
``{"step": 2, "steps": 5, "kind": "pause", "paused": ["PausedByCanaryPauseStep"],
"routing": <status.trafficRouting or null>, "routingText": "10% to revision web-7c9"}``.

``traffic`` is filled from the data plane's ``TrafficSource``s (``metrics.traffic``): one entry
per revision of the workload that carried requests — ``{"revision", "service", "requests",
"failures", "share"}`` with ``share`` the revision's fraction of the workload's requests — and
``available`` true once any source reports. A sample's revision is the pods' label value: a
CloneSet's or GameStatefulSet's revision name, a Deployment pod's ``pod-template-hash`` (the end
of its ReplicaSet's name). Without a data plane source it stays ``{"available": false,
"revisions": []}`` and the page says "no traffic data".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from graceroll.api.meta import Obj
from graceroll.controllers.canary import state as canary_state
from graceroll.controllers.canary import traffic as canary_traffic
from graceroll.dashboard.actions import actions_for
from graceroll.dashboard.history import History, WorkloadKey
from graceroll.errors import GracerollError
from graceroll.metrics.traffic import TrafficSample
from graceroll.store.base import Store
from graceroll.verbs import rollout
from graceroll.workload import progress
from graceroll.workload.base import Snapshot, workload_kinds

MAX_EVENTS = 12  # per workload, newest first


def workloads(store: Store) -> Iterable[tuple[WorkloadKey, Obj, Snapshot, progress.Progress]]:
    """Every workload with a rollout view, with its snapshot and progress."""
    for kind in workload_kinds():
        for obj in store.list(kind):
            seen = progress.read(store, obj)
            if seen is not None:
                yield (kind, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]), obj, seen[0], seen[1]


def status_line(obj: Obj) -> str:
    """``rollout status``'s own message, so the page and the CLI say the same thing."""
    try:
        return rollout.status_message(obj)[0]
    except GracerollError as e:
        return str(e)


def build(store: Store, history: History, now: float, traffic: list[TrafficSample]) -> dict[str, Any]:
    events_by_uid: dict[str, list[Obj]] = defaultdict(list)
    events_by_name: dict[tuple[str, str, str], list[Obj]] = defaultdict(list)
    for ev in store.list("Event"):
        io = ev.get("involvedObject") or {}
        events_by_uid[str(io.get("uid", ""))].append(ev)
        events_by_name[(str(io.get("kind", "")), str(io.get("namespace", "")), str(io.get("name", "")))].append(ev)
    out = []
    for key, obj, snap, prog in workloads(store):
        kind, ns, name = key
        related = list(events_by_uid.get(obj["metadata"].get("uid", ""), []))
        for g in snap.groups:  # a ReplicaSet's or an Application's own events (scaling, pods)
            related += [e for k in ("ReplicaSet", "Application") for e in events_by_name.get((k, ns, g.name), [])]
        out.append(
            {
                "kind": kind,
                "namespace": ns,
                "name": name,
                "progress": asdict(prog),
                "status": status_line(obj),
                "revisions": [asdict(g) for g in snap.groups],
                "conditions": [_condition(c) for c in (obj.get("status") or {}).get("conditions") or [] if isinstance(c, dict)],
                "events": [_event(e) for e in _newest(related)],
                "actions": actions_for(kind),
                "history": [p.to_json() for p in history.points(key)],
                "canary": canary_of(obj),
                "traffic": traffic_of(ns, snap, traffic),
            }
        )
    return {"time": now, "workloads": out}


def canary_of(obj: Obj) -> dict[str, Any] | None:
    """The canary step being walked and what it asks of the data plane (see the module doc)."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    steps = canary_state.steps_of(spec)
    index = int(status.get("currentStepIndex") or 0)
    routing = status.get(canary_traffic.STATUS_KEY)
    if (not steps or index >= len(steps)) and not routing:
        return None
    return {
        "step": index,
        "steps": len(steps),
        "kind": canary_state.step_kind(steps[index]) if index < len(steps) else "",
        "paused": [str(p.get("reason")) for p in status.get("pauseConditions") or ()],
        "routing": routing,
        "routingText": canary_traffic.describe(routing),
    }


def traffic_of(namespace: str, snap: Snapshot, samples: list[TrafficSample]) -> dict[str, Any]:
    """The workload's requests per revision, from the data plane's samples (see the module doc)."""
    names = {g.name: g.revision for g in snap.groups} | {g.revision: g.revision for g in snap.groups}
    names |= {g.name.rsplit("-", 1)[-1]: g.revision for g in snap.groups}  # a Deployment pod's pod-template-hash
    mine = [s for s in samples if s.namespace == namespace and s.revision in names]
    total = sum(s.requests for s in mine)
    return {
        "available": bool(samples),
        "revisions": [
            {
                "revision": names[s.revision],
                "service": s.service,
                "requests": s.requests,
                "failures": sum(s.failures.values()),
                "share": s.requests / total if total else 0.0,
            }
            for s in mine
        ],
    }


def _newest(events: list[Obj]) -> list[Obj]:
    unique = {e["metadata"]["name"]: e for e in events}.values()
    return sorted(unique, key=lambda e: (str(e.get("lastTimestamp") or ""), int(e["metadata"].get("resourceVersion") or 0)), reverse=True)[:MAX_EVENTS]


def _event(e: Obj) -> dict[str, Any]:
    io = e.get("involvedObject") or {}
    return {
        "time": e.get("lastTimestamp") or "",
        "type": e.get("type", ""),
        "reason": e.get("reason", ""),
        "object": f'{io.get("kind", "")}/{io.get("name", "")}',
        "message": e.get("message", ""),
        "count": e.get("count", 1),
    }


def _condition(c: Obj) -> dict[str, Any]:
    return {k: c.get(k, "") for k in ("type", "status", "reason", "message", "lastTransitionTime")}
