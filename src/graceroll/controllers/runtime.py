"""Running controllers: a de-duplicating work queue, requeue timers, and store-event fan-out.

Ordering: controllers are listed from the top of the ownership chain down (Deployment,
ReplicaSet, node); pending work of a lower controller runs first, so a Deployment always plans
with ReplicaSet statuses that already reflect its last scaling (upstream gets the same from
informer latency only most of the time). Within a controller keys run first-in first-out; a key
already waiting is not queued twice, so a burst of pod changes costs its ReplicaSet one
reconcile. One key is reconciled at a time, so a controller never races itself on an object. The same ``Manager`` serves the simulator (driven by
``run_pending`` and a virtual clock) and the engine (driven by an asyncio loop).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from graceroll.api.meta import controller_ref
from graceroll.clock import Clock
from graceroll.errors import Conflict, GracerollError, NotFound
from graceroll.store.base import Store, WatchEvent

Key = tuple[str, str]  # namespace, name
ERROR_RETRY = 1.0  # seconds before a key whose reconcile failed unexpectedly is tried again


@dataclass(frozen=True)
class Result:
    """What a reconcile asks for next: nothing, or another look after ``requeue_after`` seconds."""

    requeue_after: float | None = None

    @staticmethod
    def sooner(*results: Result) -> Result:
        delays = [r.requeue_after for r in results if r.requeue_after is not None]
        return Result(min(delays)) if delays else Result()


class Controller(Protocol):
    name: str

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        """Which of this controller's objects an event concerns."""
        ...

    def reconcile(self, key: Key) -> Result: ...


def own_or_controller_key(event: WatchEvent, kind: str, owned: tuple[str, ...] = ("Pod",)) -> tuple[Key, ...]:
    """The key of an object of ``kind``, or of the ``kind`` object that controls the ``owned``
    object (by default a pod) in ``event``."""
    obj = event.object
    md = obj["metadata"]
    if obj["kind"] == kind:
        return ((md["namespace"], md["name"]),)
    if obj["kind"] in owned:
        ref = controller_ref(obj)
        if ref is not None and ref.get("kind") == kind:
            return ((md["namespace"], ref["name"]),)
    return ()


class ReconcileObserver(Protocol):
    """Told about every reconcile (the engine's metrics); ``start`` returns what ``done`` gets back,
    so the observer measures time with its own clock and the manager stays clock-agnostic."""

    def start(self) -> float: ...

    def done(self, controller: str, started: float, result: str) -> None:
        """``result``: ``success``, ``requeue_after`` (success with a delay), ``conflict`` (the
        object moved: looked at again at once) or ``error`` (an unexpected failure)."""
        ...


class Livelock(GracerollError):
    """Controllers kept writing without settling; a bug, reported instead of spinning forever."""


class Manager:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        controllers: list[Controller],
        on_error: Callable[[Controller, Key, Exception], None] | None = None,
    ) -> None:
        """``on_error``: report an unexpected reconcile failure and retry the key after
        ``ERROR_RETRY`` seconds (the engine); without it the error propagates (simulator, tests)."""
        self.on_error = on_error
        self.store = store
        self.clock = clock
        self.controllers = controllers
        self._queues: list[dict[Key, None]] = [{} for _ in controllers]
        self._timers: list[tuple[float, int, int, Key]] = []
        self._due: dict[tuple[int, Key], float] = {}
        self._seq = itertools.count()
        self.reconciles = 0
        self.observer: ReconcileObserver | None = None
        store.subscribe(self._on_event)

    def _on_event(self, event: WatchEvent) -> None:
        for queue, c in zip(self._queues, self.controllers):
            for key in c.keys_for(event):
                queue[key] = None

    def enqueue(self, controller: Controller, key: Key) -> None:
        self._queues[self.controllers.index(controller)][key] = None

    def enqueue_all(self) -> None:
        """Look at every object once (start-up resync)."""
        for queue, c in zip(self._queues, self.controllers):
            for key in getattr(c, "all_keys", list)():
                queue[key] = None

    def _pop(self) -> tuple[int, Key] | None:
        for i in range(len(self._queues) - 1, -1, -1):
            queue = self._queues[i]
            if queue:
                key = next(iter(queue))
                del queue[key]
                return i, key
        return None

    def _schedule(self, index: int, key: Key, delay: float) -> None:
        due = self.clock.now() + max(delay, 0.0)
        current = self._due.get((index, key))
        if current is not None and current <= due:
            return
        self._due[(index, key)] = due
        heapq.heappush(self._timers, (due, next(self._seq), index, key))

    @property
    def pending(self) -> int:
        return sum(len(q) for q in self._queues)

    def queue_depths(self) -> dict[str, int]:
        """Keys waiting per controller (timers not yet due are not counted)."""
        return {c.name: len(q) for c, q in zip(self.controllers, self._queues)}

    def run_pending(self, limit: int = 5_000_000) -> int:
        """Reconcile until the queue is empty; returns how many reconciles ran."""
        ran = 0
        while (item := self._pop()) is not None:
            i, key = item
            started = self.observer.start() if self.observer is not None else 0.0
            outcome = "success"
            try:
                result = self.controllers[i].reconcile(key)
            except (Conflict, NotFound):
                result, outcome = Result(0.0), "conflict"  # the world moved under us: look again (now)
                self._queues[i][key] = None
            except Exception as e:
                if self.on_error is None:
                    raise
                self.on_error(self.controllers[i], key, e)
                result, outcome = Result(ERROR_RETRY), "error"
            if self.observer is not None:
                self.observer.done(self.controllers[i].name, started, "requeue_after" if outcome == "success" and result.requeue_after is not None else outcome)
            if result.requeue_after is not None and key not in self._queues[i]:
                self._schedule(i, key, result.requeue_after)
            ran += 1
            if ran > limit:
                raise Livelock(f"controllers did not settle after {limit} reconciles (last: {self.controllers[i].name} {key})")
        self.reconciles += ran
        return ran

    def next_due(self) -> float | None:
        while self._timers:
            due, _, i, key = self._timers[0]
            if self._due.get((i, key)) != due:
                heapq.heappop(self._timers)  # superseded by an earlier timer
                continue
            return due
        return None

    def fire_due(self) -> None:
        """Queue every key whose timer has come (timers at ``now`` included)."""
        now = self.clock.now()
        while self._timers and self._timers[0][0] <= now:
            due, _, i, key = heapq.heappop(self._timers)
            if self._due.get((i, key)) == due:
                del self._due[(i, key)]
                self._queues[i][key] = None
