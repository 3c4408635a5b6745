"""Per-kind table columns for ``get``; a kind without an entry gets NAME and AGE."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graceroll.api import kinds
from graceroll.clock import parse_time
from graceroll.printers.age import human_duration

Obj = dict[str, Any]
Cell = Callable[[Obj, float], str]


@dataclass(frozen=True)
class Table:
    columns: tuple[tuple[str, Cell], ...]
    wide: tuple[tuple[str, Cell], ...] = ()


_TABLES: dict[str, Table] = {}


def register(kind: str, table: Table) -> None:
    _TABLES[kind] = table


def age(obj: Obj, now: float) -> str:
    ts = obj["metadata"].get("creationTimestamp")
    return human_duration(now - parse_time(ts)) if ts else "<unknown>"


def name(obj: Obj, now: float) -> str:
    return str(obj["metadata"]["name"])


def field(*path: str, default: str = "0") -> Cell:
    def cell(obj: Obj, now: float) -> str:
        cur: Any = obj
        for p in path:
            if not isinstance(cur, dict) or p not in cur:
                return default
            cur = cur[p]
        return str(cur)

    return cell


def columns_for(kind: str) -> tuple[tuple[tuple[str, Cell], ...], tuple[tuple[str, Cell], ...]]:
    """(normal, wide) columns of a kind."""
    table = _TABLES.get(kind, Table((("NAME", name), ("AGE", age))))
    return table.columns, table.wide


def render(objs: list[Obj], now: float, wide: bool = False, kind: str | None = None, with_kind: bool = False, with_namespace: bool = False) -> str:
    """A kubectl-style table: columns padded by three spaces, headers upper-case; ``with_namespace``
    puts a NAMESPACE column first (``get -A``)."""
    if not objs:
        return ""
    normal, extra = columns_for(kind or objs[0]["kind"])
    cols = list(normal) + (list(extra) if wide else [])
    if with_namespace:
        cols.insert(0, ("NAMESPACE", lambda o, n: str(o["metadata"].get("namespace") or "")))
    rows = [[h for h, _ in cols]]
    for o in objs:
        row = [fn(o, now) for _, fn in cols]
        if with_kind:  # kubectl's resource.group/name when several types are listed
            row[int(with_namespace)] = f"{kinds.by_kind(o['kind']).qualified}/{row[int(with_namespace)]}"
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
    return "\n".join("   ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def containers_cell(obj: Obj, now: float) -> str:
    tpl = (obj.get("spec") or {}).get("template") or {}
    return ",".join(c.get("name", "") for c in (tpl.get("spec") or {}).get("containers") or [])


def images_cell(obj: Obj, now: float) -> str:
    tpl = (obj.get("spec") or {}).get("template") or {}
    return ",".join(c.get("image", "") for c in (tpl.get("spec") or {}).get("containers") or [])


def selector_cell(obj: Obj, now: float) -> str:
    from graceroll.api.selectors import from_label_selector

    return str(from_label_selector((obj.get("spec") or {}).get("selector"))) or "<none>"
