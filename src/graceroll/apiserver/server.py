"""The API server: Kubernetes REST conventions over a store, on aiohttp.

Paths: ``/api/v1/...`` for the core group, ``/apis/{group}/{version}/...`` for the others;
``[namespaces/{ns}/]{plural}[/{name}[/status|/scale|/log]]``. Lists are ``<Kind>List`` objects,
errors are ``Status`` objects with the matching HTTP code, ``?watch=true`` streams
newline-delimited watch events, and ``Accept: ...;as=Table`` gets server-side printed tables
(what ``kubectl get`` asks for) for a list, one object or each watch event. ``labelSelector``,
``fieldSelector``, ``dryRun=All`` and ``fieldValidation`` work as upstream. Bodies are JSON or,
for the built-in kinds kubectl's typed clients send, Kubernetes protobuf (``protobuf``); answers
are JSON. Every request needs ``Authorization: Bearer <token>``, or the credentials of an
``Extension`` (``extension.py``), except ``/version`` and the health checks without credentials
(``public``).

Not served: server-side apply (``application/apply-patch+yaml`` gets 415, and kubectl says so).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from graceroll.api import kinds, selectors
from graceroll.api.admission import admit
from graceroll.api.meta import clone
from graceroll.apiserver import bodies, discovery, field_validation, fields, public, reviews
from graceroll.apiserver.extension import Extension
from graceroll.apiserver.openapi.serve import OpenApi
from graceroll.apiserver.replace_guard import RecentlyDeleted
from graceroll.apiserver.status import from_error, status
from graceroll.apiserver.streams.portforward import PortForward
from graceroll.apiserver.streams.remotecommand import ContainerStreams, RemoteCommand
from graceroll.apiserver.table import to_table
from graceroll.apiserver.watch import WatchHub
from graceroll.clock import Clock
from graceroll.errors import GracerollError, Invalid, NotFound, UsageError
from graceroll.store.base import Expired, Store, WatchEvent

Obj = dict[str, Any]
LogsPath = Callable[[str, str, str], Path]
PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
}
DEFAULT_WATCH_TIMEOUT = 1800.0


@dataclass(frozen=True)
class Target:
    kind: kinds.Kind
    namespace: str | None
    name: str | None
    subresource: str | None


def _json(obj: Obj, code: int = 200) -> web.Response:
    return web.Response(status=code, body=json.dumps(obj).encode(), content_type="application/json")


def _error(e: Exception) -> web.Response:
    st = from_error(e)
    return _json(st, st["code"])


class ApiServer:
    """Serves one store; runs in the engine's event loop (store calls are synchronous)."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        token: str,
        logs_path: LogsPath | None = None,
        extensions: tuple[Extension, ...] = (),
        node: ContainerStreams | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.token = token
        self.logs_path = logs_path
        self.extensions = extensions
        self.hub = WatchHub(store)
        self.stopping = False
        self.deleted = RecentlyDeleted()
        self.app = web.Application(middlewares=[self._auth], client_max_size=16 * 1024 * 1024)
        self.app.router.add_get("/version", public.version)
        self.app.router.add_get("/version/", public.version)  # what the Python client asks for
        health = public.Health(store, lambda: self.stopping)
        for endpoint in public.HEALTH:
            self.app.router.add_get(f"/{endpoint}", health.handle)
            self.app.router.add_get(f"/{endpoint}/{{check}}", health.handle)
        openapi = OpenApi()
        self.app.router.add_get("/openapi/v2", openapi.v2)
        self.app.router.add_get("/openapi/v3", openapi.v3)
        self.app.router.add_get("/openapi/v3/{gv:.+}", openapi.v3)
        for plural, (group, versions, _) in reviews.RESOURCES.items():
            for version in versions:
                self.app.router.add_post(f"/apis/{group}/{version}/{plural}", reviews.handle)
        streams = RemoteCommand(store, node, self._sleep)
        pod = "/api/v1/namespaces/{namespace}/pods/{name}"
        self.app.router.add_route("*", f"{pod}/exec", streams.exec)
        self.app.router.add_route("*", f"{pod}/attach", streams.attach)
        self.app.router.add_route("*", f"{pod}/portforward", PortForward(store).handle)
        for ext in extensions:
            self.app.router.add_routes(ext.routes)
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner: web.AppRunner | None = None

    # ---- lifecycle ---------------------------------------------------------------------------
    async def start(self, host: str, port: int, ssl_context: ssl.SSLContext | None = None) -> int:
        """Listen (HTTPS with ``ssl_context``); returns the bound port (useful with port 0)."""
        self._runner = web.AppRunner(self.app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, ssl_context=ssl_context)
        await site.start()
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self.stopping = True
        self.hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- plumbing ----------------------------------------------------------------------------
    @web.middleware
    async def _auth(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        header = request.headers.get("Authorization", "")
        if not header and public.is_public([p for p in request.path.split("/") if p]):
            return await handler(request)
        given = header[7:] if header.startswith("Bearer ") else ""
        if hmac.compare_digest(given.encode(), self.token.encode()) or any(
            request.path in ext.public or (ext.authenticate is not None and ext.authenticate(request)) for ext in self.extensions
        ):
            return await handler(request)
        return _json(status(401, "Unauthorized", "Unauthorized"), 401)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.path.split("/") if p]
        try:
            if parts and parts[0] in ("api", "apis") and request.method == "GET" and self._is_discovery(parts):
                return self._discovery(parts)
            if parts[:3] == ["api", "v1", "namespaces"] and len(parts) <= 4:
                return self._namespaces(parts[3] if len(parts) == 4 else None)
            target = self._target(parts)
            return await self._handle(request, target)
        except GracerollError as e:
            return _error(e)
        except json.JSONDecodeError as e:
            return _json(status(400, "BadRequest", f"the request body is not valid JSON: {e}"), 400)

    async def _sleep(self, seconds: float) -> None:
        await self.clock.sleep(seconds)  # type: ignore[attr-defined]

    @staticmethod
    def _namespaces(name: str | None) -> web.Response:
        """Namespaces are implicit: every name exists and is Active."""

        def ns(n: str) -> Obj:
            return {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": n}, "spec": {}, "status": {"phase": "Active"}}

        if name is not None:
            return _json(ns(name))
        return _json({"kind": "NamespaceList", "apiVersion": "v1", "metadata": {}, "items": [ns("default")]})

    @staticmethod
    def _is_discovery(parts: list[str]) -> bool:
        if parts[0] == "api":
            return len(parts) <= 2
        return len(parts) <= 3

    def _discovery(self, parts: list[str]) -> web.Response:
        if parts == ["api"]:
            return _json(discovery.api_versions())
        if parts == ["apis"]:
            return _json(discovery.api_group_list())
        doc = discovery.resource_list("", parts[1]) if parts[0] == "api" else (
            discovery.api_group(parts[1]) if len(parts) == 2 else discovery.resource_list(parts[1], parts[2])
        )
        if doc is None:
            return _json(status(404, "NotFound", "the server could not find the requested resource"), 404)
        return _json(doc)

    def _target(self, parts: list[str]) -> Target:
        if parts[0] == "api" and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise NotFound("resource", "/".join(parts))
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            raise NotFound("resource", "/".join(parts))
        kind = next((k for k in kinds.all_kinds() if k.group == group and k.version == version and k.plural == rest[0]), None)
        if kind is None:
            raise NotFound("resource", rest[0])
        return Target(kind, namespace if kind.namespaced else None, rest[1] if len(rest) > 1 else None, rest[2] if len(rest) > 2 else None)

    # ---- handlers ----------------------------------------------------------------------------
    async def _handle(self, request: web.Request, t: Target) -> web.StreamResponse:
        m = request.method
        q = request.query
        if t.name is None:
            if m == "GET":
                if q.get("watch") in ("1", "true"):
                    return await self._watch(request, t)
                return self._list(request, t)
            if m == "POST":
                return self._create_or_restore(request, t, bodies.parse(await request.read(), request.content_type))
            if m == "DELETE":
                return self._delete_collection(request, t)
            raise UsageError(f"method {m} is not allowed on a collection")
        ns = (t.namespace or "default") if t.kind.namespaced else ""
        if t.subresource == "log":
            return await self._logs(request, ns, t.name)
        if t.subresource == "scale":
            return await self._scale(request, t, ns)
        if t.subresource not in (None, "status"):
            raise NotFound("subresource", t.subresource)
        if m == "GET":
            obj = self.store.get(t.kind.kind, ns, t.name)
            if _wants_table(request) and t.subresource is None:  # ``kubectl get deployment web``
                return _json(to_table([obj], self.clock.now(), obj["metadata"].get("resourceVersion", ""), request.query.get("includeObject", "Metadata")))
            return _json(obj)
        if m == "PUT":
            return self._replace(request, t, ns, bodies.parse(await request.read(), request.content_type))
        if m == "PATCH":
            return self._patch(request, t, ns, await request.read())
        if m == "DELETE":
            body = await request.read()
            return self._delete(request, t, ns, json.loads(body) if body else {})
        raise UsageError(f"method {m} is not allowed")

    async def _follow(self, path: Path, offset: int, response: web.StreamResponse, ns: str, name: str) -> None:
        """Stream what is appended to a log file until the pod is gone or the client leaves."""
        while self.store.try_get("Pod", ns, name) is not None:
            if path.exists() and path.stat().st_size > offset:
                with path.open("rb") as f:
                    f.seek(offset)
                    chunk = f.read()
                offset += len(chunk)
                await response.write(chunk)
            await self.clock.sleep(FOLLOW_POLL)  # type: ignore[attr-defined]

    def _list(self, request: web.Request, t: Target) -> web.Response:
        sel, fs = self._selectors(request)
        items = [o for o in self.store.list(t.kind.kind, t.namespace, sel, fs.name) if fs.matches(o)]
        rv = str(self.store.resource_version)
        if _wants_table(request):
            return _json(to_table(items, self.clock.now(), rv, request.query.get("includeObject", "Metadata")))
        return _json({"kind": f"{t.kind.kind}List", "apiVersion": t.kind.api_version, "metadata": {"resourceVersion": rv}, "items": items})

    @staticmethod
    def _selectors(request: web.Request) -> tuple[selectors.Selector | None, fields.FieldSelector]:
        sel = selectors.parse(request.query["labelSelector"]) if request.query.get("labelSelector") else None
        return sel, fields.parse(request.query.get("fieldSelector", ""))

    @staticmethod
    def _dry_run(request: web.Request) -> bool:
        """``?dryRun=All``: admit and answer as if written, store nothing (``--dry-run=server``)."""
        values = request.query.getall("dryRun", [])
        for v in values:
            if v != "All":
                raise UsageError(f'dryRun: Unsupported value: "{v}": supported values: "All"')
        return bool(values)

    def _create(self, request: web.Request, t: Target, body: bodies.Body) -> web.Response:
        checked = self._fields(request, t, self._checked(body.obj, t), body.duplicates, decoding=True)
        obj = checked.obj
        if t.namespace:
            obj.setdefault("metadata", {})["namespace"] = t.namespace
        obj = admit(obj)
        if self._dry_run(request):
            return _warned(_json(obj, 201), checked)
        return _warned(_json(self.store.create(obj), 201), checked)

    def _create_or_restore(self, request: web.Request, t: Target, body: bodies.Body) -> web.Response:
        """A create; when ``kubectl replace --force`` fails to recreate what it deleted, the deleted object comes back."""
        try:
            return self._create(request, t, body)
        except (Invalid, UsageError) as e:
            md = (body.obj.get("metadata") or {}) if isinstance(body.obj, dict) else {}
            name = str(md.get("name") or "")
            key = (t.kind.kind, (t.namespace or str(md.get("namespace") or "default")) if t.kind.namespaced else "", name)
            if not name or not self.deleted.restore(self.store, request.query, key, self.clock.now()):
                raise
            answer = from_error(e)
            answer["message"] += f' (the {t.kind.kind} "{name}" that kubectl replace --force deleted was created again)'
            return _json(answer, answer["code"])

    @staticmethod
    def _fields(request: web.Request, t: Target, obj: Obj, duplicates: tuple[str, ...], decoding: bool) -> field_validation.Checked:
        """Unknown and duplicate fields under the request's ``fieldValidation`` (dropped, warned, or refused)."""
        directive = field_validation.directive(request.query.get("fieldValidation"))
        return field_validation.check(directive, t.kind, obj, duplicates, decoding)

    def _checked(self, body: Any, t: Target) -> Obj:
        if not isinstance(body, dict):
            raise UsageError("the request body must be a JSON object")
        body.setdefault("kind", t.kind.kind)
        body.setdefault("apiVersion", t.kind.api_version)
        if body["kind"] != t.kind.kind:
            raise UsageError(f'the body is a {body["kind"]}, the path a {t.kind.kind}')
        return body

    def _replace(self, request: web.Request, t: Target, ns: str, body: bodies.Body) -> web.Response:
        obj = self._checked(body.obj, t)
        checked = field_validation.Checked(obj)
        if t.subresource != "status":
            checked = self._fields(request, t, obj, body.duplicates, decoding=True)
            obj = checked.obj
        obj.setdefault("metadata", {})
        if obj["metadata"].get("name") not in (None, t.name):
            raise UsageError("the name in the body does not match the name in the path")
        obj["metadata"].update(name=t.name, namespace=ns)
        old = self.store.get(t.kind.kind, ns, t.name or "")
        if t.subresource == "status":
            return _json(dict(old, status=obj.get("status") or {}) if self._dry_run(request) else self.store.update_status(obj))
        new = admit(obj, old)
        return _warned(_json(new if self._dry_run(request) else self.store.update(new)), checked)

    def _patch(self, request: web.Request, t: Target, ns: str, raw: bytes) -> web.Response:
        from graceroll.verbs.patch import apply_patch

        ctype = request.content_type
        if ctype not in PATCH_TYPES:
            return _json(status(415, "UnsupportedMediaType", f'the body of the request was in an unknown format - accepted media types include: {", ".join(PATCH_TYPES)}'), 415)
        current = self.store.get(t.kind.kind, ns, t.name or "")
        patch = bodies.parse(raw, "application/json")
        patched = apply_patch(current, patch.obj, PATCH_TYPES[ctype])
        if t.subresource == "status":
            return _json(patched if self._dry_run(request) else self.store.update_status(patched))
        checked = self._fields(request, t, patched, patch.duplicates, decoding=False)
        obj = admit(checked.obj, current)
        if self._dry_run(request):
            return _warned(_json(obj), checked)
        return _warned(_json(self.store.update(obj)), checked)

    def _delete(self, request: web.Request, t: Target, ns: str, options: Obj) -> web.Response:
        grace = options.get("gracePeriodSeconds", request.query.get("gracePeriodSeconds"))
        policy = options.get("propagationPolicy") or request.query.get("propagationPolicy") or "Background"
        if policy not in ("Background", "Foreground", "Orphan"):
            raise Invalid("DeleteOptions", "", [])
        uid = (options.get("preconditions") or {}).get("uid")
        current = self.store.get(t.kind.kind, ns, t.name or "")
        if self._dry_run(request):
            return _json(current)
        self.deleted.remember(current, self.clock.now())
        left = self.store.delete(t.kind.kind, ns, t.name or "", None if grace is None else int(grace), orphan=policy == "Orphan", uid=uid)
        if left is not None:
            return _json(left)
        return _json(status(200, "", "", {"name": t.name, "kind": t.kind.plural, "uid": current["metadata"].get("uid")}) | {"status": "Success"})

    def _delete_collection(self, request: web.Request, t: Target) -> web.Response:
        sel, fs = self._selectors(request)
        for obj in [o for o in self.store.list(t.kind.kind, t.namespace, sel, fs.name) if fs.matches(o)]:
            md = obj["metadata"]
            if self.store.try_get(t.kind.kind, md.get("namespace", ""), md["name"]) is not None:
                self.store.delete(t.kind.kind, md.get("namespace", ""), md["name"])
        return _json(status(200, "", "") | {"status": "Success"})

    async def _scale(self, request: web.Request, t: Target, ns: str) -> web.Response:
        field = t.kind.replicas_field  # BCS Mesos: spec.instance
        if not field:
            raise NotFound("subresource", "scale")
        obj = self.store.get(t.kind.kind, ns, t.name or "")
        if request.method == "GET":
            return _json(self._scale_of(obj, field))
        if request.method == "PUT":
            body = await request.json()
        elif request.method == "PATCH":
            from graceroll.verbs.patch import apply_patch

            ctype = request.content_type
            if ctype not in PATCH_TYPES:
                return _json(status(415, "UnsupportedMediaType", "unsupported patch type"), 415)
            body = apply_patch(self._scale_of(obj, field), json.loads(await request.read()), PATCH_TYPES[ctype])
        else:
            raise UsageError(f"method {request.method} is not allowed on scale")
        replicas = (body.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or isinstance(replicas, bool):
            raise Invalid("Scale", t.name or "", [])
        new = clone(obj)
        new["spec"][field] = replicas
        new = admit(new, obj)
        return _json(self._scale_of(new if self._dry_run(request) else self.store.update(new), field))

    def _scale_of(self, obj: Obj, field: str) -> Obj:
        sel = selectors.from_label_selector((obj.get("spec") or {}).get("selector"))
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {k: obj["metadata"][k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in obj["metadata"]},
            "spec": {"replicas": (obj.get("spec") or {}).get(field, 1)},
            "status": {"replicas": (obj.get("status") or {}).get("replicas", 0), "selector": str(sel)},
        }

    async def _watch(self, request: web.Request, t: Target) -> web.StreamResponse:
        sel, fs = self._selectors(request)
        ns = t.namespace

        def accept(obj: Obj) -> bool:
            md = obj["metadata"]
            return (ns is None or md.get("namespace") == ns) and fs.matches(obj) and (sel is None or sel.matches(md.get("labels") or {}))

        rv_text = request.query.get("resourceVersion", "")
        initial_events = request.query.get("sendInitialEvents") == "true"
        watcher = self.hub.add(t.kind.kind, accept)
        try:
            if rv_text not in ("", "0") and not initial_events:
                initial = [e for e in self.store.events_since(int(rv_text)) if e.object["kind"] == t.kind.kind and accept(e.object)]
            else:
                initial = [WatchEvent("ADDED", o, self.store.resource_version) for o in self.store.list(t.kind.kind, ns, sel, fs.name) if fs.matches(o)]
        except Expired as e:
            self.hub.remove(watcher)
            response = web.StreamResponse(headers={"Content-Type": "application/json"})
            await response.prepare(request)
            await response.write(json.dumps({"type": "ERROR", "object": status(410, "Expired", str(e))}).encode() + b"\n")
            return response
        except ValueError:
            self.hub.remove(watcher)
            raise UsageError(f'invalid resourceVersion "{rv_text}"') from None
        line = self._event_encoder(request)
        timeout = float(request.query.get("timeoutSeconds") or DEFAULT_WATCH_TIMEOUT)
        response = web.StreamResponse(headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        await response.prepare(request)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            for ev in initial:
                await response.write(line(ev))
            if initial_events:  # a streaming list (WatchList): say where the current state ends
                await response.write(json.dumps({"type": "BOOKMARK", "object": _initial_events_end(t.kind, self.store.resource_version)}).encode() + b"\n")
            while True:
                left = deadline - loop.time()
                if left <= 0:
                    break
                try:
                    event = await asyncio.wait_for(watcher.queue.get(), left)
                except TimeoutError:
                    break
                if event is None:
                    if watcher.overflowed:
                        await response.write(json.dumps({"type": "ERROR", "object": status(410, "Expired", "watch fell behind; list again")}).encode() + b"\n")
                    break
                await response.write(line(event))
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.hub.remove(watcher)
        return response

    def _event_encoder(self, request: web.Request) -> Callable[[WatchEvent], bytes]:
        """Watch events as they are, or each object as a one-row Table when tables were asked for
        (``kubectl get -w`` prints the rows of its first listing and of every event alike)."""
        if not _wants_table(request):
            return _event_line
        include = request.query.get("includeObject", "Metadata")

        def as_table(e: WatchEvent) -> bytes:
            table = to_table([e.object], self.clock.now(), str(e.resource_version), include)
            return json.dumps({"type": e.type, "object": table}).encode() + b"\n"

        return as_table

    async def _logs(self, request: web.Request, ns: str, name: str) -> web.StreamResponse:
        pod = self.store.get("Pod", ns, name)
        containers = [c["name"] for c in pod["spec"].get("containers") or []]
        container = request.query.get("container") or (containers[0] if len(containers) == 1 else "")
        if container not in containers:
            raise UsageError(
                f'a container name must be specified for pod {name}, choose one of: [{" ".join(containers)}]'
                if not container
                else f'container {container} is not valid for pod {name}'
            )
        if self.logs_path is None:
            raise NotFound("log", name)
        path = self.logs_path(ns, name, container)
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        tail = request.query.get("tailLines")
        data = path.read_bytes() if path.exists() else b""
        if tail is not None:
            lines = data.splitlines(keepends=True)
            data = b"".join(lines[-int(tail):]) if int(tail) > 0 else b""
        await response.write(data)
        if request.query.get("follow") in ("1", "true"):
            await self._follow(path, len(data) if tail is None else (path.stat().st_size if path.exists() else 0), response, ns, name)
        return response


FOLLOW_POLL = 0.25  # seconds between looks at a followed log file


def _initial_events_end(kind: kinds.Kind, resource_version: int) -> Obj:
    """The bookmark that ends the initial events of a ``sendInitialEvents=true`` watch."""
    return {
        "kind": kind.kind,
        "apiVersion": kind.api_version,
        "metadata": {"resourceVersion": str(resource_version), "annotations": {"k8s.io/initial-events-end": "true"}},
    }


def _warned(response: web.Response, checked: field_validation.Checked) -> web.Response:
    for text in checked.warnings:
        response.headers.add("Warning", field_validation.warning_header(text))
    return response


def _wants_table(request: web.Request) -> bool:
    """``Accept: application/json;as=Table;v=v1;g=meta.k8s.io`` (what ``kubectl get`` sends)."""
    return "as=Table" in request.headers.get("Accept", "")


def _event_line(e: WatchEvent) -> bytes:
    return json.dumps({"type": e.type, "object": e.object}).encode() + b"\n"
