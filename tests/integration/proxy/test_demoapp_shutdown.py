"""The demo app on SIGTERM moves keep-alive clients away and does not wait for idle ones.

In L4 mode a kept-alive client connection stays with its pod until the app closes it, so the
app, not the proxy, decides when such a client reconnects (and lands on another pod).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import pytest

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]

APP_IP = "127.20.1.1"
APP_PORT = 18082

Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def get(conn: Conn, path: str = "/version") -> tuple[int, dict[str, str], bytes]:
    r, w = conn
    w.write(f"GET {path} HTTP/1.1\r\nHost: demo\r\n\r\n".encode())
    head = (await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 3)).decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in head[1:] if line)}
    body = await asyncio.wait_for(r.readexactly(int(headers["content-length"])), 3)
    return int(head[0].split()[1]), headers, body


async def connect() -> Conn:
    return await asyncio.wait_for(asyncio.open_connection(APP_IP, APP_PORT), 3)


async def test_after_sigterm_connections_get_connection_close_and_idle_ones_do_not_hold_the_exit() -> None:
    env = {**os.environ, "POD_IP": APP_IP, "PORT": str(APP_PORT), "GRACEROLL_IMAGE": "demo:v9", "SHUTDOWN_DELAY": "0.5"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "graceroll.demoapp", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        assert proc.stdout is not None
        assert b"serving demo:v9" in await asyncio.wait_for(proc.stdout.readline(), 10)
        busy, idle = await connect(), await connect()
        for conn in (busy, idle):
            status, headers, body = await get(conn)
            assert (status, body, headers["x-graceroll-version"]) == (200, b"demo:v9\n", "demo:v9")
            assert "connection" not in headers  # kept alive

        proc.send_signal(signal.SIGTERM)
        assert b"stopping" in await asyncio.wait_for(proc.stdout.readline(), 3)
        status, headers, _ = await get(busy)  # the next request on a kept-alive connection ...
        assert (status, headers["connection"]) == (200, "close")
        assert await asyncio.wait_for(busy[0].read(), 3) == b""  # ... is its last one
        fresh = await connect()  # during SHUTDOWN_DELAY new connections are still served
        assert (await get(fresh))[1]["connection"] == "close"

        assert await asyncio.wait_for(idle[0].read(), 5) == b""  # the idle one is closed after the grace
        assert await asyncio.wait_for(proc.wait(), 5) == 0  # and the app exits without SIGKILL
        for _, w in (busy, idle, fresh):
            w.close()
    finally:
        if proc.returncode is None:
            os.kill(proc.pid, signal.SIGKILL)
            await proc.wait()
