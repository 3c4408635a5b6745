"""The ``Store`` interface over the engine's Kubernetes-style HTTP API (what the CLI uses).

Errors come back as ``Status`` objects and are turned back into the same exceptions the local
store raises, so the verbs behave identically against either.
"""

from __future__ import annotations

import builtins
import json
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from graceroll.api import kinds
from graceroll.api.selectors import Selector
from graceroll.errors import (
    AlreadyExists,
    Conflict,
    FieldError,
    Forbidden,
    GracerollError,
    Invalid,
    NotFound,
    UsageError,
)
from graceroll.store.base import Expired, WatchEvent
from graceroll.store.deletion import Propagation, gone_after_delete

Obj = dict[str, Any]
_CAUSE_TYPES = {
    "FieldValueRequired": "Required value",
    "FieldValueInvalid": "Invalid value",
    "FieldValueNotSupported": "Unsupported value",
    "FieldValueForbidden": "Forbidden",
    "FieldValueDuplicate": "Duplicate value",
}


class EngineUnreachable(GracerollError):
    """No engine answered at the address; start one with ``graceroll up``."""


def trusting(ca_file: Path) -> ssl.SSLContext:
    """A client context that trusts the engine's self-signed certificate."""
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except FileNotFoundError:
        raise UsageError(f"certificate authority file {ca_file} does not exist") from None
    except (ssl.SSLError, OSError) as e:
        raise UsageError(f"certificate authority file {ca_file} holds no PEM certificate ({getattr(e, 'reason', None) or e})") from None


def check_server_url(server: str) -> str:
    """``--server`` must be an http(s) URL with a host."""
    parsed = httpx.URL(server) if "://" in server else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(f'--server must be an https:// URL such as https://127.0.0.1:7443 (got "{server}")')
    return server


