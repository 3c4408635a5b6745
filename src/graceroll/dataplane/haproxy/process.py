"""One HAProxy per engine: master-worker (``-W``) with a master CLI (``-S``), configured from the
routing table, servers programmed live through the runtime API.

- ``apply``: when the set of listener addresses (or a mode) changes, the config is written,
  checked (``haproxy -c``) and the master reloads: the new worker takes the listening sockets over
  from the old one (``expose-fd listeners``), which finishes its open connections, so a reload
  drops none. Otherwise servers are added, enabled, put in maintenance and deleted through the
  stats socket (``servers.plan``), with no reload.
- ``drained(ip)``: every server of the pod, on every backend, goes into maintenance; the state
  read back through the runtime API confirms that none takes new connections or requests; for
  HTTP backends it then waits (bounded) until the servers' current sessions are 0, so no request
  is in flight to the pod when it gets SIGTERM. TCP connections stay open until one end closes
  them, as with the built-in L4 listener. An old worker still finishing connections after a
  reload is not drained: it takes no new connections, and closes HTTP keep-alive connections
  after their current request.
- A listener address that cannot be bound (in use, privileged) is left out of the config and
  tried again on the next apply, as the built-in proxy does, so one bad address does not stop
  HAProxy from loading.
- Traffic splits: weights are set live (``set server … weight``); a change of a route's header
  routes reloads, as a new listener does (``config``).
- ``traffic()``: the collector's counters (``collector``, an HAProxy ``program``), by backend and
  revision, summed per Service through the listener address each backend's name carries.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import cast

from graceroll.clock import SystemClock
from graceroll.dataplane import record
from graceroll.dataplane.haproxy import config, names, runtime, servers, weights
from graceroll.errors import GracerollError
from graceroll.metrics.traffic import TrafficSample
from graceroll.private_file import replace_private, write_private
from graceroll.proxy import counters
from graceroll.proxy.routes import Address, Mode, Route
from graceroll.proxy.table import Table

log = logging.getLogger("graceroll.dataplane")

RELOAD_TIMEOUT = 30.0
POLL = 0.05  # seconds between runtime API reads while waiting for HAProxy (it sends no events)
OK_ANSWERS = ("", "New server registered.", "Server deleted.")
COLLECTOR_WAIT = 15.0


class HAProxyProcess:
    kind: str = "haproxy"
    stop_signal: int = signal.SIGUSR1  # soft stop: stop listening, finish the open connections, exit

    def __init__(self, root: Path, binary: str, clock: SystemClock) -> None:
        self.binary = binary
        self.clock = clock
        self.config_file = record.directory(root) / "haproxy.cfg"
        run = record.run_dir(root)
        self.admin = run / "admin.sock"
        self.master_cli = run / "master.sock"
        self.counters = run / "counters.sock"
        self.log_port, self.log_tag = 0, ""  # the request log's UDP port and secret tag (config)
        self.draining: set[str] = set()
        self.table = Table()
        self.served: dict[Address, Route] = {}  # the routes of the listeners the running config has
        self._listening: tuple[config.Listener, ...] = ()  # and what the config was rendered for
        self._inexact: set[tuple[Address, int, int, int]] = set()  # splits logged as not exact
        self._collector_due: float | None = None  # after a launch: until when to wait for the collector
        self._unbindable: dict[Address, str] = {}
        self._lock = asyncio.Lock()
        self.version = _version(binary)

    def describe(self) -> str:
        return f"HAProxy {self.version}, config {self.config_file}, runtime API {self.admin}, master CLI {self.master_cli}, traffic counters {self.counters}"

    def paths(self) -> config.Paths:
        return config.Paths(str(self.admin), str(self.counters), sys.executable, self.log_port, self.log_tag)

    def launch(self, log_file: Path) -> subprocess.Popen[bytes]:
        self.admin.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.log_port, self.log_tag = _free_udp_port(), f"gr-{secrets.token_hex(8)}"
        self._collector_due = self.clock.monotonic() + COLLECTOR_WAIT
        self.served = self._bindable(self.table.routes, {})
        self._listening = config.listeners_of(self.served)
        self._write(self.served)
        with open(log_file, "ab") as out:
            return subprocess.Popen(
                [self.binary, "-W", "-S", f"{self.master_cli},mode,600", "-f", str(self.config_file)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )

    async def answers(self) -> bool:
        """HAProxy answers; after a launch, also its collector (so no request goes uncounted),
        for up to ``COLLECTOR_WAIT`` seconds: counters are not worth failing the start for."""
        try:
            if "Name: HAProxy" not in await runtime.command(self.admin, "show info", timeout=2.0):
                return False
        except GracerollError:
            return False
        if self._collector_due is not None:
            try:
                await runtime.command(self.counters, "show", timeout=2.0)
            except GracerollError as e:
                if self.clock.monotonic() < self._collector_due:
                    return False
                log.warning("haproxy: its traffic collector does not answer (%s): no traffic counters until it does", e)
            self._collector_due = None
        return True

    async def takeover(self) -> None:
        """Learn what the running config serves; forget the earlier engine's draining marks."""
        with contextlib.suppress(OSError):
            text = self.config_file.read_text()
            self.log_port, self.log_tag = config.traffic_log_in(text) or (_free_udp_port(), f"gr-{secrets.token_hex(8)}")
            listeners = config.listeners_in(text)
            if listeners is not None:
                # the routes are only known by address and mode until the next apply fills them in
                self.served = {(h, p): Route("", cast(Mode, m), ()) for h, p, m, _ in listeners}
                self._listening = listeners
        self.draining.clear()

    async def apply(self, table: Table) -> None:
        async with self._lock:
            self.table = table
            self.draining &= table.present
            wanted = self._bindable(table.routes, self.served)
            if config.listeners_of(wanted) != self._listening:
                await self._reload(wanted)
            self.served, self._listening = wanted, config.listeners_of(wanted)
            await self._program()

    async def drained(self, pod_ip: str, timeout: float) -> bool:
        deadline = self.clock.monotonic() + timeout
        async with self._lock:
            self.draining.add(pod_ip)
            await self._program()
            mine = servers.servers_at(await self._servers(), pod_ip)
        if any(not s.in_maint for s in mine):
            log.warning("pod %s: haproxy still has it in service: %s", pod_ip, ", ".join(f"{s.backend}/{s.name}" for s in mine if not s.in_maint))
            return False
        http = {(s.backend, s.name) for s in mine if self._mode(s.backend) == "http"}
        while http:
            busy = {k: n for k, n in runtime.parse_sessions(await runtime.command(self.admin, "show stat")).items() if k in http and n}
            if not busy:
                break
            if self.clock.monotonic() >= deadline:
                log.warning("pod %s: %d requests still in flight after %.1f s of draining", pod_ip, sum(busy.values()), timeout)
                return False
            await self.clock.sleep(POLL)
        return True

    async def traffic(self) -> list[TrafficSample]:
        """The collector's counters, per Service (through the listener address in each backend's name)."""
        data = json.loads(await runtime.command(self.counters, "show", timeout=5.0))
        service_of = {a: r.namespace_name for a, r in self.served.items() if r.service}
        keyed = []
        for key, c in counters.Counters.from_json(data.get("counters") or []):
            address = names.listener_of(key[0]) if len(key) == 2 else None
            if address in service_of:
                keyed.append(((*service_of[address], key[1]), c))
        return counters.samples(keyed)

    async def stopping(self) -> None:
        """The collector ignores the SIGUSR1 of a reload, so it is told to go before HAProxy is."""
        await runtime.command(self.counters, "stop", timeout=2.0)

    def _mode(self, backend: str) -> str | None:
        for address, route in self.served.items():
            found = config.backends_of(address, route).get(backend)
            if found is not None:
                return found.mode
        return None

    async def _servers(self) -> list[runtime.ServerState]:
        return runtime.parse_servers_state(await runtime.command(self.admin, "show servers state"))

    async def _program(self) -> None:
        """Servers through the runtime API: make the running worker's servers the wanted ones."""
        wanted = {name: b.servers for a, r in self.served.items() for name, b in config.backends_of(a, r, self.draining).items()}
        self._check_weights()
        for line in servers.plan(await self._servers(), wanted, self.draining):
            answer = (await runtime.command(self.admin, line)).strip()
            if answer not in OK_ANSWERS:
                level = logging.INFO if line.startswith("del server") else logging.WARNING
                log.log(level, "haproxy: %s: %s", line, answer.replace("\n", " "))

    def _check_weights(self) -> None:
        """Log, once per case, a split that HAProxy's per-server weights cannot give within 1 %."""
        for address, route in self.served.items():
            split = route.split
            if split is None or split.weight is None:
                continue
            usable = [b for b in route.backends if b[0] not in self.draining]
            c = sum(1 for b in usable if b in split.canary)
            case = (address, c, len(usable) - c, split.weight)
            if case not in self._inexact and weights.error(*case[1:]) > weights.TOLERANCE:
                self._inexact.add(case)
                share = weights.share(c, len(usable) - c, *weights.server_weights(*case[1:]))
                log.warning("service %s: %d%% to the canary is %.1f%% with HAProxy's weights (%d canary, %d other servers)", route.service, split.weight, share * 100, c, len(usable) - c)

    async def _reload(self, routes: dict[Address, Route]) -> None:
        candidate = self.config_file.with_suffix(".new")
        write_private(candidate, config.render(routes, self.draining, self.paths()))
        check = await asyncio.create_subprocess_exec(
            self.binary, "-c", "-q", "-f", str(candidate), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        out, _ = await check.communicate()
        if check.returncode != 0:
            raise GracerollError(f"haproxy: the config for the new listeners does not load: {out.decode(errors='replace').strip()}")
        os.replace(candidate, self.config_file)  # only a config that loads takes the place of the running one
        before = runtime.master_reloads(await runtime.master(self.master_cli, "show proc"))
        await runtime.master(self.master_cli, "reload")
        deadline = self.clock.monotonic() + RELOAD_TIMEOUT
        while self.clock.monotonic() < deadline:
            await self.clock.sleep(POLL)
            try:  # the master CLI is away while the master executes itself again
                now = runtime.master_reloads(await runtime.master(self.master_cli, "show proc"))
            except GracerollError:
                continue
            if before is not None and now is not None and now != before:
                if now[1] != before[1]:
                    raise GracerollError("haproxy: the reload failed; the old listeners keep serving (see the haproxy log)")
                if await self.answers():
                    log.info("haproxy: reloaded for %d listeners", len(routes))
                    return
        raise GracerollError(f"haproxy: no new worker within {RELOAD_TIMEOUT:g} s of the reload")

    def _write(self, routes: dict[Address, Route]) -> None:
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        replace_private(self.config_file, config.render(routes, self.draining, self.paths()))  # it holds the log's secret tag

    def _bindable(self, routes: Mapping[Address, Route], served: Mapping[Address, Route]) -> dict[Address, Route]:
        """The routes whose address HAProxy can listen on (already does, or is free to bind)."""
        out: dict[Address, Route] = {}
        for address, route in routes.items():
            problem = None if address in served else _bind_problem(address)
            if problem is None:
                self._unbindable.pop(address, None)
                out[address] = route
            elif self._unbindable.get(address) != problem:
                self._unbindable[address] = problem
                log.warning("service %s: cannot listen on %s:%d: %s (retried on the next change)", route.service, *address, problem)
        return out


def _free_udp_port() -> int:
    """A UDP port on 127.0.0.1 nobody uses now: the collector binds it once HAProxy has started it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bind_problem(address: Address) -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as e:
            return e.strerror or str(e)
    return None


def _version(binary: str) -> str:
    try:
        out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    first = out.splitlines()[0] if out else ""
    return first.split()[2] if len(first.split()) > 2 else "unknown"
