"""The demo app on SIGHUP takes its version from ``$GRACEROLL_IMAGE_FILE`` and keeps serving."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from graceroll.demoapp import _State, make_handler, reload_version

Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@pytest.fixture
def state() -> _State:
    return _State(0, "demo:v1")


@pytest.fixture
def base_url(state: _State) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state, "web-0", "127.0.0.1"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_reload_takes_the_reference_from_the_file(state: _State, tmp_path: Path) -> None:
    path = tmp_path / "app"
    path.write_text("demo:v2\n")
    assert reload_version(state, str(path)) is True
    assert state.version == "demo:v2"


@pytest.mark.parametrize("content", [None, "", "  \n"], ids=["missing file", "empty file", "blank file"])
def test_reload_keeps_the_version_without_a_usable_file(state: _State, tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "app"
    if content is not None:
        path.write_text(content)
    assert reload_version(state, str(path)) is False
    assert reload_version(state, None) is False
    assert state.version == "demo:v1"


def test_answers_follow_the_reloaded_version(state: _State, base_url: str, tmp_path: Path) -> None:
    (tmp_path / "app").write_text("demo:v2\n")
    reload_version(state, str(tmp_path / "app"))
    with urllib.request.urlopen(f"{base_url}/version", timeout=2) as r:
        assert (r.read(), r.headers["X-Graceroll-Version"]) == (b"demo:v2\n", "demo:v2")
    with urllib.request.urlopen(f"{base_url}/", timeout=2) as r:
        assert json.loads(r.read())["version"] == "demo:v2"


async def get(conn: Conn) -> tuple[str, bytes]:
    r, w = conn
    w.write(b"GET /version HTTP/1.1\r\nHost: demo\r\n\r\n")
    head = (await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 3)).decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in head[1:] if line)}
    body = await asyncio.wait_for(r.readexactly(int(headers["content-length"])), 3)
    return headers["x-graceroll-version"], body


@pytest.mark.asyncio
@pytest.mark.timeout(20)
async def test_sighup_reloads_the_running_process_without_dropping_its_connections(tmp_path: Path) -> None:
    ip, port = f"127.{random.randrange(30, 99)}.{random.randrange(0, 256)}.{random.randrange(1, 255)}", 18084
    image_file = tmp_path / "images" / "app"
    image_file.parent.mkdir()
    image_file.write_text("demo:v1\n")
    env = {**os.environ, "POD_IP": ip, "PORT": str(port), "GRACEROLL_IMAGE": "demo:v1", "GRACEROLL_IMAGE_FILE": str(image_file)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "graceroll.demoapp", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        assert proc.stdout is not None
        assert b"serving demo:v1" in await asyncio.wait_for(proc.stdout.readline(), 10)
        conn = await asyncio.wait_for(asyncio.open_connection(ip, port), 3)
        assert await get(conn) == ("demo:v1", b"demo:v1\n")

        image_file.write_text("demo:v2\n")
        proc.send_signal(signal.SIGHUP)
        assert b"reloaded: serving demo:v2" in await asyncio.wait_for(proc.stdout.readline(), 5)
        assert await get(conn) == ("demo:v2", b"demo:v2\n"), "the same kept-alive connection gets the new version"
        assert proc.returncode is None

        proc.send_signal(signal.SIGTERM)
        conn[1].close()
        assert await asyncio.wait_for(proc.wait(), 5) == 0
    finally:
        if proc.returncode is None:
            os.kill(proc.pid, signal.SIGKILL)
            await proc.wait()
