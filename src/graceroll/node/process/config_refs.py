"""What a pod takes from ConfigMaps and Secrets: environment variables and volume files (pure).

The kubelet's rules (``pkg/kubelet/kubelet_pods.go`` ``makeEnvironmentVariables``,
``pkg/volume/configmap`` and ``pkg/volume/secret`` ``MakePayload``):

- ``envFrom`` entries come first, in order, each key of the object (``prefix`` + key) becoming a
  variable; then ``env``, so an ``env`` entry wins over an ``envFrom`` key of the same name.
  ``valueFrom.configMapKeyRef`` / ``secretKeyRef`` take one key. A ConfigMap's ``data`` (not
  ``binaryData``) and a Secret's decoded ``data`` count.
- A missing object or key is skipped when the reference is ``optional``; otherwise the container
  cannot be created: ``configmap "app" not found``, ``couldn't find key mode in ConfigMap
  shop/app`` (``CreateContainerConfigError``).
- A ``configMap`` or ``secret`` volume holds one file per key (``data`` and ``binaryData`` for a
  ConfigMap), or only the ``items`` listed, each at its ``path`` with its ``mode``; files get
  ``defaultMode`` (0644) otherwise. A missing object leaves an optional volume empty and fails the
  mount of another (``MountVolume.SetUp failed for volume "config" : configmap "app" not
  found``); a listed key that does not exist fails it too (``configmap references non-existent
  config key: mode``) unless optional.

``Lookup`` reads an object (kind, namespace, name) from the store the node serves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from graceroll.api.core_v1_config import decode

Obj = dict[str, Any]
Lookup = Callable[[str, str, str], Obj | None]
DEFAULT_MODE = 0o644
SOURCES = {"configMap": "ConfigMap", "secret": "Secret"}  # volume source key -> kind
ENV_REFS = {"configMapKeyRef": "ConfigMap", "secretKeyRef": "Secret"}
ENV_FROM_REFS = {"configMapRef": "ConfigMap", "secretRef": "Secret"}


class ConfigRefError(Exception):
    """A reference that cannot be resolved; ``message`` is the kubelet's."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class File:
    data: bytes
    mode: int


def values(kind: str, obj: Obj, binary: bool = False) -> dict[str, bytes]:
    """The object's keys and their bytes: a Secret's ``data`` decoded, a ConfigMap's ``data``
    (and ``binaryData`` when ``binary``)."""
    if kind == "Secret":
        return {k: _decoded(v) for k, v in (obj.get("data") or {}).items()}
    out = {k: str(v).encode() for k, v in (obj.get("data") or {}).items()}
    if binary:
        out.update({k: _decoded(v) for k, v in (obj.get("binaryData") or {}).items()})
    return out


def _decoded(text: Any) -> bytes:
    try:
        return decode(str(text))
    except ValueError:
        return b""  # (admission refuses such values; an object written around it reads empty)


def as_text(data: bytes) -> str:
    """Bytes as an environment value; bytes that are not UTF-8 go through unchanged to the process."""
    return data.decode("utf-8", "surrogateescape")


def _not_found(kind: str, name: str) -> ConfigRefError:
    return ConfigRefError(f'{kind.lower()} "{name}" not found')


def env_from(container: Obj, namespace: str, lookup: Lookup) -> dict[str, str]:
    """The variables of ``envFrom``, in order (later sources win)."""
    out: dict[str, str] = {}
    for source in container.get("envFrom") or ():
        for key, kind in ENV_FROM_REFS.items():
            ref = source.get(key)
            if ref is None:
                continue
            name = str(ref.get("name") or "")
            obj = lookup(kind, namespace, name)
            if obj is None:
                if ref.get("optional"):
                    continue
                raise _not_found(kind, name)
            prefix = str(source.get("prefix") or "")
            out.update({prefix + k: as_text(v) for k, v in values(kind, obj).items()})
    return out


