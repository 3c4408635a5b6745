"""Store fixtures: every semantic test runs against the plain MemoryStore and the SQLite-backed one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.clock import VirtualClock
from graceroll.store.memory import MemoryStore
from graceroll.store.sqlite import SqlitePersistence

from .builders import MakeStore


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, clock: VirtualClock, tmp_path: Path) -> Iterator[MakeStore]:
    """Builds stores of one backend (``history`` and ``seed`` pass through); closes them afterwards."""
    opened: list[MemoryStore] = []

    def make(history: int = 100_000, seed: int | None = 0) -> MemoryStore:
        persistence = (
            SqlitePersistence(tmp_path / f"store-{len(opened)}.db") if request.param == "sqlite" else None
        )
        store = MemoryStore(clock, persistence, seed=seed, history=history)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: MakeStore) -> MemoryStore:
    return make_store()
