"""Label selectors (matchLabels + matchExpressions) and their string form (``a=b,c in (d,e)``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graceroll.errors import UsageError

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        return not present  # DoesNotExist


@dataclass(frozen=True)
class Selector:
    requirements: tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        parts = []
        for r in self.requirements:
            if r.operator == "In" and len(r.values) == 1:
                parts.append(f"{r.key}={r.values[0]}")
            elif r.operator in ("In", "NotIn"):
                parts.append(f"{r.key} {r.operator.lower()} ({','.join(r.values)})")
            elif r.operator == "Exists":
                parts.append(r.key)
            else:
                parts.append(f"!{r.key}")
        return ",".join(parts)


def from_label_selector(sel: Mapping[str, Any] | None) -> Selector:
    """A ``metav1.LabelSelector`` dict as a Selector (assumed validated)."""
    if not sel:
        return Selector(())
    reqs = [Requirement(k, "In", (str(v),)) for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for e in sel.get("matchExpressions") or ():
        reqs.append(Requirement(e["key"], e["operator"], tuple(e.get("values") or ())))
    return Selector(tuple(reqs))


def from_labels(labels: Mapping[str, str]) -> Selector:
    return Selector(tuple(Requirement(k, "In", (v,)) for k, v in sorted(labels.items())))


_SET_RE = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def parse(text: str) -> Selector:
    """The kubectl ``-l`` syntax: ``k=v``, ``k==v``, ``k!=v``, ``k in (a,b)``, ``k notin (a)``, ``k``, ``!k``."""
    reqs: list[Requirement] = []
    for part in _split_top(text):
        part = part.strip()
        if not part:
            continue
        m = _SET_RE.match(part)
        if m:
            values = tuple(v.strip() for v in m.group(3).split(",") if v.strip())
            reqs.append(Requirement(m.group(1), "In" if m.group(2) == "in" else "NotIn", values))
        elif "!=" in part:
            k, v = part.split("!=", 1)
            reqs.append(Requirement(k.strip(), "NotIn", (v.strip(),)))
        elif "=" in part:
            k, v = part.replace("==", "=").split("=", 1)
            reqs.append(Requirement(k.strip(), "In", (v.strip(),)))
        elif part.startswith("!"):
            reqs.append(Requirement(part[1:].strip(), "DoesNotExist"))
        elif re.fullmatch(r"[A-Za-z0-9./_-]+", part):
            reqs.append(Requirement(part, "Exists"))
        else:
            raise UsageError(f"unable to parse requirement: {part!r}")
        if not reqs[-1].key:
            raise UsageError(f"unable to parse requirement: {part!r}: the key is empty")
    return Selector(tuple(reqs))


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out
