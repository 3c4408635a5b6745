"""``apply``: make the stored objects match manifests, the way ``kubectl apply`` (client-side) does.

An absent object is created. A present one gets a three-way merge (``strategic.three_way``) of
the manifest applied last time (kept in the ``kubectl.kubernetes.io/last-applied-configuration``
annotation), the new manifest and the stored object: what the manifest sets wins, what it stopped
setting is removed, and what it never set stays — ``spec.replicas`` changed by ``scale`` when the
manifest leaves replicas out, the controller's revision annotations, defaulted fields.

Pass manifests as written (``read_manifests``), not defaulted: a defaulted manifest "sets"
``replicas: 1`` and ``paused: false`` and would undo ``scale`` and ``rollout pause``.

Every object is merged and admitted before anything is written: one invalid object means no write.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from graceroll.api import kinds, loader
from graceroll.api.admission import admit
from graceroll.api.meta import Obj, clone
from graceroll.controllers.deployment.util import LAST_APPLIED_ANNOTATION
from graceroll.errors import FieldError, Invalid, ManifestError, UsageError
from graceroll.store.base import Store
from graceroll.verbs.record import record
from graceroll.verbs.strategic import three_way
from graceroll.verbs.target import Target, changed

Key = tuple[str, str, str]  # kind, namespace, name


def apply(
    store: Store,
    objs: Iterable[Obj],
    *,
    change_cause: str | None = None,
    namespace: str = "default",
) -> list[str]:
    """Create or configure each object; one line per object (``created``/``configured``/``unchanged``).

    Objects without a namespace go to ``namespace``. ``change_cause`` (``--record``) is written to
    each object that is created or changed. Namespaces are applied first, then what workloads
    read (ServiceAccounts, Secrets, ConfigMaps, claims), then the rest in the order given, so a
    bundle applies in any document order (``in_apply_order``). Nothing to apply (an empty file or
    directory) is an error, as kubectl's ``no objects passed to apply``.
    """
    objs = list(objs)
    if not objs:
        raise UsageError("no objects passed to apply")
    plans = _plan(store, in_apply_order(objs), change_cause, namespace)
    written: dict[Key, Obj] = {}
    out = []
    for key, verb, obj, display in plans:
        if verb == "created" and key not in written:
            written[key] = store.create(obj)
        elif verb != "unchanged":
            if key in written:  # the same object twice in one apply: build on the first write
                obj["metadata"]["resourceVersion"] = written[key]["metadata"].get("resourceVersion")
            written[key] = store.update(obj)
        out.append(f"{display} {verb}")
    return out


FIRST_KINDS = ("Namespace", "ServiceAccount", "Secret", "ConfigMap", "PersistentVolumeClaim")


def in_apply_order(objs: Iterable[Obj]) -> list[Obj]:
    """Namespaces, then the objects pods read, then everything else; the given order within each
    (a stable sort, like Helm's install order but shorter)."""
    def rank(o: Obj) -> int:
        kind = o.get("kind")
        return FIRST_KINDS.index(kind) if kind in FIRST_KINDS else len(FIRST_KINDS)

    return sorted(objs, key=rank)


def _plan(store: Store, objs: Iterable[Obj], change_cause: str | None, namespace: str) -> list[tuple[Key, str, Obj, str]]:
    """What to write for each object, in order; raises before anything is written."""
    planned: dict[Key, Obj] = {}
    plans: list[tuple[Key, str, Obj, str]] = []
    problems: list[Invalid] = []
    for manifest in objs:
        applied = _applied_configuration(manifest, namespace)
        kind = str(applied.get("kind") or "")
        md = applied["metadata"]
        key = (kind, md.get("namespace") or "", str(md.get("name") or ""))
        try:
            info = kinds.find(kind)
            if info is None:
                admit(applied)  # raises the "no kind registered" error
                continue
            if not info.namespaced:
                md.pop("namespace", None)
                key = (kind, "", key[2])
            target = Target(info, key[2], key[1])
            current = planned.get(key) or store.try_get(*key)
            modified = clone(applied)
            modified["metadata"].setdefault("annotations", {})[LAST_APPLIED_ANNOTATION] = _serialize(applied)
            if current is None:
                new = admit(record(modified, change_cause))
                verb = "created"
            else:
                merged = three_way(_last_applied(current), modified, current)
                new = admit(merged, current)
                verb = "configured" if changed(current, new) else "unchanged"
                if verb == "configured":
                    new = admit(record(new, change_cause), current)
        except Invalid as e:
            problems.append(e)
            continue
        planned[key] = new
        plans.append((key, verb, new, target.display))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ManifestError([_cause(e, c) for e in problems for c in e.causes])
    return plans


def _applied_configuration(manifest: Obj, namespace: str) -> Obj:
    """The manifest as recorded in last-applied: a copy, namespaced, without the annotation itself."""
    applied = clone(manifest)
    md = applied.get("metadata")
    if not isinstance(md, dict):
        md = applied["metadata"] = {}
    if not md.get("namespace"):
        md["namespace"] = namespace
    annotations = md.get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(LAST_APPLIED_ANNOTATION, None)
        if not annotations:
            del md["annotations"]
    return applied


def _serialize(applied: Obj) -> str:
    """Compact JSON with sorted keys and a final newline, as kubectl writes the annotation."""
    return json.dumps(applied, sort_keys=True, separators=(",", ":")) + "\n"


def _last_applied(current: Obj) -> Obj:
    """The manifest applied last time; ``{}`` for an object never applied (or an unreadable annotation)."""
    text = (current["metadata"].get("annotations") or {}).get(LAST_APPLIED_ANNOTATION)
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _cause(e: Invalid, c: FieldError) -> FieldError:
    where = f'{e.kind} "{e.name}"' if e.name else e.kind
    return FieldError(c.path, c.type, c.detail, c.value, c.has_value, where)


# ---- reading manifests as written ----------------------------------------------------------------

def read_manifests(path: str, base: Path | None = None, warn: loader.Warn | None = None) -> list[Obj]:
    """The objects in a file, a directory (its .yaml/.yml/.json files, sorted) or ``-`` (stdin), as written.

    The loader checks every document first (``ManifestError`` with ``file:line`` for each problem,
    ``warn`` for each unknown field); the objects come back undefaulted, which is what ``apply``
    needs. ``base`` resolves relative paths.
    """
    causes: list[FieldError] = []
    out: list[Obj] = []
    for source, text in _sources(path, base, causes):
        try:
            admitted = loader.load_text(text, source, warn)
        except ManifestError as e:
            causes += e.causes
            continue
        written = _documents(text)
        out += written if len(written) == len(admitted) else admitted
    if causes:
        raise ManifestError(causes)
    return out


def _sources(path: str, base: Path | None, causes: list[FieldError]) -> Iterator[tuple[str, str]]:
    if path == "-":
        yield "<stdin>", sys.stdin.read()
        return
    p = Path(path)
    if base is not None and not p.is_absolute():
        p = base / p
    try:
        files = sorted(f for f in p.iterdir() if f.suffix in loader.SUFFIXES and f.is_file()) if p.is_dir() else [p]
        for f in files:
            yield str(f), f.read_text(encoding="utf-8-sig")
    except OSError as e:
        causes.append(FieldError(loader.DOCUMENT, "Invalid value", f"cannot read: {e.strerror or e}", source=str(p)))
    except UnicodeDecodeError as e:
        causes.append(FieldError(loader.DOCUMENT, "Invalid value", f"not UTF-8 text: {e.reason}", source=str(p)))


def _documents(text: str) -> list[Obj]:
    """Every object in already-validated text, ``List`` items flattened; ``[]`` if it cannot be read."""
    values: list[Any] = []
    if text.lstrip().startswith(("{", "[")):
        decoder = json.JSONDecoder()
        pos = 0
        try:
            while True:
                while pos < len(text) and text[pos].isspace():
                    pos += 1
                if pos >= len(text):
                    break
                value, pos = decoder.raw_decode(text, pos)
                values.append(value)
        except ValueError:
            values = []
    if not values:
        y = YAML(typ="rt")
        y.Constructor = loader.ManifestConstructor
        try:
            values = [loader.plain(d) for d in y.load_all(text) if d is not None]
        except YAMLError:
            return []
    return [o for v in values for o in _flatten(v)]


def _flatten(value: Any) -> list[Obj]:
    if not isinstance(value, dict):
        return []
    kind = value.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and kinds.find(kind) is None and isinstance(value.get("items"), list):
        return [o for item in value["items"] for o in _flatten(item)]
    return [kinds.convert(value)]
