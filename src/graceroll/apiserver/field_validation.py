"""``fieldValidation``: what happens to unknown and duplicate fields in a create, update or patch.

As upstream (``k8s.io/apiserver`` handlers, KEP-2885):

- ``Strict``: the request fails with 400 BadRequest, ``strict decoding error: unknown field
  "spec.foo", duplicate field "spec.replicas"`` (create and update prefix it with ``Deployment in
  version "v1" cannot be handled as a Deployment:``); kubectl 1.27+ asks for this by default.
- ``Warn`` (the default without the parameter): the fields are dropped (a duplicate keeps its last
  value) and each is reported in a ``Warning: 299 - "unknown field \\"spec.foo\\""`` header, which
  kubectl prints as ``Warning: unknown field "spec.foo"``.
- ``Ignore``: the fields are dropped silently.

Unknown means not declared by the kind's model (``api.structure``): free-form maps (labels,
annotations, ``resources``, ``status``) have no unknown keys. A kind without a model but with a
``prune`` hook (the BCS Mesos formats, ``api.unknown_fields``) has its keys checked by that hook,
which also gives keys their spelling and names the nearest known key; other kinds accept anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from graceroll.api import kinds
from graceroll.api.structure import ModelValidator, unknown_fields, without
from graceroll.errors import UsageError

Directive = Literal["Ignore", "Warn", "Strict"]
DIRECTIVES: tuple[Directive, ...] = ("Ignore", "Warn", "Strict")
Obj = dict[str, Any]


@dataclass(frozen=True)
class Checked:
    obj: Obj
    warnings: tuple[str, ...] = ()


def directive(value: str | None) -> Directive:
    if value in (None, ""):
        return "Warn"
    for d in DIRECTIVES:
        if value == d:
            return d
    raise UsageError(f'fieldValidation: Unsupported value: "{value}": supported values: "Ignore", "Warn", "Strict"')


def check(d: Directive, kind: kinds.Kind, obj: Obj, duplicates: Sequence[str], decoding: bool) -> Checked:
    """``obj`` under directive ``d``; ``decoding``: a create or update body (not a patched object)."""
    if isinstance(kind.validate, ModelValidator):
        unknown = unknown_fields(kind.validate.model, obj)
        cleaned = without(obj, [loc for _, loc in unknown]) if unknown else obj
        found = [f'unknown field "{path}"' for path, _ in unknown]
    elif kind.prune is not None:
        cleaned, pruned = kind.prune(obj)
        found = [str(u) for u in pruned]
    else:
        cleaned, found = obj, []
    problems = found + [f'duplicate field "{path}"' for path in duplicates]
    if not problems:
        return Checked(cleaned)
    if d == "Strict":
        message = "strict decoding error: " + ", ".join(problems)
        if decoding:
            message = f'{kind.kind} in version "{kind.version}" cannot be handled as a {kind.kind}: {message}'
        raise UsageError(message)
    return Checked(cleaned, tuple(problems) if d == "Warn" else ())


def warning_header(text: str) -> str:
    """A ``Warning`` header value (RFC 7234: code 299, agent ``-``, quoted text)."""
    return '299 - "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
