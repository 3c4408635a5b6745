"""Every verb test runs on a MemoryStore with the built-in kinds registered and a virtual clock."""

from __future__ import annotations

import pytest

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.clock import VirtualClock
from graceroll.store.memory import MemoryStore


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def store(clock: VirtualClock) -> MemoryStore:
    return MemoryStore(clock, seed=0)
