"""The API server: Kubernetes REST conventions over a store, on aiohttp.

Paths: ``/api/v1/...`` for the core group, ``/apis/{group}/{version}/...`` for the others;
``[namespaces/{ns}/]{plural}[/{name}[/status|/scale|/log]]``. Lists are ``<Kind>List`` objects,
errors are ``Status`` objects with the matching HTTP code, ``?watch=true`` streams
newline-delimited watch events, and ``Accept: ...;as=Table`` gets server-side printed tables
(what ``kubectl get`` asks for) for a list, one object or each watch event. ``labelSelector``,
``fieldSelector``, ``limit``/``continue`` (``pagination``), ``dryRun=All`` and ``fieldValidation``
work as upstream. Bodies are JSON or, for the built-in kinds kubectl's typed clients send,
Kubernetes protobuf (``protobuf``); answers are JSON. What happens beyond defaulting and
validation lives beside this module: deletes (``deleting``), namespace lifecycle
(``namespaces``), per-kind admission (``strategies``), logs (``logs``) and resources served in
another version (``views``: events.k8s.io). Every request needs ``Authorization: Bearer
<token>``, or the credentials of an ``Extension`` (``extension.py``), except ``/version`` and the
health checks without credentials (``public``).

Not served: server-side apply (``application/apply-patch+yaml`` gets 415, and kubectl says so).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from graceroll.api import kinds, selectors
from graceroll.api.admission import admit
from graceroll.api.meta import clone
from graceroll.apiserver import (
    bodies,
    deleting,
    discovery,
    field_validation,
    fields,
    namespaces,
    pagination,
    public,
    reviews,
    strategies,
    views,
)
from graceroll.apiserver import logs as pod_logs
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
PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
}
DEFAULT_WATCH_TIMEOUT = 1800.0
NAMESPACE_SUBRESOURCES = ("status", "finalize")  # /api/v1/namespaces/{name}/status is not a namespaced path


@dataclass(frozen=True)
class Target:
    kind: kinds.Kind
    namespace: str | None
    name: str | None
    subresource: str | None
    view: views.View | None = None  # served in another version than the stored kind's

    def encode(self, obj: Obj) -> Obj:
        """An object of the stored kind as this resource answers it (others, Status, pass)."""
        return self.view.to_view(obj) if self.view is not None and obj.get("kind") == self.view.storage and "metadata" in obj else obj

    def decode(self, body: Any) -> Any:
        """A request body in the stored kind's version."""
        if self.view is None or not isinstance(body, dict):
            return body
        if body.get("apiVersion") not in (None, self.view.api_version):
            raise UsageError(f'the body is {body.get("apiVersion")}, the path {self.view.api_version}')
        return self.view.from_view(body)

    def decode_body(self, body: bodies.Body) -> bodies.Body:
        return body if self.view is None else replace(body, obj=self.decode(body.obj))

    @property
    def api_version(self) -> str:
        return self.view.api_version if self.view is not None else self.kind.api_version


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
        logs_dir: pod_logs.LogsDir | None = None,
        extensions: tuple[Extension, ...] = (),
        node: ContainerStreams | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.token = token
        self.logs_dir = logs_dir
        self.extensions = extensions
        self.hub = WatchHub(store)
        self.snapshots = pagination.Snapshots()
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
        """Create the system namespaces, then listen (HTTPS with ``ssl_context``); returns the bound
        port (useful with port 0)."""
        namespaces.ensure(self.store)
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
            target = self._target(parts)
            return await self._handle(request, target)
        except GracerollError as e:
            return _error(e)
        except json.JSONDecodeError as e:
            return _json(status(400, "BadRequest", f"the request body is not valid JSON: {e}"), 400)

    async def _sleep(self, seconds: float) -> None:
        await self.clock.sleep(seconds)  # type: ignore[attr-defined]

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
        if len(rest) >= 3 and rest[0] == "namespaces" and not (len(rest) == 3 and rest[2] in NAMESPACE_SUBRESOURCES):
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            raise NotFound("resource", "/".join(parts))
        kind = next((k for k in kinds.all_kinds() if k.group == group and k.version == version and k.plural == rest[0]), None)
        view = views.find(group, version, rest[0]) if kind is None else None
        if view is not None:
            kind = kinds.by_kind(view.storage)
        if kind is None:
            raise NotFound("resource", rest[0])
        name, sub = rest[1] if len(rest) > 1 else None, rest[2] if len(rest) > 2 else None
        return Target(kind, namespace if kind.namespaced else None, name, sub, view)

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
                return self._create_or_restore(request, t, t.decode_body(bodies.parse(await request.read(), request.content_type)))
            if m == "DELETE":
                return self._delete_collection(request, t, await _optional_json(request))
            raise UsageError(f"method {m} is not allowed on a collection")
        ns = (t.namespace or "default") if t.kind.namespaced else ""
        if t.subresource == "log":
            return await pod_logs.serve(request, self.store, self.clock, self.logs_dir, ns, t.name)
        if t.subresource == "scale":
            return await self._scale(request, t, ns)
        if t.subresource not in (None, "status") and not (t.subresource == "finalize" and t.kind.kind == "Namespace" and m == "PUT"):
            raise NotFound("subresource", t.subresource)
        if m == "GET":
            obj = self.store.get(t.kind.kind, ns, t.name)
            if _wants_table(request) and t.subresource is None:  # ``kubectl get deployment web``
                return _json(to_table([obj], self.clock.now(), obj["metadata"].get("resourceVersion", ""), request.query.get("includeObject", "Metadata")))
            return _json(t.encode(obj))
        if m == "PUT":
            return self._replace(request, t, ns, t.decode_body(bodies.parse(await request.read(), request.content_type)))
        if m == "PATCH":
            return self._patch(request, t, ns, await request.read())
        if m == "DELETE":
            return self._delete(request, t, ns, await _optional_json(request))
        raise UsageError(f"method {m} is not allowed")

    def _list(self, request: web.Request, t: Target) -> web.Response:
        sel, fs = self._selectors(request)
        items = [o for o in self.store.list(t.kind.kind, t.namespace, sel, fs.name) if fs.matches(o)]
        rv = self.store.resource_version
        q = request.query
        try:
            limit = int(q.get("limit") or 0)
        except ValueError:
            raise UsageError(f'limit: Invalid value: "{q.get("limit")}": must be an integer') from None
        key = (t.kind.kind, t.namespace or "", q.get("labelSelector", ""), q.get("fieldSelector", ""), rv)
        try:
            page = self.snapshots.page(key, items, limit, self.clock.now(), q.get("continue", ""))
        except pagination.ContinueExpired as e:
            gone = status(410, "Expired", str(e))
            gone["metadata"] = {"continue": e.token}
            return _json(gone, 410)
        if _wants_table(request):
            table = to_table(page.items, self.clock.now(), str(page.resource_version), q.get("includeObject", "Metadata"))
            table["metadata"] = page.metadata()
            return _json(table)
        items = [t.encode(o) for o in page.items]
        return _json({"kind": f"{t.kind.kind}List", "apiVersion": t.api_version, "metadata": page.metadata(), "items": items})

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
        if t.view is not None and (errs := t.view.validate_create(t.encode(obj))):
            raise Invalid(t.kind.kind, str(obj["metadata"].get("name") or ""), errs)
        obj = admit(obj)
        dry_run = self._dry_run(request)
        strategies.before_create(self.store, t.kind, obj, dry_run)
        if dry_run:
            return _warned(_json(t.encode(obj), 201), checked)
        return _warned(_json(t.encode(self.store.create(obj)), 201), checked)

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
        if t.subresource == "finalize":  # a Namespace's spec.finalizers, which nothing else changes
            new = clone(old)
            new.setdefault("spec", {})["finalizers"] = list((obj.get("spec") or {}).get("finalizers") or [])
            new = admit(new)
        else:
            new = admit(obj, old)
            strategies.before_update(self.store, t.kind, new)
        return _warned(_json(t.encode(new if self._dry_run(request) else self.store.update(new))), checked)

    def _patch(self, request: web.Request, t: Target, ns: str, raw: bytes) -> web.Response:
        from graceroll.verbs.patch import apply_patch

        ctype = request.content_type
        if ctype not in PATCH_TYPES:
            return _json(status(415, "UnsupportedMediaType", f'the body of the request was in an unknown format - accepted media types include: {", ".join(PATCH_TYPES)}'), 415)
        current = self.store.get(t.kind.kind, ns, t.name or "")
        patch = bodies.parse(raw, "application/json")
        patched = t.decode(apply_patch(t.encode(current), patch.obj, PATCH_TYPES[ctype]))
        if t.subresource == "status":
            return _json(patched if self._dry_run(request) else self.store.update_status(patched))
        checked = self._fields(request, t, patched, patch.duplicates, decoding=False)
        obj = admit(checked.obj, current)
        strategies.before_update(self.store, t.kind, obj)
        if self._dry_run(request):
            return _warned(_json(t.encode(obj)), checked)
        return _warned(_json(t.encode(self.store.update(obj))), checked)

    def _delete(self, request: web.Request, t: Target, ns: str, body: Any) -> web.Response:
        opts = deleting.parse(body, request.query, request.query.getall("dryRun", []))
        current = self.store.get(t.kind.kind, ns, t.name or "")
        namespaces.admit_delete(t.kind, t.name or "")
        if opts.dry_run:
            left = deleting.dry_run(t.kind, current, opts, self.clock.now())
        else:
            self.deleted.remember(current, self.clock.now())
            left = self.store.delete(t.kind.kind, ns, t.name or "", opts.grace_period_seconds, opts.propagation, uid=opts.uid)
        return _json(t.encode(deleting.answer(t.kind, current, left)))

    def _delete_collection(self, request: web.Request, t: Target, body: Any) -> web.Response:
        """Every selected object, deleted with the same options; the answer lists them (upstream's
        ``DeleteCollection`` returns the selected items)."""
        opts = deleting.parse(body, request.query, request.query.getall("dryRun", []))
        sel, fs = self._selectors(request)
        selected = [o for o in self.store.list(t.kind.kind, t.namespace, sel, fs.name) if fs.matches(o)]
        for obj in selected:
            namespaces.admit_delete(t.kind, obj["metadata"]["name"])
        if not opts.dry_run:
            for obj in selected:
                md = obj["metadata"]
                if self.store.try_get(t.kind.kind, md.get("namespace", ""), md["name"]) is not None:
                    self.store.delete(t.kind.kind, md.get("namespace", ""), md["name"], opts.grace_period_seconds, opts.propagation)
        rv = str(self.store.resource_version)
        return _json({"kind": f"{t.kind.kind}List", "apiVersion": t.api_version, "metadata": {"resourceVersion": rv}, "items": [t.encode(o) for o in selected]})

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
        line = self._event_encoder(request, t)
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

    def _event_encoder(self, request: web.Request, t: Target) -> Callable[[WatchEvent], bytes]:
        """Watch events as they are, or each object as a one-row Table when tables were asked for
        (``kubectl get -w`` prints the rows of its first listing and of every event alike)."""
        if not _wants_table(request):
            return lambda e: json.dumps({"type": e.type, "object": t.encode(e.object)}).encode() + b"\n"
        include = request.query.get("includeObject", "Metadata")

        def as_table(e: WatchEvent) -> bytes:
            table = to_table([e.object], self.clock.now(), str(e.resource_version), include)
            return json.dumps({"type": e.type, "object": table}).encode() + b"\n"

        return as_table


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


async def _optional_json(request: web.Request) -> Any:
    """A DELETE's body: its JSON, or None when there is none."""
    raw = await request.read()
    return json.loads(raw) if raw.strip() else None


