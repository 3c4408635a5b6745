"""Server-side printing: the ``meta.k8s.io/v1`` Table that ``kubectl get`` asks for."""

from __future__ import annotations

from typing import Any

import graceroll.printers.builtin  # noqa: F401  (registers the built-in columns)
from graceroll.printers.tables import columns_for

Obj = dict[str, Any]


def to_table(items: list[Obj], now: float, resource_version: str, include_object: str = "Metadata") -> Obj:
    kind = items[0]["kind"] if items else ""
    normal, wide = columns_for(kind)
    cols = [(h, fn, 0) for h, fn in normal] + [(h, fn, 1) for h, fn in wide]
    rows = []
    for o in items:
        row: Obj = {"cells": [fn(o, now) for _, fn, _ in cols]}
        if include_object == "Object":
            row["object"] = o
        elif include_object != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": o["metadata"],
            }
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {"name": h.title() if h != "NAME" else "Name", "type": "string", "format": "name" if h == "NAME" else "", "description": "", "priority": p}
            for h, _, p in cols
        ],
        "rows": rows,
    }
