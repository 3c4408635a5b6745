"""The dashboard's routes on the engine's API server, and the task that keeps its stream current.

The task wakes on store changes, at most every ``MIN_INTERVAL`` seconds (a burst of pod changes
costs one pass), records the history and, while a page is connected, builds the page's JSON
once for every connected page. Pages get it as Server-Sent Events (``/dashboard/api/stream``),
one ``data:`` line per change and a comment every ``HEARTBEAT`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Callable
from importlib import resources
from typing import Any, Protocol

from aiohttp import web

from graceroll.apiserver.extension import Extension
from graceroll.apiserver.status import from_error, status
from graceroll.dashboard import actions, view
from graceroll.dashboard.history import History
from graceroll.dashboard.sessions import COOKIE, CSRF_HEADER, SESSION_TTL, Sessions
from graceroll.errors import GracerollError, UsageError
from graceroll.metrics.traffic import TrafficSample
from graceroll.store.base import Store, WatchEvent

log = logging.getLogger("graceroll.dashboard")

MIN_INTERVAL = 0.25  # seconds between two passes of the recorder
HEARTBEAT = 15.0  # seconds between keep-alive comments on an idle stream
STATIC = {"/dashboard/": ("index.html", "text/html"), "/dashboard/app.js": ("app.js", "text/javascript"), "/dashboard/app.css": ("app.css", "text/css")}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
LOGIN_FAILED = "<!doctype html><title>graceroll</title><p>This login link was already used or has expired. Run <code>graceroll dashboard</code> for a new one.</p>"
LOGIN_OK = '<!doctype html><title>graceroll</title><meta http-equiv="refresh" content="0;url=/dashboard/"><p><a href="/dashboard/">Open the dashboard</a></p>'


class DashboardClock(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class Dashboard:
    def __init__(self, store: Store, clock: DashboardClock, token: str, traffic: Callable[[], list[TrafficSample]]) -> None:
        """``traffic``: the data plane's samples (``EngineMetrics.traffic.samples``)."""
        self.store = store
        self.clock = clock
        self.token = token
        self.traffic = traffic
        self.sessions = Sessions(clock)
        self.history = History()
        self._dirty = asyncio.Event()
        self._changed = asyncio.Event()
        self._state: dict[str, Any] | None = None
        self._pages = 0
        self._task: asyncio.Task[None] | None = None
        store.subscribe(self._on_event)

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._dirty.set()
        self._task = asyncio.create_task(self._record(), name="dashboard-recorder")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _on_event(self, event: WatchEvent) -> None:
        self._dirty.set()

    def poke(self) -> None:
        """Something the page shows changed outside the store (the data plane's traffic counters)."""
        self._dirty.set()

    async def _record(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                self._pass()
            except Exception:  # a bug in a view must not stop the page for every other workload
                log.exception("dashboard: recording the workloads failed")
            await self.clock.sleep(MIN_INTERVAL)

    def _pass(self) -> None:
        now = self.clock.now()
        keys = set()
        for key, _, snap, _ in view.workloads(self.store):
            self.history.record(key, now, snap)
            keys.add(key)
        self.history.forget_except(keys)
        self._state = self._build() if self._pages else None
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _build(self) -> dict[str, Any]:
        return view.build(self.store, self.history, self.clock.now(), self.traffic())

    # ---- authentication ----------------------------------------------------------------------
    def authenticate(self, request: web.Request) -> bool:
        session = request.cookies.get(COOKIE)
        if not session:
            return False
        own_origin = f"{request.scheme}://{request.host}"
        return self.sessions.allows(session, request.method, request.headers.get(CSRF_HEADER, ""), request.headers.get("Origin"), own_origin)

    def extension(self) -> Extension:
        routes = [
            web.get("/dashboard", self._redirect),
            *(web.get(path, self._static) for path in STATIC),
            web.get("/dashboard/login", self._login),
            web.post("/dashboard/logout", self._logout),
            web.post("/dashboard/api/codes", self._codes),
            web.get("/dashboard/api/session", self._session),
            web.get("/dashboard/api/workloads", self._workloads),
            web.get("/dashboard/api/stream", self._stream),
            web.post("/dashboard/api/actions", self._action),
        ]
        return Extension(routes=routes, public=frozenset({"/dashboard", "/dashboard/login", *STATIC}), authenticate=self.authenticate)

    # ---- handlers ----------------------------------------------------------------------------
    @staticmethod
    async def _redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/dashboard/")

    @staticmethod
    async def _static(request: web.Request) -> web.Response:
        """The page's three files; public (they hold no data: every number comes from the API)."""
        name, ctype = STATIC[request.path]
        body = resources.files("graceroll.dashboard").joinpath("static", name).read_bytes()
        return web.Response(body=body, content_type=ctype, charset="utf-8", headers=SECURITY_HEADERS)

    async def _login(self, request: web.Request) -> web.Response:
        session = self.sessions.exchange(request.query.get("code", ""))
        if session is None:
            return web.Response(status=403, text=LOGIN_FAILED, content_type="text/html", headers=SECURITY_HEADERS)
        # a page that navigates on, not a redirect: a SameSite=Strict cookie set on a redirect that
        # follows a navigation from elsewhere (a terminal, a chat) would not be sent on that redirect
        response = web.Response(text=LOGIN_OK, content_type="text/html", headers=SECURITY_HEADERS)
        response.set_cookie(COOKIE, session.id, max_age=int(SESSION_TTL), path="/", secure=True, httponly=True, samesite="Strict")
        return response

    async def _logout(self, request: web.Request) -> web.Response:
        self.sessions.end(request.cookies.get(COOKIE, ""))
        response = web.json_response({"loggedOut": True}, headers=SECURITY_HEADERS)
        response.del_cookie(COOKIE, path="/")
        return response

    async def _codes(self, request: web.Request) -> web.Response:
        """A one-time login code, for ``graceroll dashboard``: only with the bearer token, so a
        browser session cannot mint new sessions for someone else."""
        header = request.headers.get("Authorization", "")
        if not (header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), self.token.encode())):
            return _failure(status(403, "Forbidden", "login codes need the bearer token"))
        code, ttl = self.sessions.issue_code()
        return web.json_response({"code": code, "expiresInSeconds": ttl, "path": f"/dashboard/login?code={code}"}, headers=SECURITY_HEADERS)

    async def _session(self, request: web.Request) -> web.Response:
        """The CSRF token the page sends with its writes (empty when called with the bearer token)."""
        session = self.sessions.find(request.cookies.get(COOKIE, ""))
        return web.json_response({"csrfToken": session.csrf if session is not None else ""}, headers=SECURITY_HEADERS)

    async def _workloads(self, request: web.Request) -> web.Response:
        return web.json_response(self._build(), headers=SECURITY_HEADERS)

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", **SECURITY_HEADERS})
        await response.prepare(request)
        self._pages += 1
        try:
            state = self._build()
            while True:
                changed = self._changed
                await response.write(b"data: " + json.dumps(state).encode() + b"\n\n")
                while True:
                    try:
                        await asyncio.wait_for(changed.wait(), HEARTBEAT)
                        break
                    except TimeoutError:
                        await response.write(b": keep-alive\n\n")
                state = self._state or self._build()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._pages -= 1
        return response

    async def _action(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise UsageError("the request body must be a JSON object")
            missing = [f for f in ("action", "kind", "namespace", "name") if not isinstance(body.get(f), str) or not body.get(f)]
            if missing:
                raise UsageError(f"{missing[0]}: Required value")
            message = actions.run(self.store, body["action"], body["kind"], body["namespace"], body["name"])
        except json.JSONDecodeError as e:
            return _failure(status(400, "BadRequest", f"the request body is not valid JSON: {e}"))
        except GracerollError as e:
            return _failure(from_error(e))
        return web.json_response({"message": message}, headers=SECURITY_HEADERS)


def _failure(st: dict[str, Any]) -> web.Response:
    return web.json_response(st, status=st["code"], headers=SECURITY_HEADERS)
