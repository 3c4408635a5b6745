"""The built-in data plane as a process of its own: ``python -m graceroll.proxy.daemon --control SOCK``.

It serves the Services' addresses with ``ListenerSet`` and takes orders on a Unix socket (HTTP,
JSON bodies), so the engine can die and come back without its Services going away:

- ``GET  /status``              ``{"pid": …, "listeners": N}``: it answers
- ``PUT  /table``               a ``Table`` (``proxy.table``) to serve from now on
- ``POST /takeover``            a new engine attached: forget the draining marks
- ``POST /drained``             ``{"ip": …, "timeout": …}`` → ``{"drained": true|false}``
- ``GET  /traffic``             ``{"counters": [{"key": [namespace, service, revision], "requests": …,
                                "failures": {…}, "buckets": […], "latencySum": …}]}`` (``proxy.counters``)

SIGTERM (or SIGINT) closes the listeners and ends the process. Nothing else stops it: it keeps
serving its last table while no engine runs.

The process runs on uvloop (libuv's event loop): the loop's own work is a large share of what a
proxied request costs in Python, and uvloop does it in C (``bench/proxy_throughput.py`` measures
the two loops side by side with ``--baseline``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import uvloop
from aiohttp import web

from graceroll.proxy.listener_set import ListenerSet
from graceroll.proxy.table import Table

log = logging.getLogger("graceroll.proxy")


def control_app(plane: ListenerSet) -> web.Application:
    async def status(request: web.Request) -> web.Response:
        return web.json_response({"pid": os.getpid(), "listeners": len(plane.listeners)})

    async def table(request: web.Request) -> web.Response:
        await plane.apply(Table.from_json(await request.json()))
        return web.json_response({"listeners": len(plane.listeners)})

    async def takeover(request: web.Request) -> web.Response:
        plane.forget_draining()
        return web.json_response({})

    async def drained(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"drained": await plane.drained(str(body["ip"]), float(body["timeout"]))})

    async def traffic(request: web.Request) -> web.Response:
        return web.json_response({"counters": plane.counters.to_json()})

    app = web.Application()
    app.router.add_get("/status", status)
    app.router.add_put("/table", table)
    app.router.add_post("/takeover", takeover)
    app.router.add_post("/drained", drained)
    app.router.add_get("/traffic", traffic)
    return app


async def serve(control: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    plane = ListenerSet()
    runner = web.AppRunner(control_app(plane), access_log=None)
    await runner.setup()
    control.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    control.unlink(missing_ok=True)
    await web.UnixSite(runner, str(control)).start()
    os.chmod(control, 0o600)
    log.info("built-in data plane (pid %d): control socket %s", os.getpid(), control)
    await stop.wait()
    log.info("stopping: closing every listener")
    await plane.stop()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m graceroll.proxy.daemon", description="The built-in data plane of a graceroll engine.")
    parser.add_argument("--control", required=True, type=Path, help="Unix socket to take orders on.")
    args = parser.parse_args()
    logging.basicConfig(level=os.environ.get("GRACEROLL_LOG_LEVEL", "INFO").upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    run(serve(args.control))


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run the data plane's main coroutine on its event loop (the module docstring says why uvloop)."""
    uvloop.run(main)


if __name__ == "__main__":
    main()
