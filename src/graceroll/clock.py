"""Injected time.

Every controller, node agent and the simulator take a ``Clock``; this module is the only place
that reads the wall clock, so the same code runs on real time (engine) and on virtual time
(simulator, tests) and a simulated rollout is exactly reproducible.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

EPOCH_VIRTUAL = 1_767_225_600.0  # 2026-01-01T00:00:00Z: virtual time 0 maps here in timestamps


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...


class SystemClock:
    """Wall-clock time for the embedded engine."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def monotonic(self) -> float:
        """For measuring intervals (latency): never jumps with wall-clock adjustments."""
        return time.perf_counter()

    def block(self, seconds: float) -> None:
        """Sleep synchronously (command-line polling only; never in the engine's loop)."""
        time.sleep(seconds)


class VirtualClock:
    """Time that moves only when told to; the simulator and unit tests drive it."""

    def __init__(self, start: float = EPOCH_VIRTUAL) -> None:
        self.start = start
        self._now = start

    def now(self) -> float:
        return self._now

    def elapsed(self) -> float:
        """Virtual seconds since the clock was created."""
        return self._now - self.start

    def monotonic(self) -> float:
        return self._now

    def block(self, seconds: float) -> None:
        """A command-line poll under the simulator: the wait is virtual."""
        self._now += seconds

    def advance_to(self, t: float) -> None:
        if t < self._now:
            raise ValueError(f"virtual time cannot go back: {t} < {self._now}")
        self._now = t


@lru_cache(maxsize=4096)
def format_time(t: float) -> str:
    """RFC 3339 in UTC; microseconds only when the instant has them (like metav1.MicroTime)."""
    dt = datetime.fromtimestamp(t, tz=UTC)
    if dt.microsecond:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_micro_time(t: float) -> str:
    """``metav1.MicroTime`` as the API writes it: always six fractional digits (``eventTime``)."""
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(s: str) -> float:
    """Inverse of :func:`format_time`; accepts any RFC 3339 timestamp."""
    return datetime.fromisoformat(s).timestamp()  # Python 3.11 reads the "Z" suffix itself
