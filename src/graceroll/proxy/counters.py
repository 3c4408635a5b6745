"""Cumulative traffic counters, kept by the data plane process (built-in proxy, HAProxy's collector)
so they outlive the engine, and read by it at scrape or judge time (``dataplane.traffic``).

What one ``Counter`` counts, for one (Service, revision) — the same on both data planes:

- ``requests``: HTTP requests that were sent (or being sent) to a pod of the revision, counted
  once when they end; in L4 handling, connections. A request retried on another pod counts for
  the pod that answered it, so the numbers are what clients saw.
- ``failures`` by kind, as ``graceroll verify`` names them: ``5xx`` the pod answered with a 5xx
  status; ``refused`` / ``timeout`` no pod could be connected to (the last one tried refused, or
  did not accept in time); ``reset`` the pod's connection broke before or within its answer;
  ``timeout`` also a pod silent for the read timeout. A client that went away is not a failure.
- the latency histogram (``metrics.traffic.LATENCY_BUCKETS``) of HTTP requests: from the request
  head received to the end of the exchange. L4 connections and upgrades have none.

Requests that reached no pod (no ready endpoint) belong to no revision and are not counted.
Counters live in memory only: they start again when the data plane process does.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from typing import Any

from graceroll.metrics.traffic import LATENCY_BUCKETS, TrafficSample

KINDS = ("refused", "reset", "timeout", "5xx")


class Counter:
    __slots__ = ("buckets", "failures", "latency_sum", "requests")

    def __init__(self) -> None:
        self.requests = 0
        self.failures = dict.fromkeys(KINDS, 0)
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)  # per bucket (not cumulative), the last is +Inf
        self.latency_sum = 0.0

    def answered(self, status: int, seconds: float) -> None:
        """An answer from the pod (a 5xx counts as a failure)."""
        self.requests += 1
        if status >= 500:
            self.failures["5xx"] += 1
        self.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.latency_sum += seconds

    def failed(self, kind: str, seconds: float | None = None) -> None:
        self.requests += 1
        self.failures[kind] += 1
        if seconds is not None:
            self.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
            self.latency_sum += seconds

    def add(self, other: Counter) -> None:
        self.requests += other.requests
        for kind, n in other.failures.items():
            self.failures[kind] = self.failures.get(kind, 0) + n
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]
        self.latency_sum += other.latency_sum

    def to_json(self) -> dict[str, Any]:
        return {"requests": self.requests, "failures": {k: n for k, n in self.failures.items() if n}, "buckets": list(self.buckets), "latencySum": self.latency_sum}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Counter:
        c = Counter()
        c.requests = int(data.get("requests") or 0)
        for kind, n in (data.get("failures") or {}).items():
            c.failures[str(kind)] = int(n)
        buckets = [int(n) for n in data.get("buckets") or ()]
        if len(buckets) == len(c.buckets):
            c.buckets = buckets
        c.latency_sum = float(data.get("latencySum") or 0.0)
        return c

    def sample(self, namespace: str, service: str, revision: str) -> TrafficSample:
        cumulative, total = [], 0
        for n in self.buckets:
            total += n
            cumulative.append(total)
        return TrafficSample(namespace, service, revision, self.requests, {k: n for k, n in self.failures.items() if n}, tuple(cumulative) if total else (), self.latency_sum)


class Counters:
    """Every counter of a data plane process, by key (built-in: namespace, Service, revision)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, ...], Counter] = {}

    def get(self, key: tuple[str, ...]) -> Counter:
        c = self._by_key.get(key)
        if c is None:
            c = self._by_key[key] = Counter()
        return c

    def to_json(self) -> list[dict[str, Any]]:
        return [{"key": list(k), **c.to_json()} for k, c in sorted(self._by_key.items()) if c.requests]

    @staticmethod
    def from_json(data: Iterable[Mapping[str, Any]]) -> list[tuple[tuple[str, ...], Counter]]:
        return [(tuple(str(k) for k in row.get("key") or ()), Counter.from_json(row)) for row in data]


def samples(counters: Iterable[tuple[tuple[str, ...], Counter]]) -> list[TrafficSample]:
    """One sample per (namespace, Service, revision) key, summing the counters given for each."""
    merged: dict[tuple[str, str, str], Counter] = {}
    for key, c in counters:
        if len(key) == 3:
            merged.setdefault((key[0], key[1], key[2]), Counter()).add(c)
    return [c.sample(*key) for key, c in sorted(merged.items())]
