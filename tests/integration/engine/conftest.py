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
