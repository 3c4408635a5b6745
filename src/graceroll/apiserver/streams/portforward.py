"""``pods/<name>/portforward`` over WebSocket: connections to the pod's ports, relayed.

Two subprotocols, as upstream serves them:

- ``SPDY/3.1+portforward.k8s.io`` (kubectl 1.31+): SPDY tunnelled in the WebSocket (``spdy``).
  For each local connection kubectl opens an error stream and a data stream, both with headers
  ``streamtype``, ``port`` and ``requestid``; the server replies to each, connects to the pod's
  IP and port, and relays: data both ways on the data stream (FIN ends a direction), a failure
  as text on the error stream; both streams are finished when the pod's side closes (kubelet
  ``cri/streaming/portforward/httpstream.go``).
- ``v4.channel.k8s.io`` (the official Python client, older clients): the ports come in the
  ``ports`` query; port *i* has data channel 2*i* and error channel 2*i*+1, each opened by the
  server with the port as two little-endian bytes; one connection per port for the session
  (kubelet ``portforward/websocket.go``). The session ends when every connection has closed.

kubectl resolves ``svc/NAME`` to one of the Service's pods and its target port itself, so Services
need nothing here. Every connection is closed when the client goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from graceroll.apiserver.status import from_error
from graceroll.apiserver.streams import channels, spdy
from graceroll.errors import GracerollError, UsageError
from graceroll.store.base import Store

Obj = dict[str, Any]
SPDY_TUNNEL = "SPDY/3.1+portforward.k8s.io"
CHANNELS = channels.V4
PROTOCOLS = (SPDY_TUNNEL, CHANNELS)
CONNECT_TIMEOUT = 10.0
CHUNK = 64 * 1024


def _answer(e: GracerollError) -> web.Response:
    st = from_error(e)
    return web.Response(status=st["code"], body=json.dumps(st).encode(), content_type="application/json")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise UsageError(f'invalid port "{text}": must be a number from 1 to 65535')
    return port


async def _dial(ip: str, port: int, where: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    try:
        return await asyncio.wait_for(asyncio.open_connection(ip, port), CONNECT_TIMEOUT)
    except TimeoutError as e:
        raise ConnectionError(f"error forwarding port {port} to pod {where}: dial tcp {ip}:{port}: i/o timeout") from e
    except OSError as e:
        reason = os.strerror(e.errno).lower() if e.errno else str(e)
        raise ConnectionError(f"error forwarding port {port} to pod {where}: dial tcp {ip}:{port}: connect: {reason}") from e


def _close(writer: asyncio.StreamWriter | None) -> None:
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.close()


class PortForward:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ns, name = request.match_info["namespace"], request.match_info["name"]
        try:
            pod = self.store.get("Pod", ns, name)
            ip = str((pod.get("status") or {}).get("podIP") or "")
            if not ip or (pod.get("status") or {}).get("phase") not in ("Running", "Pending"):
                raise UsageError(f"unable to forward ports: pod {ns}/{name} is not running")
            if request.headers.get("Upgrade", "").lower() != "websocket":
                raise UsageError("this server streams exec, attach and port-forward over WebSocket only (kubectl 1.31+ does by default)")
            offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
            if not any(p in PROTOCOLS for p in offered):
                raise UsageError(f"requested protocol(s) are not supported: {offered}; supports {list(PROTOCOLS)}")
            ports = [_port(p) for v in request.query.getall("ports", []) for p in v.split(",") if p]
            if SPDY_TUNNEL not in offered and not ports:
                raise UsageError("the ports query parameter is required over WebSocket")
        except GracerollError as e:
            return _answer(e)
        ws = web.WebSocketResponse(protocols=PROTOCOLS, autoping=True)
        await ws.prepare(request)
        where = f"{ns}/{name}"
        if ws.ws_protocol == SPDY_TUNNEL:
            await _Tunnel(ws, ip, where).run()
        else:
            await _Channels(ws, ip, where, ports).run()
        return ws


# ---- SPDY tunnelled in WebSocket ----------------------------------------------------------------


@dataclass
class _Pair:
    """The error and data streams kubectl opens for one local connection."""

    port: int
    error: int = 0
    data: int = 0
    writer: asyncio.StreamWriter | None = None
    task: asyncio.Task[None] | None = None
    pending: list[bytes] = field(default_factory=list)  # client data that arrived before the pod answered
    client_done: bool = False


class _Tunnel:
    def __init__(self, ws: web.WebSocketResponse, ip: str, where: str) -> None:
        self.ws = ws
        self.ip = ip
        self.where = where
        self.codec = spdy.Codec()
        self.pairs: dict[str, _Pair] = {}
        self.by_stream: dict[int, _Pair] = {}
        self._send_lock = asyncio.Lock()

    async def send(self, frame: bytes) -> None:
        async with self._send_lock:  # header compression is stateful: frames go out in build order
            if not self.ws.closed:
                await self.ws.send_bytes(frame)

    async def run(self) -> None:
        try:
            async for msg in self.ws:
                if msg.type != WSMsgType.BINARY:
                    continue
                for frame in self.codec.feed(msg.data):
                    await self._on(frame)
        except spdy.ProtocolError:
            await self.ws.close(code=1002)
        finally:
            for pair in list(self.pairs.values()):
                if pair.task is not None:
                    pair.task.cancel()
                _close(pair.writer)
            tasks = [p.task for p in self.pairs.values() if p.task is not None]
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _on(self, f: spdy.Frame) -> None:
        if f.kind == spdy.SYN_STREAM:
            await self._syn(f)
        elif f.kind == spdy.DATA:
            pair = self.by_stream.get(f.stream_id)
            if pair is not None and f.stream_id == pair.data:
                await self._client_data(pair, f.data, f.fin)
        elif f.kind == spdy.RST_STREAM:
            pair = self.by_stream.get(f.stream_id)
            if pair is not None and f.stream_id == pair.data:
                self._end(pair)
        elif f.kind == spdy.PING:
            await self.send(self.codec.ping(f.value))
        elif f.kind == spdy.GOAWAY:
            await self.ws.close()

    async def _syn(self, f: spdy.Frame) -> None:
        kind = f.headers.get("streamtype", "")
        request_id = f.headers.get("requestid", "")
        try:
            port = _port(f.headers.get("port", ""))
        except UsageError:
            await self.send(self.codec.rst_stream(f.stream_id, spdy.RST_PROTOCOL_ERROR))
            return
        if kind not in ("error", "data"):
            await self.send(self.codec.rst_stream(f.stream_id, spdy.RST_PROTOCOL_ERROR))
            return
        await self.send(self.codec.syn_reply(f.stream_id))
        pair = self.pairs.setdefault(request_id, _Pair(port))
        setattr(pair, kind, f.stream_id)
        self.by_stream[f.stream_id] = pair
        if pair.error and pair.data and pair.task is None:
            pair.task = asyncio.create_task(self._forward(pair, request_id))

    async def _client_data(self, pair: _Pair, data: bytes, fin: bool) -> None:
        if pair.writer is None:
            if data:
                pair.pending.append(data)
            pair.client_done = pair.client_done or fin
            return
        if data:
            pair.writer.write(data)
            with contextlib.suppress(ConnectionError):
                await pair.writer.drain()
        if fin:
            pair.client_done = True
            with contextlib.suppress(OSError, RuntimeError):
                pair.writer.write_eof()

    def _end(self, pair: _Pair) -> None:
        if pair.task is not None:
            pair.task.cancel()
        _close(pair.writer)

    async def _forward(self, pair: _Pair, request_id: str) -> None:
        try:
            try:
                reader, pair.writer = await _dial(self.ip, pair.port, self.where)
            except ConnectionError as e:
                await self.send(self.codec.data(pair.error, str(e).encode()))
                return
            for chunk in pair.pending:
                pair.writer.write(chunk)
            pair.pending.clear()
            if pair.client_done:
                with contextlib.suppress(OSError, RuntimeError):
                    pair.writer.write_eof()
            while chunk := await reader.read(CHUNK):
                await self.send(self.codec.data(pair.data, chunk))
        except (ConnectionError, OSError):
            pass
        finally:
            _close(pair.writer)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.send(self.codec.data(pair.data, b"", fin=True))
                await self.send(self.codec.data(pair.error, b"", fin=True))
            self.pairs.pop(request_id, None)
            for stream in (pair.data, pair.error):
                self.by_stream.pop(stream, None)


# ---- WebSocket channels ------------------------------------------------------------------------


class _Channels:
    def __init__(self, ws: web.WebSocketResponse, ip: str, where: str, ports: list[int]) -> None:
        self.ws = ws
        self.ip = ip
        self.where = where
        self.ports = ports
        self.writers: dict[int, asyncio.StreamWriter] = {}
        self.pending: dict[int, list[bytes]] = {}  # client data that arrived before the pod answered

    async def run(self) -> None:
        for i, port in enumerate(self.ports):
            prefix = struct.pack("<H", port)
            await self.ws.send_bytes(channels.frame(2 * i, prefix))
            await self.ws.send_bytes(channels.frame(2 * i + 1, prefix))
        relays = [asyncio.create_task(self._relay(i, port)) for i, port in enumerate(self.ports)]
        incoming = asyncio.create_task(self._incoming())
        try:
            while not incoming.done() and not all(r.done() for r in relays):
                await asyncio.wait([incoming, *(r for r in relays if not r.done())], return_when=asyncio.FIRST_COMPLETED)
            if not self.ws.closed:
                await self.ws.close()
        finally:
            for t in (*relays, incoming):
                t.cancel()
            for w in self.writers.values():
                _close(w)
            await asyncio.gather(*relays, incoming, return_exceptions=True)

    async def _relay(self, i: int, port: int) -> None:
        try:
            reader, writer = await _dial(self.ip, port, self.where)
        except ConnectionError as e:
            await self.ws.send_bytes(channels.frame(2 * i + 1, str(e).encode()))
            return
        self.writers[i] = writer
        for chunk in self.pending.pop(i, []):
            writer.write(chunk)
        try:
            while chunk := await reader.read(CHUNK):
                await self.ws.send_bytes(channels.frame(2 * i, chunk))
        except (ConnectionError, OSError):
            pass
        finally:
            _close(writer)

    async def _incoming(self) -> None:
        async for msg in self.ws:
            parts = channels.split(msg.data) if msg.type == WSMsgType.BINARY else None
            if parts is None or parts[0] % 2:
                continue
            writer = self.writers.get(parts[0] // 2)
            if writer is None and parts[1]:
                self.pending.setdefault(parts[0] // 2, []).append(parts[1])
            elif writer is not None and parts[1]:
                writer.write(parts[1])
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
