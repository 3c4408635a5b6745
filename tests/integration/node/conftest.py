"""Fixtures for the process node: real processes on loopback addresses, stopped after every test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

import graceroll.api.builtin  # noqa: F401  (registers the kinds)

from .harness import Cluster


@pytest_asyncio.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    """A started node on a memory store; every process it started is gone after the test."""
    c = Cluster(tmp_path)
    await c.node.start()
    try:
        yield c
    finally:
        await c.close()
        c.store.close()