def key_ref(source: Obj, namespace: str, lookup: Lookup) -> str | None:
    """The value of a ``configMapKeyRef``/``secretKeyRef``; None when optional and missing."""
    for key, kind in ENV_REFS.items():
        ref = source.get(key)
        if ref is None:
            continue
        name, wanted = str(ref.get("name") or ""), str(ref.get("key") or "")
        obj = lookup(kind, namespace, name)
        found = values(kind, obj) if obj is not None else {}
        if wanted in found:
            return as_text(found[wanted])
        if ref.get("optional"):
            return None
        if obj is None:
            raise _not_found(kind, name)
        raise ConfigRefError(f"couldn't find key {wanted} in {kind} {namespace}/{name}")
    raise ValueError(f"no ConfigMap or Secret key reference in {sorted(source)}")


def projection_kind(volume: Obj) -> str | None:
    """``ConfigMap`` or ``Secret`` for a volume projected from one, else None."""
    return next((kind for key, kind in SOURCES.items() if key in volume), None)


def source_name(volume: Obj) -> str:
    source = volume.get("configMap") if "configMap" in volume else volume.get("secret")
    source = source or {}
    return str(source.get("name") or source.get("secretName") or "")


def payload(volume: Obj, namespace: str, lookup: Lookup) -> dict[str, File]:
    """The files of a ``configMap``/``secret`` volume, by relative path."""
    kind = projection_kind(volume)
    if kind is None:
        raise ValueError(f"volume {volume.get('name')!r} is not projected from a ConfigMap or Secret")
    source = volume["configMap" if kind == "ConfigMap" else "secret"] or {}
    name = source_name(volume)
    optional = bool(source.get("optional"))
    default_mode = int(source["defaultMode"]) if source.get("defaultMode") is not None else DEFAULT_MODE
    obj = lookup(kind, namespace, name)
    if obj is None:
        if optional:
            return {}
        raise _not_found(kind, name)
    found = values(kind, obj, binary=True)
    items = source.get("items") or ()
    if not items:
        return {k: File(v, default_mode) for k, v in found.items()}
    out: dict[str, File] = {}
    for item in items:
        key = str(item.get("key") or "")
        if key not in found:
            if optional:
                continue
            raise ConfigRefError(f"{kind.lower()} references non-existent {'config' if kind == 'ConfigMap' else 'secret'} key: {key}")
        mode = int(item["mode"]) if item.get("mode") is not None else default_mode
        out[safe_path(str(item.get("path") or key))] = File(found[key], mode)
    return out


def safe_path(path: str) -> str:
    """A relative path inside the volume (no absolute path, no ``..``), as API validation requires."""
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts or not p.parts or str(p).startswith(".."):
        raise ConfigRefError(f"invalid path {path!r}: it must be relative and must not contain '..'")
    return str(p)


def references(pod: Obj, kind: str, name: str) -> bool:
    """Whether the pod reads that ConfigMap or Secret (env, envFrom or a volume)."""
    spec = pod.get("spec") or {}
    for volume in spec.get("volumes") or ():
        if projection_kind(volume) == kind and source_name(volume) == name:
            return True
    for c in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        for source in c.get("envFrom") or ():
            if any(kind == k and (source.get(key) or {}).get("name") == name for key, k in ENV_FROM_REFS.items()):
                return True
        for var in c.get("env") or ():
            source = var.get("valueFrom") or {}
            if any(kind == k and (source.get(key) or {}).get("name") == name for key, k in ENV_REFS.items()):
                return True
    return False


def unresolved(pod: Obj, lookup: Lookup) -> tuple[str, str] | None:
    """The first reference of the pod that stops its containers from starting, as (waiting
    reason, message): a volume's (``ContainerCreating``), then an environment variable's
    (``CreateContainerConfigError``); None when every one resolves."""
    spec = pod.get("spec") or {}
    namespace = str(pod["metadata"].get("namespace") or "default")
    try:
        for volume in spec.get("volumes") or ():
            if projection_kind(volume) is not None:
                try:
                    payload(volume, namespace, lookup)
                except ConfigRefError as e:
                    return "ContainerCreating", f'MountVolume.SetUp failed for volume "{volume.get("name")}" : {e.message}'
        for c in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
            env_from(c, namespace, lookup)
            for var in c.get("env") or ():
                source = var.get("valueFrom") or {}
                if any(key in source for key in ENV_REFS):
                    key_ref(source, namespace, lookup)
    except ConfigRefError as e:
        return "CreateContainerConfigError", e.message
    return None
