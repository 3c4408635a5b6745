"""Strategic merge: Kubernetes' list-aware merge, for the kinds graceroll knows.

A JSON merge patch replaces every list whole; a strategic merge patch merges lists of named things
(containers, env, volumes, …) item by item on a merge key, so ``{"containers": [{"name": "app",
"image": "v2"}]}`` changes one image and keeps the other containers. Upstream reads the merge keys
from Go struct tags (``patchMergeKey``); here they are a table over field names
(``kubernetes/api:core/v1/types.go``, ``apps/v1/types.go``). Every list not in the table is atomic.

Two users:

* ``strategic_merge(current, patch)``: ``patch --type strategic``, with the directives ``$patch``
  (``merge``/``replace``/``delete`` on maps and keyed list items), ``$retainKeys``,
  ``$setElementOrder/<list>`` and ``$deleteFromPrimitiveList/<list>``
  (``kubernetes/apimachinery:pkg/util/strategicpatch/patch.go``).
* ``three_way(original, modified, current)``: ``apply``, which changes what the manifest sets,
  removes what an earlier manifest set and this one no longer does, and keeps everything else
  (``CreateThreeWayMergePatch`` followed by the server applying it).

Both return new values and never change their arguments.
"""

from __future__ import annotations

import copy
from typing import Any

from graceroll.errors import UsageError

Path = tuple[str, ...]  # the map keys leading to a value; list positions are left out

CONTAINER_LISTS = frozenset({"containers", "initContainers", "ephemeralContainers"})
MERGE_KEYS: dict[str, str] = {
    **dict.fromkeys(CONTAINER_LISTS, "name"),
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "resourceClaims": "name",
    "topologySpreadConstraints": "topologyKey",
    "ownerReferences": "uid",
    "conditions": "type",
}
# Maps whose strategy is retainKeys: a change keeps only the keys the new value names, so switching
# spec.strategy.type to Recreate also drops the old rollingUpdate block.
RETAIN_KEYS = frozenset({("spec", "strategy")})

_DIRECTIVE = "$patch"
_RETAIN = "$retainKeys"
_ORDER = "$setElementOrder/"
_DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"


def merge_key(path: Path) -> str | None:
    """The key list items at ``path`` merge on; ``None`` for an atomic list.

    ``ports`` is the one name with two keys: containerPort in a container, port in a Service.
    """
    if not path:
        return None
    field = path[-1]
    if field == "ports":
        return "containerPort" if len(path) >= 2 and path[-2] in CONTAINER_LISTS else "port"
    return MERGE_KEYS.get(field)


# ---- two-way: current + strategic merge patch --------------------------------------------------
class _Deleted:
    """Returned for a map carrying ``$patch: delete``: its parent removes it."""


_DELETED = _Deleted()


def strategic_merge(current: Any, patch: Any, path: Path = ()) -> Any:
    """``current`` with a strategic merge patch applied."""
    result = _merge_map(current, patch, path)
    return {} if isinstance(result, _Deleted) else result


def _merge_map(current: Any, patch: Any, path: Path) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    base: dict[str, Any] = current if isinstance(current, dict) else {}
    directive = patch.get(_DIRECTIVE, "merge")
    if directive == "delete":
        return _DELETED
    if directive == "replace":
        return _strip(patch)
    if directive != "merge":
        raise UsageError(f'unknown patch directive "{directive}" at {_where(path)}')
    result = dict(base)
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = _merge_map(base.get(key), value, (*path, key))
            if isinstance(merged, _Deleted):
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(base.get(key), value, (*path, key))
        else:
            result[key] = value
    for key, value in patch.items():
        if key.startswith(_DELETE_PRIMITIVE):
            field = key[len(_DELETE_PRIMITIVE) :]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = [v for v in result[field] if v not in value]
        elif key.startswith(_ORDER):
            field = key[len(_ORDER) :]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = _ordered(result[field], value, merge_key((*path, field)))
    retain = patch.get(_RETAIN)
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(current: Any, items: list[Any], path: Path) -> list[Any]:
    key = merge_key(path)
    if key is None or not all(isinstance(i, dict) for i in items):
        return [_strip(i) for i in items if not _is_replace_marker(i)]
    replace = any(_is_replace_marker(i) for i in items)
    result: list[Any] = [] if replace or not isinstance(current, list) else list(current)
    for item in items:
        if _is_replace_marker(item):
            continue
        if key not in item:
            raise UsageError(f"map: {_compact(item)} does not contain declared merge key: {key}")
        at = _index(result, key, item[key])
        if item.get(_DIRECTIVE) == "delete":
            if at is not None:
                del result[at]
            continue
        if at is None:
            result.append(_strip(item))
        else:
            merged = _merge_map(result[at], item, path)
            if isinstance(merged, _Deleted):
                del result[at]
            else:
                result[at] = merged
    return result


