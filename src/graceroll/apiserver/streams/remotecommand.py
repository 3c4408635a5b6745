"""``pods/<name>/exec`` and ``pods/<name>/attach`` over WebSocket (``v5.channel.k8s.io``, ``v4``).

The request is checked before the upgrade, with upstream's messages and codes (a pod that does
not exist: 404; no container given for a pod with several, no stream asked for, a finished pod:
400; a container that is not running: 400, which kubectl reports as ``unable to upgrade
connection: container not found``). After the upgrade, stdout and stderr are sent as the command
writes them, stdin and resize messages are passed on, and when the command has exited and its
output is drained, its Status goes on the error channel and the connection is closed normally.

Cleanup: when the client goes away first (the connection closes, the handler is cancelled), the
command's process group is killed; an attached client only detaches.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from graceroll.apiserver.status import from_error
from graceroll.apiserver.streams import channels
from graceroll.errors import GracerollError, UsageError
from graceroll.node.process import logs
from graceroll.node.process.exec import Attachment, ExecError, NotRunning, Session, resize_message
from graceroll.node.process.pipes import FdReader
from graceroll.store.base import Store

Obj = dict[str, Any]
Sleep = Callable[[float], Awaitable[None]]
DRAIN_TIMEOUT = 10.0  # seconds to wait for the last output after the command exited
ATTACH_POLL = 0.1  # seconds between looks at an attached container's log


class ContainerStreams(Protocol):
    """What the node offers for exec and attach (``node.process.agent.ProcessNode``)."""

    def exec(self, namespace: str, pod: str, container: str, argv: list[str], stdin: bool, stdout: bool, stderr: bool, tty: bool) -> Session: ...

    def attach(self, namespace: str, pod: str, container: str, stdin: bool) -> Attachment: ...


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("true", "1")


def container_of(pod: Obj, requested: str) -> str:
    """The container a request means: the one named, or the pod's only one."""
    names = [str(c["name"]) for c in (pod.get("spec") or {}).get("containers") or ()]
    name = pod["metadata"]["name"]
    if not requested:
        if len(names) == 1:
            return names[0]
        raise UsageError(f'a container name must be specified for pod {name}, choose one of: [{" ".join(names)}]')
    if requested not in names:
        raise UsageError(f"container {requested} is not valid for pod {name}")
    return requested


def _answer(e: Exception) -> web.Response:
    st = from_error(e)
    return web.Response(status=st["code"], body=json.dumps(st).encode(), content_type="application/json")


def _refusal(request: web.Request) -> web.Response | None:
    """Why the request cannot be upgraded to one of the channel protocols, or None."""
    if request.headers.get("Upgrade", "").lower() != "websocket":
        message = "this server streams exec, attach and port-forward over WebSocket only (kubectl 1.30+ does by default)"
        return _answer(UsageError(message))
    offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
    if not any(p in channels.PROTOCOLS for p in offered):
        return _answer(UsageError(f"requested protocol(s) are not supported: {offered}; supports {list(channels.PROTOCOLS)}"))
    return None


