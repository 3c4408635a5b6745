"""An engine per test (or per module where tests only read), stopped and cleaned up afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import Engine


def running_engine(data_dir: Path) -> Iterator[Engine]:
    e = Engine(data_dir)
    e.data_dir.mkdir()
    e.start()
    try:
        yield e
    finally:
        e.kill_all()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    yield from running_engine(tmp_path / "data")


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One engine for a module whose tests each keep to their own namespace."""
    yield from running_engine(tmp_path_factory.mktemp("engine") / "data")
