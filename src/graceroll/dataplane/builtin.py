"""The built-in data plane (``graceroll.proxy.daemon``), started and driven by the engine over its
Unix control socket."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx

from graceroll.dataplane import record
from graceroll.errors import GracerollError
from graceroll.metrics.traffic import TrafficSample
from graceroll.proxy import counters
from graceroll.proxy.table import Table

CONTROL_TIMEOUT = 10.0  # an apply opens listeners; a drain has its own, longer bound


class BuiltinProcess:
    kind: str = "builtin"
    stop_signal: int = signal.SIGTERM

    def __init__(self, root: Path) -> None:
        self.control = record.run_dir(root) / "control.sock"

    def launch(self, log_file: Path) -> subprocess.Popen[bytes]:
        with open(log_file, "ab") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "graceroll.proxy.daemon", "--control", str(self.control)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )

    def describe(self) -> str:
        return f"control socket {self.control}"

    async def answers(self) -> bool:
        try:
            await self._call("GET", "/status")
        except GracerollError:
            return False
        return True

    async def takeover(self) -> None:
        await self._call("POST", "/takeover")

    async def apply(self, table: Table) -> None:
        await self._call("PUT", "/table", table.to_json())

    async def drained(self, pod_ip: str, timeout: float) -> bool:
        body = await self._call("POST", "/drained", {"ip": pod_ip, "timeout": timeout}, timeout + CONTROL_TIMEOUT)
        return bool(body.get("drained"))

    async def stopping(self) -> None:
        """Nothing to do before SIGTERM."""

    async def traffic(self) -> list[TrafficSample]:
        body = await self._call("GET", "/traffic")
        rows = body.get("counters")
        return counters.samples(counters.Counters.from_json(rows if isinstance(rows, list) else []))

    async def _call(self, method: str, path: str, body: object = None, timeout: float = CONTROL_TIMEOUT) -> dict[str, object]:
        transport = httpx.AsyncHTTPTransport(uds=str(self.control))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://dataplane", timeout=timeout) as c:
                r = await c.request(method, path, json=body)
        except httpx.HTTPError as e:
            raise GracerollError(f"built-in data plane at {self.control}: {e or type(e).__name__}") from e
        if r.status_code != 200:
            raise GracerollError(f"built-in data plane at {self.control}: {method} {path}: HTTP {r.status_code}: {r.text.strip()}")
        data = r.json()
        return data if isinstance(data, dict) else {}
