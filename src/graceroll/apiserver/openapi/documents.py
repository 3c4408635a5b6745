"""The OpenAPI documents: ``/openapi/v2`` (one document) and ``/openapi/v3`` (an index of one
document per group version, ``/openapi/v3/apis/<group>/<version>``), from the kind registry.

What kubectl reads in them, and so what they must hold:

- the PATCH operation of each kind lists the ``fieldValidation`` query parameter: kubectl then
  validates on the server (``fieldValidation=Strict``) instead of client-side
  (``cli-runtime`` ``QueryParamVerifierV3``);
- its request body lists JSON patch and merge patch, *not* strategic merge patch, though the
  server applies all three: ``kubectl apply`` then computes the strategic merge patch of a built-in
  kind from its own compiled-in types, exactly as upstream's (``kubectl/pkg/cmd/apply/
  patcher.go`` falls back to them), and a merge patch for the custom kinds, as for CRDs. Computing
  it from these schemas instead would fail wherever a model leaves a field free-form (``resources``,
  ``volumes``, ``affinity``: "unable to find api field");
- every operation carries ``x-kubernetes-group-version-kind`` and ``x-kubernetes-action``, and every
  kind's component schema its ``x-kubernetes-group-version-kind`` list: ``kubectl explain`` finds
  the kind by its collection path, then the schema by that extension (``explain/v2`` templates).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from graceroll.api import kinds
from graceroll.apiserver.openapi.schemas import PATCH, SCALE, STATUS, Catalogue, Spec, gvk, render

Obj = dict[str, Any]
JSON = "application/json"
PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json"]


def _query(name: str, description: str, kind: str = "string") -> Obj:
    return {"name": name, "in": "query", "description": description, "schema": {"type": kind, "uniqueItems": True}}


DRY_RUN = _query("dryRun", "When present, indicates that modifications should not be persisted. The only valid value is All.")
FIELD_MANAGER = _query("fieldManager", "A name associated with the actor or entity that is making these changes.")
FIELD_VALIDATION = _query(
    "fieldValidation",
    "How the server handles unknown and duplicate fields: Ignore (drop them), Warn (drop them with a "
    "warning header; the default) or Strict (fail the request).",
)
FORCE = _query("force", "Server-side apply is not served: this parameter is accepted and ignored.", "boolean")
LIST_PARAMS = [
    _query("labelSelector", "A selector to restrict the list of returned objects by their labels."),
    _query("fieldSelector", "A selector to restrict the list of returned objects by their fields."),
    _query("resourceVersion", "With watch: where the watch starts."),
    _query("timeoutSeconds", "Timeout for the list/watch call.", "integer"),
    _query("watch", "Watch for changes to the described resources and return them as a stream of events.", "boolean"),
]
DELETE_PARAMS = [
    DRY_RUN,
    _query("gracePeriodSeconds", "The duration in seconds before the object should be deleted.", "integer"),
    _query("propagationPolicy", "Whether and how garbage collection is performed: Orphan, Background or Foreground."),
]
WRITE_PARAMS = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION]


def group_versions(served: Iterable[kinds.Kind]) -> dict[str, list[kinds.Kind]]:
    """``api/v1`` / ``apis/<group>/<version>`` -> the kinds served there."""
    out: dict[str, list[kinds.Kind]] = {}
    for k in served:
        key = f"api/{k.version}" if not k.group else f"apis/{k.group}/{k.version}"
        out.setdefault(key, []).append(k)
    return out


def v3_index(docs: dict[str, bytes]) -> Obj:
    """The ``/openapi/v3`` index; each URL carries its document's hash, so clients never cache a stale one."""
    return {
        "paths": {
            gv: {"serverRelativeURL": f"/openapi/v3/{gv}?hash={hashlib.sha512(body).hexdigest()[:128].upper()}"}
            for gv, body in sorted(docs.items())
        }
    }


def v3_group(cat: Catalogue, served: list[kinds.Kind], title_version: str) -> Obj:
    paths: Obj = {}
    for k in served:
        paths.update(_paths(cat, k, "v3"))
    roots = [cat.root(k) for k in served] + [f"{cat.root(k)}List" for k in served] + [STATUS, PATCH]
    if any(k.replicas_field for k in served):
        roots.append(SCALE)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": title_version},
        "paths": paths,
        "components": {"schemas": render(cat.reachable(roots), "v3")},
    }


def v2(cat: Catalogue, served: list[kinds.Kind], title_version: str) -> Obj:
    paths: Obj = {}
    for k in served:
        paths.update(_paths(cat, k, "v2"))
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": title_version},
        "paths": paths,
        "definitions": render(dict(sorted(cat.schemas.items())), "v2"),
    }


def encoded(doc: Obj) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


# ---- paths and operations ----------------------------------------------------------------------


