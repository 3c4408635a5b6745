"""What a simulation reports: the timeline and the summary, observed at every store write.

Controllers react in zero virtual time, so several writes happen at one virtual instant; the
states between them are real (a surge that exists until the next controller deletes old pods, a
pod NotReady during an in-place restart). The observer is a store listener: after each write it
takes a snapshot of every workload the write concerns (``WorkloadView.workloads_for``), appends
a row when the counts changed, and updates the summary. Pod counts come from a ``PodTally`` kept
up to date by the same events, so a write costs the workload's groups, not its pods.

Summary:

* ``max_pods``: the most non-terminating pods (Σ of the workloads' ``pods``) after any write;
* ``min_available``: the fewest available pods (Σ ``available``) after any write once every
  workload had been complete at least once (``null`` before that);
* ``duration_s``: from the last pod-template change (a workload created, or its template
  changed by a step or by a controller) to the first write after which every workload is
  complete; ``null`` if that never happened;
* ``complete``: whether every workload was complete at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graceroll.api.meta import Obj
from graceroll.clock import VirtualClock
from graceroll.store.base import WatchEvent
from graceroll.store.memory import MemoryStore
from graceroll.workload.base import Group, Snapshot, WorkloadView, views
from graceroll.workload.tally import PodTally


@dataclass
class Row:
    t: float
    workload: str
    snapshot: Snapshot

    def to_json(self) -> dict[str, Any]:
        s = self.snapshot
        return {
            "t": round(self.t, 6),
            "workload": self.workload,
            "pods": s.pods,
            "ready": s.ready,
            "available": s.available,
            "groups": [_group_json(g) for g in s.groups],
        }


def _group_json(g: Group) -> dict[str, Any]:
    return {
        "name": g.name,
        "revision": g.revision,
        "desired": g.desired,
        "current": g.current,
        "ready": g.ready,
        "available": g.available,
    }


@dataclass
class Outcome:
    timeline: list[Row] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # messages of applied commands, waits that could not end
    duration_s: float | None = None
    complete: bool = False
    max_pods: int = 0
    min_available: int | None = None
    end_t: float = 0.0
    reconciles: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "timeline": [r.to_json() for r in self.timeline],
            "events": self.events,
            "summary": {
                "duration_s": None if self.duration_s is None else round(self.duration_s, 6),
                "complete": self.complete,
                "max_pods": self.max_pods,
                "min_available": self.min_available,
            },
        }


class Timeline:
    """Subscribe before anything is written; ``outcome`` is up to date after every write."""

    def __init__(self, store: MemoryStore, clock: VirtualClock, on_row: Callable[[Row], None] | None = None) -> None:
        self.store = store
        self.clock = clock
        self.outcome = Outcome()
        self.snapshots: dict[str, Snapshot] = {}  # workload label -> its latest snapshot
        self._views = views()
        self._by_kind = {v.kind: v for v in self._views}
        self._tally = PodTally(self._views)
        self._templates: dict[str, object] = {}
        self._changed_at: float | None = None
        self._complete_once = False
        self._on_row = on_row
        store.subscribe(self._on_event)

    def settled(self) -> bool:
        """Every workload complete or failed (what ``wait: complete`` waits for)."""
        return all(s.complete or s.failed for s in self.snapshots.values())

    def _on_event(self, ev: WatchEvent) -> None:
        obj = ev.object
        if obj["kind"] == "Event":
            self._record_event(ev)
            return
        if obj["kind"] == "Pod" and not self._tally.observe(ev):
            return  # a pod no view counts itself (a ReplicaSet's: its status tells)
        touched = sorted({(v.kind, key) for v in self._views for key in v.workloads_for(self.store, obj)})
        if not touched:
            return
        for kind, (namespace, name) in touched:
            self._refresh(self._by_kind[kind], namespace, name)
        self._summarize()

    def _refresh(self, view: WorkloadView, namespace: str, name: str) -> None:
        label = _label(view.kind, namespace, name)
        w = self.store.try_get(view.kind, namespace, name)
        if w is None:
            self.snapshots.pop(label, None)
            self._templates.pop(label, None)
            return
        template = view.template(w)
        if label not in self._templates or self._templates[label] != template:
            self._templates[label] = template
            self._changed_at = self.clock.elapsed()
            self.outcome.duration_s = None
        snap = view.snapshot(self.store, w, self._tally)
        last = self.snapshots.get(label)
        self.snapshots[label] = snap
        if last is None or last.counts != snap.counts:
            row = Row(self.clock.elapsed(), label, snap)
            self.outcome.timeline.append(row)
            if self._on_row is not None:
                self._on_row(row)

    def _summarize(self) -> None:
        o, snaps = self.outcome, self.snapshots.values()
        o.max_pods = max(o.max_pods, sum(s.pods for s in snaps))
        all_complete = bool(self.snapshots) and all(s.complete for s in snaps)
        if all_complete:
            self._complete_once = True
            if self._changed_at is not None and o.duration_s is None:
                o.duration_s = self.clock.elapsed() - self._changed_at
        if self._complete_once:
            available = sum(s.available for s in snaps)
            o.min_available = available if o.min_available is None else min(o.min_available, available)
        o.complete = all_complete

    def _record_event(self, ev: WatchEvent) -> None:
        if ev.type != "ADDED":
            return
        obj: Obj = ev.object
        inv = obj["involvedObject"]
        self.outcome.events.append(
            {
                "t": round(self.clock.elapsed(), 6),
                "object": f"{inv['kind']}/{inv['name']}",
                "reason": obj["reason"],
                "message": obj["message"],
            }
        )


def _label(kind: str, namespace: str, name: str) -> str:
    prefix = "" if namespace == "default" else f"{namespace}/"
    return f"{kind}/{prefix}{name}"