class RemoteCommand:
    def __init__(self, store: Store, node: ContainerStreams | None, sleep: Sleep) -> None:
        self.store = store
        self.node = node
        self.sleep = sleep

    def _pod(self, request: web.Request) -> tuple[str, Obj]:
        ns, name = request.match_info["namespace"], request.match_info["name"]
        pod = self.store.get("Pod", ns, name)
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            raise UsageError(f"cannot exec into or attach to a container in a completed pod; current phase is {phase}")
        if self.node is None:
            raise UsageError("exec and attach need the engine's node; this server has none")
        return ns, pod

    # ---- exec --------------------------------------------------------------------------------
    async def exec(self, request: web.Request) -> web.StreamResponse:
        try:
            ns, pod = self._pod(request)
            container = container_of(pod, request.query.get("container", ""))
            argv = request.query.getall("command", [])
            if not argv:
                raise UsageError("you must specify at least 1 command")
            wants = {n: _flag(request, n) for n in ("stdin", "stdout", "stderr", "tty")}
            if not (wants["stdin"] or wants["stdout"] or wants["stderr"]):
                raise UsageError("you must specify at least 1 of stdin, stdout, stderr")
            refused = _refusal(request)
            if refused is not None:
                return refused
            assert self.node is not None
            session: Session | None = None
            failed = ""
            try:
                session = self.node.exec(ns, pod["metadata"]["name"], container, argv, wants["stdin"], wants["stdout"], wants["stderr"] and not wants["tty"], wants["tty"])
            except NotRunning:
                raise
            except ExecError as e:
                failed = str(e)
        except GracerollError as e:
            return _answer(e)
        ws = web.WebSocketResponse(protocols=channels.PROTOCOLS, autoping=True, max_msg_size=16 * 1024 * 1024)
        try:
            await ws.prepare(request)
            if session is None:
                await _finish(ws, channels.failure(failed))
                return ws
            await self._run(ws, session, argv)
        finally:
            if session is not None:
                session.kill()
                session.close()
        return ws

    async def _run(self, ws: web.WebSocketResponse, session: Session, argv: list[str]) -> None:
        pumps = [asyncio.create_task(_pump(ws, ch, r)) for ch, r in ((channels.STDOUT, session.stdout), (channels.STDERR, session.stderr)) if r is not None]
        incoming = asyncio.create_task(_incoming(ws, session))
        try:
            waiting: list[asyncio.Future[Any]] = [incoming, session.proc.exited]
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if not session.proc.exited.done():
                return  # the client went away: the finally of ``exec`` kills the command
            if pumps:
                await asyncio.wait(pumps, timeout=DRAIN_TIMEOUT)
            await _finish(ws, channels.exited(session.proc.exited.result(), argv))
        finally:
            for t in (*pumps, incoming):
                t.cancel()
            await asyncio.gather(*pumps, incoming, return_exceptions=True)

    # ---- attach ------------------------------------------------------------------------------
    async def attach(self, request: web.Request) -> web.StreamResponse:
        try:
            ns, pod = self._pod(request)
            container = container_of(pod, request.query.get("container", ""))
            stdin = _flag(request, "stdin")
            output = _flag(request, "stdout") or _flag(request, "stderr")
            if not (stdin or output):
                raise UsageError("you must specify at least 1 of stdin, stdout, stderr")
            refused = _refusal(request)
            if refused is not None:
                return refused
            assert self.node is not None
            attachment = self.node.attach(ns, pod["metadata"]["name"], container, stdin)
        except GracerollError as e:
            return _answer(e)
        ws = web.WebSocketResponse(protocols=channels.PROTOCOLS, autoping=True)
        try:
            await ws.prepare(request)
            follow = asyncio.create_task(self._follow(ws, attachment, output))
            incoming = asyncio.create_task(_incoming_attach(ws, attachment))
            try:
                await asyncio.wait([follow, incoming], return_when=asyncio.FIRST_COMPLETED)
                if follow.done() and not follow.cancelled() and follow.exception() is None:
                    await _finish(ws, channels.success())
            finally:
                for t in (follow, incoming):
                    t.cancel()
                await asyncio.gather(follow, incoming, return_exceptions=True)
        finally:
            attachment.detach()
        return ws

    async def _follow(self, ws: web.WebSocketResponse, a: Attachment, output: bool) -> None:
        """Send what the container writes to its log, until it stops."""
        offset, rest = a.offset, b""
        while True:
            running = a.running
            if a.log.exists() and a.log.stat().st_size > offset:
                with a.log.open("rb") as f:
                    f.seek(offset)
                    chunk = f.read(1024 * 1024)
                offset += len(chunk)
                written, rest = logs.output(rest + chunk)  # the log file holds CRI records
                if output and written:
                    await ws.send_bytes(channels.frame(channels.STDOUT, written))
                continue
            if not running:
                return
            await self.sleep(ATTACH_POLL)


async def _pump(ws: web.WebSocketResponse, channel: int, reader: FdReader) -> None:
    while True:
        data = await reader.read()
        if not data:
            return
        await ws.send_bytes(channels.frame(channel, data))


async def _incoming(ws: web.WebSocketResponse, session: Session) -> None:
    """The client's messages, until it closes the connection."""
    async for msg in ws:
        if msg.type != WSMsgType.BINARY:
            continue
        parts = channels.split(msg.data)
        if parts is None:
            continue
        channel, data = parts
        if channel == channels.STDIN and session.stdin is not None:
            await session.stdin.write(data)
        elif channel == channels.CLOSE and data[:1] == bytes([channels.STDIN]):
            await session.end_stdin()
        elif channel == channels.RESIZE:
            size = resize_message(data)
            if size is not None:
                session.resize(*size)


async def _incoming_attach(ws: web.WebSocketResponse, a: Attachment) -> None:
    async for msg in ws:
        parts = channels.split(msg.data) if msg.type == WSMsgType.BINARY else None
        if parts is None:
            continue
        channel, data = parts
        if channel == channels.STDIN and a.stdin is not None:
            await a.stdin.write(data)
        elif channel == channels.CLOSE and data[:1] == bytes([channels.STDIN]) and a.stdin is not None:
            a.detach()


async def _finish(ws: web.WebSocketResponse, st: Obj) -> None:
    """The Status on the error channel, then a normal close: the client's streams all end."""
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.send_bytes(channels.frame(channels.ERROR, json.dumps(st).encode()))
        await ws.close()

