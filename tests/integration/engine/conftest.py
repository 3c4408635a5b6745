"""An engine per test (or per module where tests only read), stopped and cleaned up afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graceroll.dataplane.choice import find_haproxy

from .harness import Engine

NO_HAPROXY = pytest.mark.skipif(find_haproxy() is None, reason="haproxy is not installed (Debian package haproxy; .ci/run installs it)")


def running(data_dir: Path, data_plane: str | None = None) -> Iterator[Engine]:
    e = Engine(data_dir, data_plane=data_plane)
    e.data_dir.mkdir()
    e.start()
    try:
        yield e
    finally:
        e.kill_all()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    yield from running(tmp_path / "data")


@pytest.fixture(params=["builtin", pytest.param("haproxy", marks=NO_HAPROXY)])
def engine_on(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on each data plane."""
    yield from running(tmp_path / "data", request.param)


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One engine for a module whose tests each keep to their own namespace."""
    yield from running(tmp_path_factory.mktemp("engine") / "data")
