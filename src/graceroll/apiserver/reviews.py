"""Who the caller is and what it may do: the review objects ``kubectl auth`` creates.

The engine has one credential, the bearer token of the data dir, and its holder may do
everything (as a member of ``system:masters`` on a real cluster). So:

- ``SelfSubjectAccessReview`` (``kubectl auth can-i VERB RESOURCE``) is always ``allowed: true``;
- ``SelfSubjectRulesReview`` (``kubectl auth can-i --list``) lists one rule allowing every verb
  on every resource and non-resource URL;
- ``SelfSubjectReview`` (``kubectl auth whoami``) names the user ``USER`` in ``GROUPS``.

The answers are the request with ``status`` filled in, as upstream; nothing is stored.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from graceroll.apiserver import bodies
from graceroll.apiserver.status import from_error
from graceroll.errors import GracerollError, UsageError

Obj = dict[str, Any]
USER = "graceroll-admin"
GROUPS = ["system:masters", "system:authenticated"]
REASON = "the engine's token may do everything"

# resource (plural) -> (group, versions, kind)
RESOURCES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "selfsubjectaccessreviews": ("authorization.k8s.io", ("v1",), "SelfSubjectAccessReview"),
    "selfsubjectrulesreviews": ("authorization.k8s.io", ("v1",), "SelfSubjectRulesReview"),
    "selfsubjectreviews": ("authentication.k8s.io", ("v1", "v1beta1"), "SelfSubjectReview"),
}


def find(group: str, version: str, plural: str) -> str | None:
    """The review kind served at ``/apis/<group>/<version>/<plural>``, if any."""
    entry = RESOURCES.get(plural)
    if entry is None or entry[0] != group or version not in entry[1]:
        return None
    return entry[2]


def answer(kind: str, api_version: str, body: Obj) -> Obj:
    """The review ``body`` with its ``status`` as the engine decides it."""
    if body.get("kind", kind) != kind:
        raise UsageError(f'the body is a {body.get("kind")}, the path a {kind}')
    given = body.get("spec")
    spec: Obj = given if isinstance(given, dict) else {}
    out: Obj = {"kind": kind, "apiVersion": api_version, "metadata": {"creationTimestamp": None}}
    if kind == "SelfSubjectAccessReview":
        if not spec.get("resourceAttributes") and not spec.get("nonResourceAttributes"):
            raise UsageError("spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified")
        return out | {"spec": spec, "status": {"allowed": True, "reason": REASON}}
    if kind == "SelfSubjectRulesReview":
        return out | {
            "spec": spec,
            "status": {
                "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                "incomplete": False,
            },
        }
    return out | {"status": {"userInfo": {"username": USER, "groups": list(GROUPS)}}}


def discovery_groups() -> dict[str, list[str]]:
    """Group -> versions of the review resources, for the discovery documents."""
    out: dict[str, list[str]] = {}
    for group, versions, _ in RESOURCES.values():
        for v in versions:
            if v not in out.setdefault(group, []):
                out[group].append(v)
    return out


def discovery_resources(group: str, version: str) -> list[Obj]:
    return [
        {"name": plural, "singularName": kind.lower(), "namespaced": False, "kind": kind, "verbs": ["create"]}
        for plural, (g, versions, kind) in RESOURCES.items()
        if g == group and version in versions
    ]


async def handle(request: web.Request) -> web.Response:
    """``POST /apis/<group>/<version>/<review plural>`` (JSON or protobuf): the answered review."""
    _, group, version, plural = request.path.strip("/").split("/")
    try:
        body = bodies.parse(await request.read(), request.content_type).obj
        if not isinstance(body, dict):
            raise UsageError("the request body must be a JSON object")
        out, code = answer(RESOURCES[plural][2], f"{group}/{version}", body), 201
    except GracerollError as e:
        out = from_error(e)
        code = out["code"]
    return web.Response(status=code, body=json.dumps(out).encode(), content_type="application/json")
