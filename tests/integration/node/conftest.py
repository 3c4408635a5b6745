"""Fixtures for the process node: real processes on loopback addresses, stopped after every test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

import graceroll.api.builtin  # noqa: F401  (registers the kinds)

from .harness import Cluster, kill_recorded


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


@pytest_asyncio.fixture
async def durable(tmp_path: Path) -> AsyncIterator[Cluster]:
    """A cluster on a SQLite store and no node started: for nodes that crash (``NodeProcess``)."""
    c = Cluster(tmp_path, durable=True)
    try:
        yield c
    finally:
        await c.close()
        kill_recorded(c.state_dir)
        c.store.close()
