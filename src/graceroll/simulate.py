"""The simulator: the real controllers, an in-memory store and a simulated node on a virtual clock.

Controller reactions take zero virtual time: after every instant the work queue is drained
before the clock moves to the next timer (a pod starting, a probe passing, a grace period
ending, a progress deadline). Pods with identical behaviour created at the same instant
therefore become ready at the same instant, and a run is exactly reproducible. What is reported
is observed at every store write (``timeline``), so states between two writes of one instant
count too. No requests flow: traffic steps set ``status.trafficRouting`` (their events show in
the timeline's events), and the built-in judge, which sees no requests, is Inconclusive.
"""

from __future__ import annotations

import gc
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import graceroll.api.builtin  # noqa: F401  (registers the built-in kinds)
from graceroll.cli.argv import kubectl_argv
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
from graceroll.errors import GracerollError, StepFailed, UsageError
from graceroll.node.sim import SimNode
from graceroll.scenario import Scenario, Step
from graceroll.store.memory import MemoryStore
from graceroll.timeline import Outcome, Row, Timeline
from graceroll.verbs.apply import apply as apply_objects
from graceroll.verbs.apply import read_manifests

__all__ = ["CommandContext", "Outcome", "Row", "Simulation", "quiet_gc", "simulate"]

SEED = 0


@dataclass
class CommandContext:
    """What CLI verbs need to act on the simulated cluster."""

    store: MemoryStore
    clock: VirtualClock
    cwd: Path
    namespace: str = "default"


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
                # a data plane that carries nothing: the judge finds too few requests (Inconclusive)
                HookRunController(self.store, self.clock, scenario.fetcher(), traffic=lambda: ()),
                MesosDeploymentController(self.store, self.clock),
                ApplicationController(self.store, self.clock, nodes_of(scenario.nodes)),
                SimNode(self.store, self.clock, scenario.behaviours(self.clock.start)),
            ],
        )
        self.timeline = Timeline(self.store, self.clock, on_row)
        self.outcome = self.timeline.outcome

    # ---- driving -----------------------------------------------------------------------------
    def run(self) -> Outcome:
        with quiet_gc():
            for i, step in enumerate(self.scenario.steps):
                if self.clock.elapsed() >= self.scenario.until:
                    self.outcome.notes.append(f"stopped at the time limit ({self.scenario.until:g}s)")
                    break
                try:
                    self.execute(step)
                except GracerollError as e:
                    raise StepFailed(i, step.text(), str(e)) from e
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
            if not self._advance(self.timeline.settled):
                self.outcome.notes.append(f"wait: complete did not end by {self.clock.elapsed():g}s: nothing left to happen")
        else:
            assert step.wait is not None
            target = min(self.clock.elapsed() + float(step.wait), self.scenario.until)
            self._advance(lambda: False, target)

    def _path(self, p: str) -> str:
        return str(self.scenario.base_dir / p) if not Path(p).is_absolute() else p

    def _run_verb(self, line: str) -> list[str]:
        from graceroll.cli.commands import run_command

        try:
            words = shlex.split(line)
        except ValueError as e:
            raise UsageError(f"cannot split the command line: {e}") from e
        argv, namespace = _split_namespace(kubectl_argv(words))
        ctx = CommandContext(self.store, self.clock, self.scenario.base_dir, namespace)
        return [run_command(ctx, argv)]

    def _act(self, action: Callable[[], list[str]]) -> None:
        self.outcome.notes.extend(m for m in action() if m)
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


def simulate(scenario: Scenario, on_row: Callable[[Row], None] | None = None) -> Outcome:
    return Simulation(scenario, on_row).run()
