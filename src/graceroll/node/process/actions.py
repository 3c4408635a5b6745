"""The handlers probes and lifecycle hooks share: ``exec``, ``httpGet``, ``tcpSocket``, ``sleep``.

Semantics follow the kubelet's probers (``pkg/probe/http``, ``pkg/probe/tcp``, ``pkg/probe/exec``):

- ``httpGet``: host defaults to the pod IP, ``port`` is a number or the name of a containerPort,
  ``scheme`` HTTP or HTTPS (certificates are not verified), ``httpHeaders`` are sent and override
  the defaults (``Host``, ``User-Agent: kube-probe/…``); a status from 200 to 399 is success. Each
  check uses a new connection with ``Connection: close`` and reads at most 10 KiB of the answer.
- ``tcpSocket``: success when a connection opens.
- ``exec``: the command runs directly (no shell) with the container's environment and working
  directory, in its own process group; exit code 0 is success; on timeout the group is killed.
- ``sleep`` (hooks only): waits ``seconds``.

Every handler is bounded by a timeout and returns an :class:`Outcome`; none raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graceroll.clock import SystemClock
from graceroll.node.process.runtime import GroupRecord, ProcessRuntime, Spawn

USER_AGENT = "kube-probe/1.31"
MAX_BODY = 10 * 1024


@dataclass(frozen=True)
class Outcome:
    """A handler's result. ``errored``: it could not be run at all (the kubelet's probe "error",
    such as a port name the container does not declare); a probe throws such a result away."""

    ok: bool
    message: str = ""
    errored: bool = False


@dataclass(frozen=True)
class Target:
    """Where a container's handlers act: its pod IP, named ports, environment and working directory."""

    pod_ip: str
    ports: Mapping[str, int]
    env: Mapping[str, str]
    cwd: Path
    runtime: ProcessRuntime
    clock: SystemClock
    record: GroupRecord | None = None  # the pod's ledger: exec handlers' groups are written down too


async def run_action(handler: Mapping[str, Any], target: Target, timeout: float) -> Outcome:
    """Run whichever handler ``handler`` holds (exec, httpGet, tcpSocket or sleep) within ``timeout`` seconds."""
    if "exec" in handler:
        return await exec_command(list(handler["exec"].get("command") or []), target, timeout)
    if "httpGet" in handler:
        return await http_get(handler["httpGet"], target, timeout)
    if "tcpSocket" in handler:
        return await tcp_socket(handler["tcpSocket"], target, timeout)
    if "sleep" in handler:
        seconds = float(handler["sleep"].get("seconds") or 0)
        await target.clock.sleep(max(0.0, min(seconds, timeout)))
        return Outcome(True)
    return Outcome(False, f"unsupported handler: {sorted(handler)}")


def resolve_port(port: Any, ports: Mapping[str, int]) -> int | str:
    """``probe.ResolveContainerPort``: a port number, the name of a containerPort, or a numeric
    string; an error text (a str) otherwise, in the kubelet's words."""
    if isinstance(port, str):
        if port in ports:
            number = ports[port]
        else:
            try:
                number = int(port)
            except ValueError:
                return f'strconv.Atoi: parsing "{port}": invalid syntax'
    elif isinstance(port, int) and not isinstance(port, bool):
        number = port
    else:
        return f"intOrString had no kind: {port!r}"
    return number if 0 < number < 65536 else f"invalid port number: {number}"


async def exec_command(command: list[str], target: Target, timeout: float) -> Outcome:
    if not command:
        return Outcome(False, "exec: no command")
    try:
        code = await target.runtime.run(Spawn(command, target.env, target.cwd), timeout, target.record)
    except OSError as e:
        return Outcome(False, f"exec {command}: {e}")
    if code is None:
        return Outcome(False, f"command {command} timed out after {timeout:g}s")
    if code != 0:
        return Outcome(False, f"command {command} exited with {code}")
    return Outcome(True)


async def tcp_socket(spec: Mapping[str, Any], target: Target, timeout: float) -> Outcome:
    host = spec.get("host") or target.pod_ip
    port = resolve_port(spec.get("port"), target.ports)
    if isinstance(port, str):
        return Outcome(False, port, errored=True)
    address = f"{host}:{port}"
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(host, port)
            await _close(writer)
    except TimeoutError:
        return Outcome(False, f"dial tcp {address}: i/o timeout")
    except ConnectionRefusedError:
        return Outcome(False, f"dial tcp {address}: connect: connection refused")
    except OSError as e:
        return Outcome(False, f"dial tcp {address}: {e.strerror or e}")
    return Outcome(True)


async def http_get(spec: Mapping[str, Any], target: Target, timeout: float) -> Outcome:
    host = str(spec.get("host") or target.pod_ip)
    port = resolve_port(spec.get("port"), target.ports)
    if isinstance(port, str):
        return Outcome(False, port, errored=True)
    scheme = str(spec.get("scheme") or "HTTP").upper()
    path = str(spec.get("path") or "/")
    if not path.startswith("/"):
        path = "/" + path
    url = f"{scheme.lower()}://{host}:{port}{path}"
    headers = {"Host": f"{host}:{port}", "User-Agent": USER_AGENT, "Accept": "*/*"}
    lower = {k.lower(): k for k in headers}
    for h in spec.get("httpHeaders") or ():
        name = str(h.get("name", ""))
        headers.pop(lower.get(name.lower(), name), None)
        headers[name] = str(h.get("value", ""))
    headers["Connection"] = "close"
    request = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    context = _insecure_context() if scheme == "HTTPS" else None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port, ssl=context)
            try:
                writer.write(request.encode("latin-1"))
                await writer.drain()
                status_line = await reader.readline()
                read = 0
                while read < MAX_BODY:  # drain the answer so the server is not cut off mid-write
                    chunk = await reader.read(MAX_BODY - read)
                    if not chunk:
                        break
                    read += len(chunk)
            finally:
                await _close(writer)
    except TimeoutError:
        return Outcome(False, f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)')
    except ConnectionRefusedError:
        return Outcome(False, f'Get "{url}": dial tcp {host}:{port}: connect: connection refused')
    except (OSError, ssl.SSLError, UnicodeError) as e:
        return Outcome(False, f'Get "{url}": {getattr(e, "strerror", None) or e}')
    parts = status_line.decode("latin-1").split()
    if len(parts) < 2 or not parts[1].isdigit():
        return Outcome(False, f'Get "{url}": malformed HTTP response {status_line[:80]!r}')
    code = int(parts[1])
    if 200 <= code < 400:
        return Outcome(True)
    return Outcome(False, f"HTTP probe failed with statuscode: {code}")


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):
        await writer.wait_closed()


def _insecure_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
