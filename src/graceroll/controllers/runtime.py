"""Running controllers: a de-duplicating work queue, requeue timers, and store-event fan-out.

Ordering: keys are processed first-in first-out; a key already waiting is not queued twice, so
a burst of pod changes costs its ReplicaSet one reconcile. One key is reconciled at a time, so a
controller never races itself on an object. The same ``Manager`` serves the simulator (driven by
``run_pending`` and a virtual clock) and the engine (driven by an asyncio loop).
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol

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
    def sooner(*results: "Result") -> "Result":
        delays = [r.requeue_after for r in results if r.requeue_after is not None]
        return Result(min(delays)) if delays else Result()


class Controller(Protocol):
    name: str

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        """Which of this controller's objects an event concerns."""
        ...

    def reconcile(self, key: Key) -> Result: ...


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
        self._queue: dict[tuple[int, Key], None] = {}
        self._timers: list[tuple[float, int, int, Key]] = []
        self._due: dict[tuple[int, Key], float] = {}
        self._seq = itertools.count()
        self.reconciles = 0
        store.subscribe(self._on_event)

    def _on_event(self, event: WatchEvent) -> None:
        for i, c in enumerate(self.controllers):
            for key in c.keys_for(event):
                self._queue[(i, key)] = None

    def enqueue(self, controller: Controller, key: Key) -> None:
        self._queue[(self.controllers.index(controller), key)] = None

    def enqueue_all(self) -> None:
        """Look at every object once (start-up resync)."""
        for i, c in enumerate(self.controllers):
            for key in getattr(c, "all_keys", lambda: [])():
                self._queue[(i, key)] = None

    def _schedule(self, index: int, key: Key, delay: float) -> None:
        due = self.clock.now() + max(delay, 0.0)
        current = self._due.get((index, key))
        if current is not None and current <= due:
            return
        self._due[(index, key)] = due
        heapq.heappush(self._timers, (due, next(self._seq), index, key))

    @property
    def pending(self) -> int:
        return len(self._queue)

    def run_pending(self, limit: int = 5_000_000) -> int:
        """Reconcile until the queue is empty; returns how many reconciles ran."""
        ran = 0
        while self._queue:
            (i, key) = next(iter(self._queue))
            del self._queue[(i, key)]
            try:
                result = self.controllers[i].reconcile(key)
            except (Conflict, NotFound):
                result = Result(0.0)  # the world moved under us: look again (now)
                self._queue[(i, key)] = None
            except Exception as e:
                if self.on_error is None:
                    raise
                self.on_error(self.controllers[i], key, e)
                result = Result(ERROR_RETRY)
            if result.requeue_after is not None and (i, key) not in self._queue:
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
                self._queue[(i, key)] = None
