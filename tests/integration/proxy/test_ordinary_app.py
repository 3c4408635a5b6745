"""An app nobody here wrote (``tests/apps/plain_http.py``: ThreadingHTTPServer, HTTP/1.1 keep-alive,
killed outright by SIGTERM) rolls through the proxy under keep-alive and new-connection load with
no failed request: on an ``http``-named Service port and on an unnamed (sniffed) one.

What makes it lossless without any help from the app: requests, not connections, are balanced;
``drained(ip)`` returns once no request is in flight to the pod and its pooled connections are
closed, and only then does the pod get SIGTERM (the node agent's order).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from .conftest import World, backend_ip
from .fakes import BACKEND_PORT
from .load import Load

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

APP = Path(__file__).resolve().parents[2] / "apps" / "plain_http.py"


class Apps:
    """Real processes of the plain app, one per backend address; every one is killed at the end."""

    def __init__(self) -> None:
        self.procs: dict[str, asyncio.subprocess.Process] = {}

    async def start(self, ip: str) -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(APP), ip, str(BACKEND_PORT), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        self.procs[ip] = proc
        assert proc.stdout is not None
        assert await asyncio.wait_for(proc.stdout.readline(), 10) == b"ready\n"

    async def terminate(self, ip: str) -> None:
        """SIGTERM, which ends the app at once (it has no handler)."""
        proc = self.procs.pop(ip)
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == -signal.SIGTERM

    async def kill_all(self) -> None:
        for proc in self.procs.values():
            if proc.returncode is None:
                os.kill(proc.pid, signal.SIGKILL)
                await proc.wait()


async def test_a_plain_keepalive_app_that_dies_on_sigterm_rolls_without_a_failed_request(http_world: World) -> None:
    world = http_world
    apps = Apps()
    ips = [backend_ip(i) for i in range(30, 36)]
    live = ips[:3]
    try:
        for ip in live:
            await apps.start(ip)
        await world.set_endpoints(live)
        load = Load()
        load.start()
        try:
            await load.more(100, timeout=20)
            for new in ips[3:]:
                await apps.start(new)  # surge: the new pod becomes ready
                live = [*live, new]
                await world.set_endpoints(live)
                old, live = live[0], live[1:]
                await world.set_endpoints(live, terminating=[old])  # it leaves the endpoints
                assert await world.proxy.drained(old, timeout=10)  # the node agent waits for this ...
                await apps.terminate(old)  # ... then SIGTERM: gone at once, with whatever it held open
                await world.set_endpoints(live)
                await load.more(100, timeout=20)
        finally:
            await load.stop()
    finally:
        await apps.kill_all()
    assert load.failures == []
    assert set(load.answers) == set(ips)  # every pod served, the old ones before they went
    assert load.total > 500
