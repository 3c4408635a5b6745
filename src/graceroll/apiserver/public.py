"""The endpoints anyone may read: ``/version`` and the health checks ``/healthz``, ``/livez``, ``/readyz``.

Upstream's default RBAC binds ``system:public-info-viewer`` to ``system:unauthenticated``, so a
request *without* credentials may read these paths; a request with a wrong token is still refused
(authentication fails before authorization). The server follows that: see ``is_public``.

Health output follows ``k8s.io/apiserver/pkg/server/healthz``: ``ok`` when every check passes;
with ``?verbose`` one line per check (``[+]ping ok``, ``[-]store failed: reason withheld``) and
``<name> check passed``/``failed``; ``?exclude=<check>`` skips a check; ``/readyz/<check>`` runs
one; a failure answers 500 (with the verbose listing, as upstream).
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from graceroll import __version__
from graceroll.errors import GracerollError
from graceroll.store.base import Store

Check = Callable[[], bool]
HEALTH = ("healthz", "livez", "readyz")
KUBERNETES_VERSION = (1, 33, 0)  # the Kubernetes API whose semantics the engine follows


def version_info() -> dict[str, Any]:
    """``version.Info`` with every field typed clients require (the Python client rejects a missing one)."""
    major, minor, patch = KUBERNETES_VERSION
    return {
        "major": str(major),
        "minor": str(minor),
        "emulationMajor": str(major),
        "emulationMinor": str(minor),
        "minCompatibilityMajor": str(major),
        "minCompatibilityMinor": str(minor - 1),
        "gitVersion": f"v{major}.{minor}.{patch}+graceroll-{__version__}",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": f"python{sys.version_info.major}.{sys.version_info.minor}",
        "compiler": platform.python_implementation().lower(),
        "platform": f"{sys.platform}/{_arch()}",
    }


def _arch() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def is_public(parts: list[str]) -> bool:
    """Paths readable without credentials: ``/version``, ``/healthz``, ``/livez``, ``/readyz`` and their checks."""
    return bool(parts) and parts[0] in ("version", *HEALTH)


@dataclass(frozen=True)
class HealthAnswer:
    code: int
    text: str


def health(endpoint: str, only: str | None, verbose: bool, excluded: set[str], checks: Mapping[str, Check]) -> HealthAnswer:
    """The answer of ``/<endpoint>[/<only>]`` over ``checks`` (name -> passes?), in upstream's format."""
    if only is not None:
        if only not in checks:
            return HealthAnswer(404, "404 page not found\n")
        ok = checks[only]()
        return HealthAnswer(200 if ok else 500, "ok" if ok else f"internal server error: {only} check failed\n")
    lines: list[str] = []
    failed = False
    for name, check in checks.items():
        if name in excluded:
            lines.append(f"[+]{name} excluded: ok")
            continue
        if check():
            lines.append(f"[+]{name} ok")
        else:
            failed = True
            lines.append(f"[-]{name} failed: reason withheld")
    if failed:
        return HealthAnswer(500, "\n".join(lines) + f"\n{endpoint} check failed\n")
    if verbose:
        return HealthAnswer(200, "\n".join(lines) + f"\n{endpoint} check passed\n")
    return HealthAnswer(200, "ok")


async def version(request: web.Request) -> web.Response:
    return web.json_response(version_info())


class Health:
    """The checks: ``ping`` (the server answers), ``store`` (a read of the store succeeds) and, for
    readiness only, ``shutdown`` (the server is not stopping)."""

    def __init__(self, store: Store, stopping: Callable[[], bool]) -> None:
        self.store = store
        self.stopping = stopping

    def _store_answers(self) -> bool:
        try:
            self.store.try_get("Pod", "default", "-")
        except GracerollError:
            return False
        return True

    async def handle(self, request: web.Request) -> web.Response:
        endpoint = request.path.strip("/").split("/")[0]
        checks: dict[str, Check] = {"ping": lambda: True, "store": self._store_answers}
        if endpoint == "readyz":
            checks["shutdown"] = lambda: not self.stopping()
        excluded = set(request.query.getall("exclude", []))
        answer = health(endpoint, request.match_info.get("check"), "verbose" in request.query, excluded, checks)
        return web.Response(status=answer.code, text=answer.text, headers={"X-Content-Type-Options": "nosniff"})
