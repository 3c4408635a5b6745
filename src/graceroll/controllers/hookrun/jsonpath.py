"""The part of Kubernetes JSONPath that BCS web hooks use: ``{$.online}``, ``{.data.items[0].ok}``.

No JSONPath library is installed or pinned in this project, so this is a small reader of the
subset: optional braces and ``$``, dotted fields, ``['quoted key']``, list indices (negative ones
count from the end) and the ``[*]`` / ``.*`` wildcards. Filters, slices and recursive descent are
refused with an error. The result is printed as ``kubectl -o jsonpath`` prints it: strings raw,
booleans ``true``/``false``, numbers without a trailing ``.0``, maps and lists as compact JSON,
several matches separated by spaces.
"""

from __future__ import annotations

import json
import re
from typing import Any

_TOKEN = re.compile(r"\.([A-Za-z0-9_\-]+|\*)|\[(\*|-?\d+|'[^']*'|\"[^\"]*\")\]")


class JSONPathError(ValueError):
    pass


def _steps(expr: str) -> list[str | int]:
    text = expr.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    text = text.removeprefix("$")
    steps: list[str | int] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise JSONPathError(f"unsupported JSONPath {expr!r} at {text[pos:]!r}")
        if m.group(1) is not None:
            steps.append(m.group(1))
        else:
            inner = m.group(2)
            steps.append(inner if inner == "*" else int(inner) if inner.lstrip("-").isdigit() else inner[1:-1])
        pos = m.end()
    return steps


def check(expr: str) -> None:
    """Raise ``JSONPathError`` if ``expr`` is outside the supported subset, before any data is read
    (so a bad expression is a usage error, not an endless wait)."""
    _steps(expr)


def find(data: Any, expr: str) -> list[Any]:
    """Every value ``expr`` selects in ``data``; a missing key or index is an error."""
    current = [data]
    for step in _steps(expr):
        nxt: list[Any] = []
        for node in current:
            if step == "*":
                nxt += list(node.values()) if isinstance(node, dict) else list(node) if isinstance(node, list) else []
            elif isinstance(step, int):
                if not isinstance(node, list) or not -len(node) <= step < len(node):
                    raise JSONPathError(f"array index out of bounds: index {step}")
                nxt.append(node[step])
            elif isinstance(node, dict) and step in node:
                nxt.append(node[step])
            else:
                raise JSONPathError(f"{step} is not found")
        current = nxt
    return current


def text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def evaluate(data: Any, expr: str) -> str:
    return " ".join(text(v) for v in find(data, expr))
