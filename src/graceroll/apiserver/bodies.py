"""Request bodies: JSON (keeping track of keys given twice) or Kubernetes protobuf.

Python's JSON decoder keeps the last of two equal keys silently; upstream's strict decoder reports
them (``duplicate field "spec.replicas"``), so the keys are collected while decoding and their
paths reported beside the object, for ``fieldValidation``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from graceroll.apiserver.protobuf.decode import CONTENT_TYPE as PROTOBUF
from graceroll.apiserver.protobuf.decode import decode_object
from graceroll.errors import UsageError


@dataclass(frozen=True)
class Body:
    obj: Any
    duplicates: tuple[str, ...] = ()  # field paths given more than once ("spec.replicas")


def parse(raw: bytes, content_type: str) -> Body:
    """The object in a create or update body of ``content_type``."""
    if content_type == PROTOBUF:
        return Body(decode_object(raw))
    seen: dict[int, list[str]] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        twice = []
        for k, v in items:
            if k in out:
                twice.append(k)
            out[k] = v
        if twice:
            seen[id(out)] = twice
        return out

    try:
        obj = json.loads(raw or b"null", object_pairs_hook=pairs)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"the request body is not valid JSON: {e}") from None
    return Body(obj, tuple(_paths(obj, "", seen)) if seen else ())


def _paths(value: Any, prefix: str, seen: dict[int, list[str]]) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        found += [f"{prefix}.{k}" if prefix else k for k in seen.get(id(value), [])]
        for k, v in value.items():
            found += _paths(v, f"{prefix}.{k}" if prefix else k, seen)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, f"{prefix}[{i}]", seen)
    return found
