"""Printing objects: ``-o json`` (an object, or a List), ``-o yaml``, ``-o name``."""

from __future__ import annotations

import io
import json
from typing import Any

from ruamel.yaml import YAML

from graceroll.api import kinds
from graceroll.errors import UsageError

Obj = dict[str, Any]
FORMATS = ("table", "wide", "json", "yaml", "name")


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UsageError(f'unable to match a printer suitable for the output format "{fmt}", allowed formats are: {",".join(FORMATS[1:])}')
    return fmt


def as_list(objs: list[Obj]) -> Obj:
    return {"apiVersion": "v1", "kind": "List", "items": objs, "metadata": {"resourceVersion": ""}}


def dump(objs: list[Obj], fmt: str, single: bool) -> str:
    data: Any = objs[0] if single and len(objs) == 1 else as_list(objs)
    if fmt == "json":
        return json.dumps(data, indent=4)
    if fmt == "yaml":
        buf = io.StringIO()
        _yaml().dump(data, buf)
        return buf.getvalue().rstrip("\n")
    return "\n".join(f"{kinds.by_kind(o['kind']).qualified}/{o['metadata']['name']}" for o in objs)


def yaml_documents(docs: list[Obj]) -> str:
    """Documents separated by ``---``, ready for ``kubectl apply -f -``."""
    buf = io.StringIO()
    _yaml().dump_all(docs, buf)
    return buf.getvalue()


def _yaml() -> YAML:
    y = YAML()
    y.default_flow_style = False
    y.width = 4096  # never fold long values (label keys with long values stay on one line)
    return y
