"""Fields a document has that its kind does not know: found, named with the nearest known key, dropped.

Kubernetes answers such a field with a warning (``fieldValidation=Warn``, its default): the object
is stored without it and the response carries ``Warning: 299 - "unknown field ..."``. Go's
``encoding/json``, which bcs-client's formats are read with, drops such a key silently — so a typo
(``upgradeDuraton``) quietly keeps the default. A kind that describes its fields (``Fields``) gets
the warning instead; keys match case-insensitively, as ``encoding/json`` matches them, and the
nearest known key is found with ``difflib``.

Example: ``prune({"spec": {"instanse": 2}}, {"spec": {"instance": ANY}})`` gives ``({"spec": {}},
[UnknownField("spec.instanse", "instance")])``, printed ``unknown field "spec.instanse" (did you
mean "instance"?)``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, TypeAlias

ANY = None  # a value whose keys are not checked: a scalar, a list of scalars, or a map of free keys (labels)


@dataclass(frozen=True)
class ListOf:
    """A list whose items are objects with these fields."""

    item: Fields


Fields: TypeAlias = "dict[str, Fields | ListOf | None]"


@dataclass(frozen=True)
class UnknownField:
    path: str  # as written in the document: spec.strategy.rollingupdate.upgradeDuraton
    nearest: str | None = None  # the known key it most resembles

    def __str__(self) -> str:
        hint = f' (did you mean "{self.nearest}"?)' if self.nearest else ""
        return f'unknown field "{self.path}"{hint}'


def prune(doc: dict[str, Any], fields: Fields, rename: bool = False) -> tuple[dict[str, Any], list[UnknownField]]:
    """A copy of ``doc`` without its unknown keys, and those keys. ``rename``: known keys take the
    field's spelling (``Rollingupdate`` → ``rollingupdate``), as a Go struct decoded and encoded again."""
    unknown: list[UnknownField] = []
    return _object(doc, fields, "", rename, unknown), unknown


def _object(value: dict[str, Any], fields: Fields, path: str, rename: bool, unknown: list[UnknownField]) -> dict[str, Any]:
    spelled = {k.lower(): k for k in fields}
    out: dict[str, Any] = {}
    for key, v in value.items():
        at = f"{path}.{key}" if path else str(key)
        name = key if key in fields else spelled.get(str(key).lower())
        if name is None:
            unknown.append(UnknownField(at, _nearest(str(key), spelled)))
            continue
        out[name if rename else key] = _value(v, fields[name], at, rename, unknown)
    return out


def _value(value: Any, node: Fields | ListOf | None, path: str, rename: bool, unknown: list[UnknownField]) -> Any:
    if isinstance(node, dict) and isinstance(value, dict):
        return _object(value, node, path, rename, unknown)
    if isinstance(node, ListOf) and isinstance(value, list):
        return [_object(v, node.item, f"{path}[{i}]", rename, unknown) if isinstance(v, dict) else v for i, v in enumerate(value)]
    return value  # a free value, or one of the wrong shape (validation says so)


def _nearest(key: str, spelled: dict[str, str]) -> str | None:
    close = difflib.get_close_matches(key.lower(), list(spelled), n=1, cutoff=0.6)
    return spelled[close[0]] if close else None