def _paths(cat: Catalogue, k: kinds.Kind, spec: Spec) -> Obj:
    base = f"/api/{k.version}" if not k.group else f"/apis/{k.group}/{k.version}"
    scope = f"{base}/namespaces/{{namespace}}" if k.namespaced else base
    name_param = {"name": "name", "in": "path", "required": True, "description": f"name of the {k.kind}", "schema": {"type": "string"}}
    ns_param = {"name": "namespace", "in": "path", "required": True, "description": "object name and auth scope", "schema": {"type": "string"}}
    scoped = [ns_param] if k.namespaced else []
    one = cat.root(k)
    ops = _Ops(k, spec)
    out: Obj = {
        f"{scope}/{k.plural}": {
            "get": ops.op("list", f"list or watch objects of kind {k.kind}", LIST_PARAMS, f"{one}List"),
            "post": ops.op("post", f"create a {k.kind}", WRITE_PARAMS, one, body=one, created=True),
            "delete": ops.op("deletecollection", f"delete collection of {k.kind}", LIST_PARAMS[:2], STATUS),
            "parameters": scoped,
        },
        f"{scope}/{k.plural}/{{name}}": {
            "get": ops.op("get", f"read the specified {k.kind}", [], one),
            "put": ops.op("put", f"replace the specified {k.kind}", WRITE_PARAMS, one, body=one),
            "patch": ops.op("patch", f"partially update the specified {k.kind}", [*WRITE_PARAMS, FORCE], one, patch=True),
            "delete": ops.op("delete", f"delete a {k.kind}", DELETE_PARAMS, STATUS),
            "parameters": [name_param, *scoped],
        },
    }
    if k.namespaced:
        out[f"{base}/{k.plural}"] = {"get": ops.op("list", f"list or watch objects of kind {k.kind} in every namespace", LIST_PARAMS, f"{one}List")}
    if k.has_status:
        out[f"{scope}/{k.plural}/{{name}}/status"] = {
            "get": ops.op("get", f"read status of the specified {k.kind}", [], one),
            "put": ops.op("put", f"replace status of the specified {k.kind}", WRITE_PARAMS, one, body=one),
            "patch": ops.op("patch", f"partially update status of the specified {k.kind}", [*WRITE_PARAMS, FORCE], one, patch=True),
            "parameters": [name_param, *scoped],
        }
    if k.replicas_field:
        scale = _Ops(k, spec, {"group": "autoscaling", "kind": "Scale", "version": "v1"})
        out[f"{scope}/{k.plural}/{{name}}/scale"] = {
            "get": scale.op("get", f"read scale of the specified {k.kind}", [], SCALE),
            "put": scale.op("put", f"replace scale of the specified {k.kind}", WRITE_PARAMS, SCALE, body=SCALE),
            "patch": scale.op("patch", f"partially update scale of the specified {k.kind}", [*WRITE_PARAMS, FORCE], SCALE, patch=True),
            "parameters": [name_param, *scoped],
        }
    if spec == "v2":
        for item in out.values():
            item["parameters"] = [_v2_parameter(p) for p in item.get("parameters", [])]
    return out


class _Ops:
    def __init__(self, k: kinds.Kind, spec: Spec, kind_gvk: Obj | None = None) -> None:
        self.k = k
        self.spec = spec
        self.gvk = kind_gvk or gvk(k)

    def op(self, action: str, description: str, params: list[Obj], answer: str, body: str | None = None, patch: bool = False, created: bool = False) -> Obj:
        k = self.k
        verb = {"list": "list", "post": "create", "deletecollection": "deleteCollection", "get": "read", "put": "replace", "patch": "patch", "delete": "delete"}[action]
        ident = f"{verb}{_camel(k.group)}{k.version.capitalize()}{'Namespaced' if k.namespaced else ''}{k.kind}"
        consumes = list(PATCH_TYPES)
        responses: Obj = {"200": _response("OK", answer, self.spec)}
        if created:
            responses["201"] = _response("Created", answer, self.spec)
        responses["401"] = {"description": "Unauthorized"}
        op: Obj = {
            "tags": [f"{_camel(k.group) or 'core'}_{k.version}"],
            "description": description,
            "operationId": ident,
            "responses": responses,
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": dict(self.gvk),
        }
        if self.spec == "v3":
            op["parameters"] = list(params)
            if body is not None or patch:
                ref = {"$ref": f"#/components/schemas/{PATCH if patch else body}"}
                op["requestBody"] = {"content": {t: {"schema": ref} for t in (consumes if patch else [JSON])}, "required": True}
        else:
            op["consumes"] = consumes if patch else ["*/*"]
            op["produces"] = [JSON]
            op["parameters"] = [_v2_parameter(p) for p in params]
            if body is not None or patch:
                op["parameters"].insert(0, {"name": "body", "in": "body", "required": True, "schema": {"$ref": f"#/definitions/{PATCH if patch else body}"}})
        return op


def _response(description: str, schema: str, spec: Spec) -> Obj:
    if spec == "v3":
        return {"description": description, "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
    return {"description": description, "schema": {"$ref": f"#/definitions/{schema}"}}


def _v2_parameter(p: Obj) -> Obj:
    """A v3 parameter (``schema: {type}``) as v2 writes it (``type`` beside the name)."""
    out: Obj = {k: v for k, v in p.items() if k != "schema"}
    out.update(p.get("schema") or {"type": "string"})
    return out


def _camel(group: str) -> str:
    return "".join(part.capitalize() for part in group.replace("-", ".").split(".") if part)

