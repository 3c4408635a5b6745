"""An engine per test (or per module where tests only read), stopped and cleaned up afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import Engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    e = Engine(tmp_path / "data")
    e.data_dir.mkdir()
    e.start()
    try:
        yield e
    finally:
        e.kill_all()


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One engine for a module whose tests each keep to their own namespace."""
    e = Engine(tmp_path_factory.mktemp("engine") / "data")
    e.data_dir.mkdir()
    e.start()
    try:
        yield e
    finally:
        e.kill_all()
