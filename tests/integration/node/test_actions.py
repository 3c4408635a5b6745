"""Probe and hook handlers against real loopback listeners: httpGet, tcpSocket, exec."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Self

import pytest
import pytest_asyncio

from graceroll.clock import SystemClock
from graceroll.node.process.actions import Target, run_action
from graceroll.node.process.runtime import ProcessRuntime

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(15)]
IP = "127.10.250.1"


class Server:
    """A raw HTTP/1.1 responder on ``IP`` that records the request heads it got.

    Used as ``async with Server(...) as server``; on exit a handler still holding back a slow answer
    is woken and every connection is closed, so nothing outlives the test.
    """

    def __init__(self, status: int, delay: float = 0.0) -> None:
        self.status = status
        self.delay = delay
        self.requests: list[bytes] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._closing = asyncio.Event()

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._handle, IP, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        self._closing.set()
        if self._handlers:
            await asyncio.wait(self._handlers)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.requests.append(head)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.delay):
                    await self._closing.wait()
            writer.write(b"HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok" % self.status)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # a tcpSocket check connects and leaves
        finally:
            writer.close()


@pytest_asyncio.fixture
async def target(tmp_path: Path) -> AsyncIterator[Target]:
    rt = ProcessRuntime(SystemClock(), sweep_interval=0.1)
    await rt.start()
    try:
        yield Target(IP, {"http": 0}, dict(os.environ), tmp_path, rt, SystemClock())
    finally:
        await rt.close()


@pytest.mark.parametrize("status, ok", [(200, True), (302, True), (399, True), (404, False), (503, False)])
async def test_http_status_200_to_399_is_success(target: Target, status: int, ok: bool) -> None:
    async with Server(status) as server:
        outcome = await run_action({"httpGet": {"path": "/healthz", "port": server.port}}, target, 2)
    assert outcome.ok is ok
    if not ok:
        assert outcome.message == f"HTTP probe failed with statuscode: {status}"


async def test_http_sends_path_headers_and_finds_a_named_port(target: Target) -> None:
    async with Server(200) as server:
        named = Target(target.pod_ip, {"http": server.port}, target.env, target.cwd, target.runtime, target.clock)
        spec = {"httpGet": {"path": "ready", "port": "http", "httpHeaders": [{"name": "X-Custom-Header", "value": "Awesome"}]}}
        assert (await run_action(spec, named, 2)).ok
    head = server.requests[0].decode()
    assert head.startswith("GET /ready HTTP/1.1\r\n")
    assert "X-Custom-Header: Awesome\r\n" in head and f"Host: {IP}:{server.port}\r\n" in head
    assert "User-Agent: kube-probe/" in head


async def test_http_slower_than_the_timeout_fails(target: Target) -> None:
    async with Server(200, delay=2) as server:
        outcome = await run_action({"httpGet": {"port": server.port}}, target, 0.2)
    assert not outcome.ok and "deadline exceeded" in outcome.message


async def test_unknown_port_name_fails(target: Target) -> None:
    outcome = await run_action({"httpGet": {"port": "metrics"}}, target, 1)
    assert not outcome.ok and "metrics" in outcome.message


async def test_tcp_socket_succeeds_only_when_something_listens(target: Target) -> None:
    async with Server(200) as server:
        assert (await run_action({"tcpSocket": {"port": server.port}}, target, 1)).ok
    outcome = await run_action({"tcpSocket": {"port": server.port}}, target, 1)
    assert not outcome.ok and outcome.message.startswith(f"dial tcp {IP}:{server.port}")


@pytest.mark.parametrize(
    "code, timeout, ok, message",
    [
        pytest.param("pass", 5, True, "", id="exit 0 is success"),
        pytest.param("raise SystemExit(2)", 5, False, "exited with 2", id="non-zero fails"),
        pytest.param("import time; time.sleep(30)", 0.3, False, "timed out after 0.3s", id="timeout kills it"),
    ],
)
async def test_exec(target: Target, code: str, timeout: float, ok: bool, message: str) -> None:
    record = Record()
    recorded = Target(target.pod_ip, target.ports, target.env, target.cwd, target.runtime, target.clock, record)
    outcome = await run_action({"exec": {"command": [sys.executable, "-c", code]}}, recorded, timeout)
    assert outcome.ok is ok and message in outcome.message
    assert target.runtime.live_groups() == []
    [(added, pgid), (dropped, same)] = record.calls
    assert (added, dropped, same) == ("add", "discard", pgid), "the command's group is on record while it runs"


class Record:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def add(self, pgid: int) -> None:
        self.calls.append(("add", pgid))

    def discard(self, pgid: int) -> None:
        self.calls.append(("discard", pgid))
