"""The simulator: the real controllers, an in-memory store and a simulated node on a virtual clock.

Controller reactions take zero virtual time: after every instant the work queue is drained
before the clock moves to the next timer (a pod starting, a probe passing, a grace period
ending, a progress deadline). Pods with identical behaviour created at the same instant
therefore become ready at the same instant, and a run is exactly reproducible.
"""

from __future__ import annotations

import gc
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graceroll.api.builtin  # noqa: F401  (registers the built-in kinds)
from graceroll.clock import VirtualClock
from graceroll.controllers.cloneset.controller import CloneSetController
from graceroll.controllers.deployment.controller import DeploymentController
from graceroll.controllers.gamestatefulset.controller import GameStatefulSetController
from graceroll.controllers.hookrun.controller import HookRunController
from graceroll.controllers.mesos.application import ApplicationController
from graceroll.controllers.mesos.deployment import MesosDeploymentController
from graceroll.controllers.replicaset.controller import ReplicaSetController
from graceroll.controllers.runtime import Manager
from graceroll.engine.config import nodes_of
from graceroll.node.sim import SimNode
from graceroll.scenario import Scenario, Step
from graceroll.store.base import WatchEvent
from graceroll.store.memory import MemoryStore
from graceroll.verbs.apply import apply as apply_objects
from graceroll.verbs.apply import read_manifests
from graceroll.workload.base import Group, Snapshot, view_for, workload_kinds

SEED = 0


@dataclass
class CommandContext:
    """What CLI verbs need to act on the simulated cluster."""

    store: MemoryStore
    clock: VirtualClock
    cwd: Path
    namespace: str = "default"


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


