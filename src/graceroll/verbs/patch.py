"""``patch``: change an object with a JSON Patch (RFC 6902), a JSON merge patch (RFC 7386) or a
strategic merge patch, as ``kubectl patch --type json|merge|strategic`` does.

``apply_patch`` is the pure part, shared with the API server's PATCH endpoints; ``patch`` reads
the object, patches it, admits the result as an update (defaults, validation, immutable selector)
and stores it. Status cannot be changed this way: the main endpoint keeps the stored status.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch
import jsonpointer
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from graceroll.api.admission import admit
from graceroll.api.meta import Obj, clone
from graceroll.errors import UsageError
from graceroll.store.base import Store
from graceroll.verbs.record import record
from graceroll.verbs.strategic import strategic_merge
from graceroll.verbs.target import Target, changed

PATCH_TYPES = ("json", "merge", "strategic")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: maps merge key by key, ``null`` removes a key, everything else (lists too) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_patch(obj: Obj, patch: Any, patch_type: str) -> Obj:
    """A patched copy of ``obj``; ``patch`` is already parsed JSON. Raises ``UsageError`` for a bad patch."""
    current = clone(obj)
    if patch_type == "json":
        if not isinstance(patch, list):
            raise UsageError("a JSON patch must be a list of operations")
        try:
            result: Any = jsonpatch.apply_patch(current, patch)
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as e:
            raise UsageError(f"unable to apply the JSON patch: {e}") from e
    elif patch_type == "merge":
        result = merge_patch(current, patch)
    elif patch_type == "strategic":
        if not isinstance(patch, dict):
            raise UsageError("a strategic merge patch must be a JSON object")
        result = strategic_merge(current, patch)
    else:
        raise UsageError(f'--type must be one of {list(PATCH_TYPES)}, not "{patch_type}"')
    if not isinstance(result, dict):
        raise UsageError("the patched object is not a JSON object")
    return result


def parse_patch(text: str) -> Any:
    """``-p`` text: JSON, or YAML as kubectl also accepts it."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return _plain(YAML(typ="safe", pure=True).load(text))
    except YAMLError as e:
        raise UsageError(f'unable to parse "{text}": {str(e).splitlines()[0] if str(e) else type(e).__name__}') from e


def _plain(value: Any) -> Any:
    """YAML values as JSON would have them (timestamps as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def patch(
    store: Store,
    kind: str,
    name: str,
    patch: str | Obj | list[Any],
    patch_type: str = "strategic",
    namespace: str = "default",
    *,
    change_cause: str | None = None,
) -> str:
    """Patch one object; ``deployment.apps/web patched`` or ``… patched (no change)``."""
    if patch_type not in PATCH_TYPES:
        raise UsageError(f'--type must be one of {list(PATCH_TYPES)}, not "{patch_type}"')
    body = parse_patch(patch) if isinstance(patch, str) else patch
    target = Target.of(kind, name, namespace)
    current = target.get(store)
    patched = apply_patch(current, body, patch_type)
    _check_identity(target, current, patched)
    if target.kind.has_status:
        patched.pop("status", None)
        if "status" in current:
            patched["status"] = clone(current["status"])
    new = admit(patched, current)
    if not changed(current, new):
        return f"{target.display} patched (no change)"
    store.update(record(new, change_cause))
    return f"{target.display} patched"


def _check_identity(target: Target, current: Obj, patched: Obj) -> None:
    """A patch may not rename an object or turn it into another kind (the API server refuses it)."""
    md = patched.get("metadata")
    if not isinstance(md, dict) or md.get("name") != target.name:
        raise UsageError(f'the name of the object ({md.get("name") if isinstance(md, dict) else None}) does not match the name on the URL ({target.name})')
    if patched.get("kind") != current.get("kind") or patched.get("apiVersion") != current.get("apiVersion"):
        raise UsageError(f"{target.display}: a patch cannot change kind or apiVersion")
    if (md.get("namespace") or "") != (current["metadata"].get("namespace") or ""):
        raise UsageError(f"{target.display}: a patch cannot change the namespace")