def _is_replace_marker(item: Any) -> bool:
    return isinstance(item, dict) and item.get(_DIRECTIVE) == "replace" and len(item) == 1


def _index(items: list[Any], key: str, value: Any) -> int | None:
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get(key) == value:
            return i
    return None


def _ordered(items: list[Any], order: list[Any], key: str | None) -> list[Any]:
    """Items named in ``order`` first, in that order; the rest after, as they were."""

    def ident(item: Any) -> Any:
        if key is not None and isinstance(item, dict):
            return item.get(key)
        return item

    wanted = [o.get(key) if key is not None and isinstance(o, dict) else o for o in order]
    first = [i for w in wanted for i in items if ident(i) == w]
    return first + [i for i in items if ident(i) not in wanted]


def _strip(value: Any) -> Any:
    """A deep copy without patch directives."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


# ---- three-way: apply --------------------------------------------------------------------------
def three_way(original: Any, modified: Any, current: Any, path: Path = ()) -> Any:
    """``current`` changed as ``apply`` changes it.

    ``original`` is the last applied manifest (``{}`` when unknown), ``modified`` the new one.
    Fields in ``modified`` win; fields only in ``original`` are removed; fields in neither (set by
    ``scale``, by controllers, by defaulting) stay. Keyed lists do the same item by item.
    """
    if not isinstance(modified, dict) or not isinstance(current, dict):
        return _strip(modified)
    orig: dict[str, Any] = original if isinstance(original, dict) else {}
    result = dict(current)
    for key in orig:
        if key not in modified:
            result.pop(key, None)
    for key, value in modified.items():
        sub = (*path, key)
        now = current.get(key)
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(now, dict):
            result[key] = three_way(orig.get(key), value, now, sub)
        elif isinstance(value, list) and isinstance(now, list) and _keyed(value, merge_key(sub)):
            result[key] = _three_way_list(orig.get(key), value, now, merge_key(sub) or "", sub)
        else:
            result[key] = _strip(value)
    if path in RETAIN_KEYS and result != current:
        result = {k: v for k, v in result.items() if k in modified}
    return result


def _keyed(items: list[Any], key: str | None) -> bool:
    return key is not None and all(isinstance(i, dict) and key in i for i in items)


def _three_way_list(original: Any, modified: list[Any], current: list[Any], key: str, path: Path) -> list[Any]:
    """Items of ``modified`` (merged into their current selves) in its order, then current-only items.

    An item that the last manifest had and this one has not is removed.
    """
    orig_items = {i[key]: i for i in original if isinstance(i, dict) and key in i} if isinstance(original, list) else {}
    wanted = {i[key] for i in modified}
    now = {i[key]: i for i in current if isinstance(i, dict) and key in i}
    result = [three_way(orig_items.get(i[key]), i, now[i[key]], path) if i[key] in now else _strip(i) for i in modified]
    for item in current:
        k = item.get(key) if isinstance(item, dict) else None
        if k not in wanted and k not in orig_items:
            result.append(item)
    return result


def _where(path: Path) -> str:
    return ".".join(path) or "the top level"


def _compact(item: dict[str, Any]) -> str:
    return "map[" + " ".join(f"{k}:{v}" for k, v in item.items()) + "]"