class Simulation:
    def __init__(self, scenario: Scenario, on_row: Callable[[Row], None] | None = None) -> None:
        self.scenario = scenario
        self.clock = VirtualClock()
        self.store = MemoryStore(self.clock, seed=SEED)
        self.manager = Manager(
            self.store,
            self.clock,
            [
                DeploymentController(self.store, self.clock),
                ReplicaSetController(self.store, self.clock),
                CloneSetController(self.store, self.clock),
                GameStatefulSetController(self.store, self.clock),
                HookRunController(self.store, self.clock, scenario.fetcher()),
                MesosDeploymentController(self.store, self.clock),
                ApplicationController(self.store, self.clock, nodes_of(scenario.nodes)),
                SimNode(self.store, self.clock, scenario.behaviours()),
            ],
        )
        self.outcome = Outcome()
        self._on_row = on_row
        self._last: dict[str, Snapshot] = {}
        self._changed_at: float | None = None
        self._all_complete_once = False
        self.store.subscribe(self._on_event)

    # ---- driving -----------------------------------------------------------------------------
    def run(self) -> Outcome:
        with quiet_gc():
            for step in self.scenario.steps:
                if self.clock.elapsed() >= self.scenario.until:
                    self.outcome.notes.append(f"stopped at the time limit ({self.scenario.until:g}s)")
                    break
                self.execute(step)
        return self.finish()

    def execute(self, step: Step) -> None:
        """Carry out one scenario step."""
        if step.apply is not None:
            path = self._path(step.apply)
            self._act(lambda: apply_objects(self.store, read_manifests(path)))
        elif step.run is not None:
            line = step.run
            self._act(lambda: self._run_verb(line))
        elif step.wait == "complete":
            if not self._advance(self._settled):
                self.outcome.notes.append(f"wait: complete did not end by {self.clock.elapsed():g}s: nothing left to happen")
        else:
            assert step.wait is not None
            target = min(self.clock.elapsed() + float(step.wait), self.scenario.until)
            self._advance(lambda: False, target)

    def _path(self, p: str) -> str:
        return str(self.scenario.base_dir / p) if not Path(p).is_absolute() else p

    def _run_verb(self, line: str) -> list[str]:
        from graceroll.cli.commands import run_command

        argv, namespace = _split_namespace(shlex.split(line))
        ctx = CommandContext(self.store, self.clock, self.scenario.base_dir, namespace)
        return [run_command(ctx, argv)]

    def _act(self, action: Callable[[], list[str]]) -> None:
        before = self._templates()
        self.outcome.notes.extend(m for m in action() if m)
        if self._templates() != before:
            self._changed_at = self.clock.elapsed()
        self._settle()

    def _advance(self, done: Callable[[], bool], target: float | None = None) -> bool:
        """Move time forward until ``done()`` or the target time (or ``until``); True if done."""
        limit = self.scenario.until if target is None else target
        while True:
            self._settle()
            if done():
                return True
            due = self.manager.next_due()
            if due is None or due - self.clock.start > limit:
                if target is not None:
                    self.clock.advance_to(self.clock.start + limit)
                    self.manager.fire_due()
                    self._settle()
                return done()
            self.clock.advance_to(due)
            self.manager.fire_due()

    def _settle(self) -> None:
        self.manager.run_pending()
        self._observe()

    # ---- observing ---------------------------------------------------------------------------
    def _workloads(self) -> list[dict[str, Any]]:
        return [w for kind in workload_kinds() for w in self.store.list(kind)]

    def _templates(self) -> dict[str, object]:
        out = {}
        for w in self._workloads():
            view = view_for(w["kind"])
            assert view is not None
            out[f"{w['kind']}/{w['metadata']['namespace']}/{w['metadata']['name']}"] = view.template(w)
        return out

    def _snapshots(self) -> dict[str, Snapshot]:
        out = {}
        for w in self._workloads():
            view = view_for(w["kind"])
            assert view is not None
            out[_label(w)] = view.snapshot(self.store, w)
        return out

    def _settled(self) -> bool:
        snaps = self._snapshots()
        return all(s.complete or s.failed for s in snaps.values())

    def _observe(self) -> None:
        t = self.clock.elapsed()
        snaps = self._snapshots()
        o = self.outcome
        for name, snap in snaps.items():
            if self._last.get(name) != snap:
                self._last[name] = snap
                row = Row(t, name, snap)
                o.timeline.append(row)
                if self._on_row is not None:
                    self._on_row(row)
        o.max_pods = max(o.max_pods, sum(s.pods for s in snaps.values()))
        all_complete = bool(snaps) and all(s.complete for s in snaps.values())
        if all_complete:
            self._all_complete_once = True
            if self._changed_at is not None and o.duration_s is None:
                o.duration_s = t - self._changed_at
        if self._all_complete_once:
            available = sum(s.available for s in snaps.values())
            o.min_available = available if o.min_available is None else min(o.min_available, available)
        if self._changed_at is not None and not all_complete and o.duration_s is not None:
            o.duration_s = None  # a newer rollout started after an earlier one completed
        o.complete = all_complete

    def _on_event(self, ev: WatchEvent) -> None:
        obj = ev.object
        if ev.type == "ADDED" and obj["kind"] == "Event":
            inv = obj["involvedObject"]
            self.outcome.events.append(
                {
                    "t": round(self.clock.elapsed(), 6),
                    "object": f"{inv['kind']}/{inv['name']}",
                    "reason": obj["reason"],
                    "message": obj["message"],
                }
            )

    def finish(self) -> Outcome:
        self.outcome.end_t = self.clock.elapsed()
        self.outcome.reconciles = self.manager.reconciles
        return self.outcome


def _split_namespace(argv: list[str]) -> tuple[list[str], str]:
    """The global ``-n/--namespace`` option taken out of a verb's command line."""
    rest, namespace, i = [], "default", 0
    while i < len(argv):
        a = argv[i]
        if a in ("-n", "--namespace") and i + 1 < len(argv):
            namespace, i = argv[i + 1], i + 2
            continue
        if a.startswith("--namespace="):
            namespace = a.split("=", 1)[1]
        else:
            rest.append(a)
        i += 1
    return rest, namespace


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Collect cycles rarely: a run allocates millions of short-lived dicts and keeps a large live
    set, so default thresholds rescan that set again and again (superlinear in pod count)."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def _label(w: dict[str, Any]) -> str:
    ns = w["metadata"]["namespace"]
    prefix = "" if ns == "default" else f"{ns}/"
    return f"{w['kind']}/{prefix}{w['metadata']['name']}"


def simulate(scenario: Scenario, on_row: Callable[[Row], None] | None = None) -> Outcome:
    return Simulation(scenario, on_row).run()
