"""One verification: load up, run the update command, wait for the rollout to finish, report."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graceroll.api import kinds
from graceroll.clock import SystemClock
from graceroll.errors import GracerollError, UsageError
from graceroll.verify.load import Load, LoadSpec
from graceroll.verify.report import Report
from graceroll.workload.base import view_for

Obj = dict[str, Any]
WARMUP_REQUESTS = 20


@dataclass(frozen=True)
class VerifyOptions:
    service: str
    namespace: str = "default"
    port: int | None = None
    path: str = "/version"
    during: str | None = None
    workload: str | None = None  # KIND/NAME whose rollout to wait for; default: the command's target
    keepalive_clients: int = 4
    new_conn_clients: int = 4
    timeout: float = 600.0
    tail: float = 1.0
    duration: float = 5.0  # without --during: how long to load

    def check(self) -> None:
        """Refuse options that cannot prove anything, before any load or command runs."""
        for flag, n in (("--keepalive-clients", self.keepalive_clients), ("--new-conn-clients", self.new_conn_clients)):
            if n < 0:
                raise UsageError(f"{flag} must be 0 or more, got {n}")
        if self.keepalive_clients + self.new_conn_clients == 0:
            raise UsageError("no clients: --keepalive-clients and --new-conn-clients are both 0, so no request would be made")
        for flag, v in (("--timeout", self.timeout), ("--duration", self.duration)):
            if not v > 0:
                raise UsageError(f"{flag} must be more than 0 seconds, got {v:g}")


def service_url(store: Any, namespace: str, name: str, port: int | None, path: str) -> str:
    svc = store.get("Service", namespace, name)
    spec = svc.get("spec") or {}
    ip = spec.get("clusterIP")
    ports = spec.get("ports") or []
    if not ip or not ports:
        raise GracerollError(f'service "{name}" has no address yet (is the engine\'s endpoints controller running?)')
    chosen = next((p for p in ports if port is None or p.get("port") == port), None)
    if chosen is None:
        raise UsageError(f'service "{name}" has no port {port}')
    return f"http://{ip}:{chosen['port']}{path}"


def command_target(command: str) -> str | None:
    """The KIND/NAME an update command acts on (``set image deployment/web ...`` → deployment/web)."""
    for word in shlex.split(command):
        if "/" in word and "=" not in word and not word.startswith("-"):
            return word
    return None


def rollout_done(store: Any, namespace: str, ref: str) -> tuple[bool, str | None]:
    kind_text, _, name = ref.partition("/")
    kind = kinds.resolve(kind_text)
    view = view_for(kind.kind)
    if view is None:
        raise UsageError(f"cannot follow the rollout of a {kind.kind}")
    snap = view.snapshot(store, store.get(kind.kind, namespace, name))
    if snap.failed:
        return True, snap.message or "the rollout failed"
    return snap.complete, None


async def verify(opts: VerifyOptions, store: Any, run_command: Callable[[list[str]], str], clock: SystemClock) -> Report:
    opts.check()
    url = await asyncio.to_thread(service_url, store, opts.namespace, opts.service, opts.port, opts.path)
    load = Load(LoadSpec(url, opts.keepalive_clients, opts.new_conn_clients), clock)
    report = Report(command=opts.during or "")
    load.start()
    try:
        while len(load.samples) < WARMUP_REQUESTS and load.elapsed() < 10:
            await clock.sleep(0.05)
        if opts.during:
            target = opts.workload or command_target(opts.during)
            report.rollout_started = load.elapsed()
            report.command_output = await asyncio.to_thread(run_command, shlex.split(opts.during))
            if target is None:
                report.rollout_completed = load.elapsed()
            else:
                deadline = load.elapsed() + opts.timeout
                while load.elapsed() < deadline:
                    done, error = await asyncio.to_thread(rollout_done, store, opts.namespace, target)
                    if done:
                        report.rollout_error = error
                        if error is None:
                            report.rollout_completed = load.elapsed()
                        break
                    await clock.sleep(0.2)
                else:
                    report.rollout_error = f"the rollout did not complete within {opts.timeout:g}s"
            end = load.elapsed() + opts.tail
        else:
            end = load.elapsed() + opts.duration
        while load.elapsed() < end:
            await clock.sleep(0.05)
    finally:
        await load.stop()
    report.samples = sorted(load.samples, key=lambda s: s.t)
    return report
