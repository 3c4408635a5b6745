"""Manifest loading: multi-document YAML and JSON files, directories and stdin.

Every document is parsed, checked against the kind registry, and admitted (defaulted, then
validated) exactly as the API server would admit it. Nothing is returned unless everything
loads: all problems of all documents are collected and raised together as one ``ManifestError``
whose causes carry ``file:line`` — the line of the offending key where the path leads to one,
else the line where the document starts.

YAML is split on its ``---`` lines before parsing, so that a syntax error in one document does
not hide the errors of the others. JSON (text starting with ``{`` or ``[``) may be one value or
a stream of them; outside ``.json`` files, such text that is not JSON is read as YAML. A ``kind: List`` (or ``<Kind>List``) contributes its ``items``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from graceroll.api import (
    builtin,  # noqa: F401  (importing it registers the built-in kinds)
    kinds,
)
from graceroll.api.admission import admit
from graceroll.api.field_checks import invalid, parse_path, required
from graceroll.api.meta import Obj
from graceroll.errors import FieldError, Invalid, ManifestError

SUFFIXES = (".yaml", ".yml", ".json")
Warn = Callable[[str], None]
DOCUMENT = "manifest"  # the field path of problems that concern a whole document
_DOC_START = re.compile(r"^---(\s|$)")


_YAML11_OCTAL = re.compile(r"^[-+]?0[0-7]+$")


class ManifestConstructor(RoundTripConstructor):
    """Scalars as Kubernetes reads them (``sigs.k8s.io/yaml``, YAML 1.1 integers): timestamps stay
    the strings they were written as (creationTimestamp etc. are strings in the API), and ``0644``
    is octal 420 as in every ``defaultMode: 0644`` users write (YAML 1.2 would read 644)."""

    def construct_yaml_int(self, node: Any) -> Any:
        text = str(node.value).replace("_", "")
        if _YAML11_OCTAL.match(text):
            return int(text, 8)
        return super().construct_yaml_int(node)


ManifestConstructor.add_constructor("tag:yaml.org,2002:timestamp", ManifestConstructor.construct_yaml_str)
ManifestConstructor.add_constructor("tag:yaml.org,2002:int", ManifestConstructor.construct_yaml_int)


@dataclass
class _Doc:
    """One candidate object: its plain data, the parsed node (for key positions) and where it starts."""

    data: Any
    node: Any
    offset: int  # 0-based line of the node's text within the file (added to node positions)
    start: int  # 1-based line of the document, for errors without a better line


def load_text(text: str, source: str = "<stdin>", warn: Warn | None = None) -> list[Obj]:
    """Parse, default and validate every document; raise ``ManifestError`` listing every problem.

    ``warn`` is told of each field the document's kind does not know (``file:line: unknown field
    "…" (did you mean "…"?)``): such a field is not an error, it is dropped (``kinds.converted``)."""
    objects, errors = _load(text, source, warn)
    if errors:
        raise ManifestError(errors)
    return objects


def load_path(path: str, warn: Warn | None = None) -> list[Obj]:
    """A file, a directory (its .yaml/.yml/.json files, sorted) or ``-`` for stdin."""
    objects: list[Obj] = []
    errors: list[FieldError] = []
    for source, text in _sources(path, errors):
        found, errs = _load(text, source, warn)
        objects += found
        errors += errs
    if errors:
        raise ManifestError(errors)
    return objects


def _sources(path: str, errors: list[FieldError]) -> Iterator[tuple[str, str]]:
    if path == "-":
        try:
            text = sys.stdin.read()
        except (OSError, UnicodeDecodeError) as e:
            errors.append(FieldError(DOCUMENT, "Invalid value", f"cannot read: {e}", source="<stdin>"))
            return
        yield "<stdin>", text
        return
    p = Path(path)
    try:
        files = sorted(f for f in p.iterdir() if f.suffix in SUFFIXES and f.is_file()) if p.is_dir() else [p]
    except OSError as e:
        errors.append(FieldError(DOCUMENT, "Invalid value", f"cannot read: {e.strerror or e}", source=path))
        return
    for f in files:
        try:
            yield str(f), f.read_text(encoding="utf-8-sig")
        except OSError as e:
            errors.append(
                FieldError(DOCUMENT, "Invalid value", f"cannot read: {e.strerror or e}", source=str(f))
            )
        except UnicodeDecodeError as e:
            errors.append(FieldError(DOCUMENT, "Invalid value", f"not UTF-8 text: {e.reason}", source=str(f)))


def _load(text: str, source: str, warn: Warn | None) -> tuple[list[Obj], list[FieldError]]:
    objects: list[Obj] = []
    errors: list[FieldError] = []
    try:  # documents are parsed lazily, so errors come out in file order
        for doc in _documents(text, source, errors):
            for item in _flatten(doc, source, errors):
                try:
                    obj = _admit(item, source, errors, warn)
                except Exception as e:  # noqa: BLE001  never a traceback: a bug is one more reported problem
                    errors.append(_internal(e, source, item.start))
                    continue
                if obj is not None:
                    objects.append(obj)
    except Exception as e:  # noqa: BLE001  (as above)
        errors.append(_internal(e, source, 1))
    return objects, errors


def _internal(e: Exception, source: str, line: int) -> FieldError:
    return FieldError(DOCUMENT, "Internal error", f"{type(e).__name__}: {e}", source=f"{source}:{line}")


# --- parsing -------------------------------------------------------------------------------------


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.Constructor = ManifestConstructor
    return y


def _documents(text: str, source: str, errors: list[FieldError]) -> Iterator[_Doc]:
    if text.lstrip().startswith(("{", "[")):
        docs, problem = _json_documents(text, source)
        if problem is None or docs or source.endswith(".json"):
            yield from docs
            errors.extend([problem] if problem else [])
            return
        try:  # not JSON from the start, and not a .json file: it may be a YAML flow mapping ({a: b})
            next(iter(_yaml().load_all(text)))
        except (YAMLError, StopIteration):
            errors.append(problem)
            return
    for offset, chunk in _yaml_chunks(text):
        try:
            nodes = list(_yaml().load_all(chunk))
        except YAMLError as e:
            errors.append(_syntax_error(e, chunk, source, offset))
            continue
        for node in nodes:
            if node is None:
                continue  # an empty document
            yield _Doc(plain(node), node, offset, offset + _node_line(node, 0) + 1)


def _yaml_chunks(text: str) -> Iterator[tuple[int, str]]:
    """The text cut at each ``---`` line, with the 0-based line each piece starts on.

    A piece holding only directives, comments and blank lines stays with the next one.
    """
    lines = text.splitlines(keepends=True)
    start = 0
    for i, line in enumerate(lines):
        if i > start and _DOC_START.match(line) and not _only_preamble(lines[start:i]):
            yield start, "".join(lines[start:i])
            start = i
    yield start, "".join(lines[start:])


def _only_preamble(lines: list[str]) -> bool:
    return all(not ln.strip() or ln.lstrip().startswith(("#", "%")) for ln in lines)


def _syntax_error(e: YAMLError, chunk: str, source: str, offset: int) -> FieldError:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    written = [i for i, ln in enumerate(chunk.splitlines()) if ln.strip()]
    at = mark.line if mark is not None else 0
    line = offset + min(at, written[-1] if written else 0) + 1  # "end of stream" means its last line
    if isinstance(e, MarkedYAMLError):
        detail = " ".join(x for x in (e.context, e.problem) if x)
    else:
        detail = str(e).splitlines()[0] if str(e) else type(e).__name__
    return FieldError(DOCUMENT, "Invalid value", f"YAML syntax error: {detail}", source=f"{source}:{line}")


def _json_documents(text: str, source: str) -> tuple[list[_Doc], FieldError | None]:
    """One JSON value or a stream of them, and the syntax error that ended it, if any.

    ruamel re-reads each value only to learn its key positions.
    """
    decoder = json.JSONDecoder()
    docs: list[_Doc] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return docs, None
        try:
            data, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            where = f"{source}:{e.lineno}"
            return docs, FieldError(DOCUMENT, "Invalid value", f"JSON syntax error: {e.msg}", source=where)
        offset = text.count("\n", 0, pos)
        try:
            node = _yaml().load(text[pos:end])
        except YAMLError:
            node = None  # valid JSON that YAML reads differently: errors fall back to the start line
        docs.append(_Doc(data, node, offset, offset + 1))
        pos = end


def plain(v: Any) -> Any:
    """ruamel's round-trip types as plain dicts, lists, str, int, float, bool (key order kept)."""
    if isinstance(v, dict):
        return {plain(k): plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, (bool, ScalarBoolean)):
        return bool(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str(v)
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if v is None:
        return None
    return str(v)  # anything else YAML can express (a complex key, a binary) as its text


# --- positions -----------------------------------------------------------------------------------


def _node_line(node: Any, default: int) -> int:
    lc = getattr(node, "lc", None)
    line = getattr(lc, "line", None) if lc is not None else None
    return line if isinstance(line, int) else default


def line_of(doc: _Doc, path: str) -> int:
    """The 1-based line of the deepest key or item along ``path`` that the document has."""
    node = doc.node
    line = doc.start
    if node is None:
        return line
    for part in parse_path(path):
        if isinstance(node, CommentedMap):
            key: Any = part
            if key not in node and str(part) in node:
                key = str(part)
            if key not in node:
                break
            try:
                line = doc.offset + node.lc.key(key)[0] + 1
            except (KeyError, TypeError, AttributeError):
                break
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            try:
                line = doc.offset + node.lc.item(part)[0] + 1
            except (KeyError, TypeError, AttributeError):
                break
            node = node[part]
        else:
            break
    return line


# --- lists, kinds, admission ---------------------------------------------------------------------


def _flatten(doc: _Doc, source: str, errors: list[FieldError]) -> Iterator[_Doc]:
    """The document itself, or the items of a ``List``; anything but a mapping is an error."""
    data = doc.data
    if not isinstance(data, dict):
        got = "an array" if isinstance(data, list) else f"a {type(data).__name__}"
        errors.append(
            FieldError(
                DOCUMENT,
                "Invalid value",
                f"a manifest must be an object with apiVersion and kind, not {got}",
                source=f"{source}:{doc.start}",
            )
        )
        return
    kind = data.get("kind")
    if not (isinstance(kind, str) and kind.endswith("List") and kinds.find(kind) is None and "items" in data):
        yield doc
        return
    items = data.get("items")
    if not isinstance(items, list):
        errors.append(
            FieldError("items", "Invalid value", "expected array", source=f"{source}:{line_of(doc, 'items')}")
        )
        return
    node = doc.node.get("items") if isinstance(doc.node, CommentedMap) else None
    for i, item in enumerate(items):
        item_node = node[i] if isinstance(node, CommentedSeq) and i < len(node) else None
        start = line_of(doc, f"items[{i}]")
        sub = _Doc(item, item_node, doc.offset, start)
        if not isinstance(item, dict):
            errors.append(
                FieldError(
                    f"items[{i}]",
                    "Invalid value",
                    "a list item must be an object with apiVersion and kind",
                    source=f"{source}:{start}",
                )
            )
            continue
        yield from _flatten(sub, source, errors)


def _admit(doc: _Doc, source: str, errors: list[FieldError], warn: Warn | None) -> Obj | None:
    data: Obj = doc.data
    if isinstance(data, dict):
        data, unknown = kinds.converted(data)
        if warn is not None:
            for u in unknown:
                warn(f"{source}:{line_of(doc, u.path)}: {u}")

    def at(e: FieldError) -> FieldError:
        return FieldError(e.path, e.type, e.detail, e.value, e.has_value, f"{source}:{line_of(doc, e.path)}")

    api_version, kind = data.get("apiVersion"), data.get("kind")
    problems: list[FieldError] = []
    for key, value in (("apiVersion", api_version), ("kind", kind)):
        if value is None or value == "":
            problems.append(required(key))
        elif not isinstance(value, str):
            problems.append(invalid(key, value, "expected string"))
    if not problems:
        info = kinds.find(kind)  # type: ignore[arg-type]
        if info is None or info.api_version != api_version:
            problems.append(
                FieldError(
                    "kind",
                    "Unsupported value",
                    f'no matches for kind "{kind}" in version "{api_version}"',
                    kind,
                    True,
                )
            )
    if problems:
        errors.extend(at(p) for p in problems)
        return None
    try:
        return admit(data)
    except Invalid as e:
        errors.extend(at(c) for c in e.causes)
        return None
