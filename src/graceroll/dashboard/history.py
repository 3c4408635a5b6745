"""Pods by revision and readiness over time, per workload, kept in the engine's memory.

A point is recorded only when a workload's counts change, and at most ``MAX_POINTS`` are kept per
workload (oldest dropped), so a quiet engine costs nothing and a long one a bounded amount. Lost
on an engine restart: the store keeps the objects, not their past counts.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from graceroll.workload.base import Snapshot

MAX_POINTS = 600
WorkloadKey = tuple[str, str, str]  # kind, namespace, name


@dataclass(frozen=True)
class Point:
    t: float
    revisions: tuple[tuple[str, int, int], ...]  # (revision, pods, ready), oldest revision first

    def to_json(self) -> dict[str, object]:
        return {"t": self.t, "revisions": [{"revision": r, "pods": n, "ready": ready} for r, n, ready in self.revisions]}


class History:
    def __init__(self) -> None:
        self._points: dict[WorkloadKey, deque[Point]] = {}

    def record(self, key: WorkloadKey, t: float, snapshot: Snapshot) -> bool:
        """Add a point if the counts changed since the last one; whether one was added."""
        revisions = tuple((g.revision, g.current, g.ready) for g in snapshot.groups)
        points = self._points.setdefault(key, deque(maxlen=MAX_POINTS))
        if points and points[-1].revisions == revisions:
            return False
        points.append(Point(t, revisions))
        return True

    def points(self, key: WorkloadKey) -> list[Point]:
        return list(self._points.get(key, ()))

    def forget_except(self, keys: set[WorkloadKey]) -> None:
        """Drop the history of workloads that are gone."""
        for key in [k for k in self._points if k not in keys]:
            del self._points[key]