def transport_error(e: httpx.HTTPError, server: str) -> GracerollError:
    """What went wrong on the way to the engine, in one line that says what to do."""
    text = str(e) or type(e).__name__
    if isinstance(e, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in text:
        return GracerollError(f"the certificate of {server} is not trusted ({text.split('] ')[-1]}): pass the engine's tls.crt with --certificate-authority")
    if isinstance(e, httpx.ConnectError):
        return EngineUnreachable(f"no engine answers at {server} (start one with: graceroll up)")
    if isinstance(e, httpx.TimeoutException):
        return GracerollError(f"the engine at {server} did not answer in time")
    if isinstance(e, httpx.UnsupportedProtocol):
        return UsageError(f'--server must be an https:// URL such as https://127.0.0.1:7443 (got "{server}")')
    if isinstance(e, (httpx.RemoteProtocolError, httpx.ProtocolError)) and server.startswith("http://"):
        return GracerollError(f"{server} did not answer over plain HTTP: the engine speaks HTTPS (use https://)")
    return GracerollError(f"the request to {server} failed: {text}")


class HttpStore:
    def __init__(
        self,
        server: str,
        token: str = "",
        timeout: float = 30.0,
        verify: ssl.SSLContext | bool = True,
        *,
        client: httpx.Client | None = None,
    ) -> None:
        """``verify``: the TLS context to trust (see ``trusting``), True for the system's CAs.

        ``client``: a ready client (base URL, TLS, client certificate, auth) for servers that need
        more than a bearer token, such as a real cluster (``operator.connection``).
        """
        self.server = server.rstrip("/")
        self._http = client or httpx.Client(base_url=self.server, headers={"Authorization": f"Bearer {token}"}, timeout=timeout, verify=verify)

    def close(self) -> None:
        self._http.close()

    # ---- paths -------------------------------------------------------------------------------
    @staticmethod
    def path(kind: str, namespace: str | None = None, name: str | None = None, sub: str | None = None) -> str:
        k = kinds.by_kind(kind)
        base = f"/api/{k.version}" if not k.group else f"/apis/{k.group}/{k.version}"
        if k.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{k.plural}"
        if name:
            base += f"/{name}"
        if sub:
            base += f"/{sub}"
        return base

    def request(self, method: str, path: str, **kw: Any) -> Any:
        try:
            r = self._http.request(method, path, **kw)
        except httpx.HTTPError as e:
            raise transport_error(e, self.server) from e
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") and r.content else r.text
        if r.status_code >= 400:
            raise _error(body, r.status_code)
        return body

    # ---- Store -------------------------------------------------------------------------------
    @property
    def resource_version(self) -> int:
        return int(self.request("GET", self.path("Event"))["metadata"].get("resourceVersion") or 0)

    def get(self, kind: str, namespace: str, name: str) -> Obj:
        obj: Obj = self.request("GET", self.path(kind, namespace, name))
        return obj

    def try_get(self, kind: str, namespace: str, name: str) -> Obj | None:
        try:
            return self.get(kind, namespace, name)
        except NotFound:
            return None

    def list(self, kind: str, namespace: str | None = None, selector: Selector | None = None, name: str | None = None) -> list[Obj]:
        return self.list_at(kind, namespace, selector, name)[0]

    def list_at(self, kind: str, namespace: str | None = None, selector: Selector | None = None, name: str | None = None) -> tuple[builtins.list[Obj], int]:
        """The items and the list's resourceVersion, where a watch of the same kind resumes."""
        params = {}
        if selector is not None and not selector.empty:
            params["labelSelector"] = str(selector)
        if name is not None:
            params["fieldSelector"] = f"metadata.name={name}"
        body = self.request("GET", self.path(kind, namespace), params=params)
        items: builtins.list[Obj] = body["items"]
        api_version = kinds.by_kind(kind).api_version
        for o in items:  # list items omit kind/apiVersion in Kubernetes; put them back
            o.setdefault("kind", kind)
            o.setdefault("apiVersion", api_version)
        return items, int((body.get("metadata") or {}).get("resourceVersion") or 0)

    def list_owned(self, kind: str, owner_uid: str) -> builtins.list[Obj]:
        return [o for o in self.list(kind) if any(r.get("uid") == owner_uid for r in o["metadata"].get("ownerReferences") or [])]

    def create(self, obj: Obj) -> Obj:
        ns = obj.get("metadata", {}).get("namespace") or "default"
        created: Obj = self.request("POST", self.path(obj["kind"], ns), json=obj)
        return created

    def update(self, obj: Obj) -> Obj:
        md = obj["metadata"]
        out: Obj = self.request("PUT", self.path(obj["kind"], md.get("namespace") or "default", md["name"]), json=obj)
        return out

    def update_status(self, obj: Obj) -> Obj:
        md = obj["metadata"]
        out: Obj = self.request("PUT", self.path(obj["kind"], md.get("namespace") or "default", md["name"], "status"), json=obj)
        return out

    def patch(self, kind: str, namespace: str, name: str, patch: Any, patch_type: str) -> Obj:
        ctype = {"json": "application/json-patch+json", "merge": "application/merge-patch+json", "strategic": "application/strategic-merge-patch+json"}[patch_type]
        out: Obj = self.request("PATCH", self.path(kind, namespace, name), content=json.dumps(patch), headers={"Content-Type": ctype})
        return out

    def delete(
        self,
        kind: str,
        namespace: str,
        name: str,
        grace_period_seconds: int | None = None,
        propagation: Propagation = "Background",
        uid: str | None = None,
    ) -> Obj | None:
        """The object while it is marked for deletion; None once it is gone (a Status, or the
        last state of an object the server returns on delete)."""
        options: Obj = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation}
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if uid is not None:
            options["preconditions"] = {"uid": uid}
        out = self.request("DELETE", self.path(kind, namespace, name), json=options)
        return None if gone_after_delete(out) else out

    def logs(
        self,
        namespace: str,
        pod: str,
        container: str | None = None,
        tail: int | None = None,
        follow: bool = False,
        options: dict[str, str] | None = None,
    ) -> Iterator[bytes]:
        """The log stream; ``options`` are further PodLogOptions (previous, sinceSeconds, ...)."""
        params: dict[str, str] = dict(options or {})
        if container:
            params["container"] = container
        if tail is not None:
            params["tailLines"] = str(tail)
        if follow:
            params["follow"] = "true"
        try:
            with self._http.stream("GET", self.path("Pod", namespace, pod, "log"), params=params, timeout=None) as r:
                if r.status_code >= 400:
                    r.read()
                    raise _error(r.json(), r.status_code)
                yield from r.iter_bytes()
        except httpx.HTTPError as e:
            raise transport_error(e, self.server) from e

    def watch(
        self,
        kind: str,
        namespace: str | None = None,
        name: str | None = None,
        resource_version: str = "",
        timeout: float = 3600,
        on_open: Callable[[httpx.Response], None] | None = None,
    ) -> Iterator[WatchEvent]:
        """``on_open`` receives the open response, so another thread can end a blocked read."""
        params = {"watch": "true", "timeoutSeconds": str(int(timeout))}
        if name:
            params["fieldSelector"] = f"metadata.name={name}"
        if resource_version:
            params["resourceVersion"] = resource_version
        try:
            with self._http.stream("GET", self.path(kind, namespace), params=params, timeout=httpx.Timeout(30.0, read=timeout + 30)) as r:
                if r.status_code >= 400:
                    r.read()
                    raise _error(r.json(), r.status_code)
                if on_open is not None:
                    on_open(r)
                for line in r.iter_lines():
                    if not line:
                        continue
                    ev = json.loads(line)
                    if ev["type"] == "ERROR":
                        raise _error(ev["object"], int(ev["object"].get("code", 500)))
                    obj = ev["object"]
                    yield WatchEvent(ev["type"], obj, int(obj["metadata"].get("resourceVersion") or 0))
        except httpx.ConnectError as e:
            raise transport_error(e, self.server) from e


def _error(body: Any, code: int) -> GracerollError:
    if not isinstance(body, dict):
        return GracerollError(f"the engine answered {code}: {str(body)[:200]}")
    reason = body.get("reason", "")
    details = body.get("details") or {}
    message = body.get("message") or f"the engine answered {code}"
    kind, name = details.get("kind", ""), details.get("name", "")
    if code == 401:
        return GracerollError("Unauthorized: the token does not match this engine (check GRACEROLL_TOKEN or --data-dir)")
    if reason == "NotFound":
        err: GracerollError = NotFound(kind, name)
        err.args = (message,)
        return err
    if reason == "AlreadyExists":
        err = AlreadyExists(kind, name)
        err.args = (message,)
        return err
    if code == 410 or reason == "Expired":  # the watch cannot resume from that version: list again
        return Expired(message)
    if reason == "Forbidden":
        forbidden = Forbidden(kind, name, message)
        forbidden.args = (message,)
        return forbidden
    if reason == "Conflict":
        return Conflict(kind, name, message.split(": ", 1)[-1])
    if reason == "Invalid":
        causes = [FieldError(c.get("field", ""), _CAUSE_TYPES.get(c.get("reason", ""), "Invalid value"), c.get("message", "")) for c in details.get("causes") or []]
        inv = Invalid(details.get("kind", kind), name, causes)
        inv.args = (message,)
        return inv
    if code == 400:
        return UsageError(message)
    return GracerollError(message)
