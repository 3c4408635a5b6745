"""Core ``v1`` ConfigMap, Secret and ServiceAccount: what pods read their configuration and identity from.

Rules: ``kubernetes/kubernetes:pkg/apis/core/validation/validation.go`` (ValidateConfigMap,
ValidateConfigMapUpdate, ValidateSecret, ValidateSecretUpdate, ValidateServiceAccount); defaults
and conversion: ``pkg/apis/core/v1/defaults.go`` (a Secret's ``type`` is ``Opaque``) and
``conversion.go`` (``stringData`` is write-only: its entries are merged into ``data``, base64
encoded, overriding keys of the same name, and it is never stored or returned).

``data`` of a Secret and ``binaryData`` of a ConfigMap are base64 (Go's standard encoding, with
padding; line breaks are ignored as Go's decoder ignores them) and stored canonically encoded;
a value that does not decode is an error at its key. The total size (bytes after decoding) is at
most 1 MiB. ``immutable: true`` freezes the contents and cannot be undone.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from graceroll.api import field_checks as fc
from graceroll.api.core_v1 import default_object_meta
from graceroll.api.kinds import Kind, register
from graceroll.api.meta import Obj
from graceroll.api.structure import FreeList, TypedObject, child_map, existing_map, validator
from graceroll.errors import FieldError

MAX_SIZE = 1024 * 1024  # core.MaxSecretSize, also the ConfigMap limit
IMMUTABLE_SET = "field is immutable when `immutable` is set"
OPAQUE = "Opaque"
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")

# Secret types and the keys they need (the constants of core/v1 types.go).
SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"
DOCKERCFG = "kubernetes.io/dockercfg"
DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
BASIC_AUTH = "kubernetes.io/basic-auth"
SSH_AUTH = "kubernetes.io/ssh-auth"
TLS = "kubernetes.io/tls"
SERVICE_ACCOUNT_NAME_ANNOTATION = "kubernetes.io/service-account.name"


def decode(text: str) -> bytes:
    """Base64 as Go's ``StdEncoding`` reads JSON ``[]byte``; ``ValueError`` says where it breaks."""
    stripped = text.replace("\r", "").replace("\n", "")
    for i, ch in enumerate(stripped):
        if ch not in _ALPHABET:
            raise ValueError(f"illegal base64 data at input byte {i}")
    try:
        return base64.b64decode(stripped, validate=True)
    except binascii.Error:
        raise ValueError(f"illegal base64 data at input byte {len(stripped) - len(stripped) % 4}") from None


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _canonical(values: Any) -> None:
    """Re-encode every value that decodes; the others are left for validation to report."""
    if not isinstance(values, dict):
        return
    for key, value in values.items():
        if isinstance(value, str):
            try:
                values[key] = encode(decode(value))
            except ValueError:
                pass


def _keys(path: str, values: Any) -> list[FieldError]:
    errs: list[FieldError] = []
    for key in values or {}:
        errs += [fc.invalid(f"{path}[{key}]", key, m) for m in fc.is_config_map_key(str(key))]
    return errs


def _base64_values(path: str, values: Any) -> tuple[list[FieldError], int]:
    """Errors for values that are not base64, and the decoded size of the others."""
    errs: list[FieldError] = []
    size = 0
    for key, value in (values or {}).items():
        try:
            size += len(decode(value))
        except ValueError as e:
            errs.append(fc.invalid(f"{path}[{key}]", "<value omitted>", str(e)))
    return errs, size


def _too_long(path: str, size: int) -> list[FieldError]:
    return [FieldError(path, "Too long", f"must have at most {MAX_SIZE} bytes")] if size > MAX_SIZE else []


def _immutable_update(new: Obj, old: Obj, fields: tuple[str, ...]) -> list[FieldError]:
    """``immutable: true`` once set: it stays, and the contents stay."""
    if old.get("immutable") is not True:
        return []
    errs = [] if new.get("immutable") is True else [fc.forbidden("immutable", IMMUTABLE_SET)]
    return errs + [fc.forbidden(f, IMMUTABLE_SET) for f in fields if (new.get(f) or {}) != (old.get(f) or {})]


# --- ConfigMap -----------------------------------------------------------------------------------


class ConfigMapModel(TypedObject):
    data: dict[str, str] | None = None
    binaryData: dict[str, str] | None = None
    immutable: bool | None = None


def default_config_map(obj: Obj) -> None:
    default_object_meta(obj)
    _canonical(obj.get("binaryData"))


def _config_map_rules(obj: Obj) -> list[FieldError]:
    errs = fc.object_meta(obj.get("metadata"), fc.is_dns1123_subdomain)
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    errs += _keys("data", data) + _keys("binaryData", binary)
    for key in data:
        if key in binary:
            errs.append(fc.invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
    decoding, size = _base64_values("binaryData", binary)
    size += sum(len(str(v).encode()) for v in data.values())
    return errs + decoding + _too_long("data", size)


def validate_config_map_update(new: Obj, old: Obj) -> list[FieldError]:
    return _immutable_update(new, old, ("data", "binaryData"))


# --- Secret --------------------------------------------------------------------------------------


class SecretModel(TypedObject):
    data: dict[str, str] | None = None
    stringData: dict[str, str] | None = None
    type: str | None = None
    immutable: bool | None = None


def default_secret(obj: Obj) -> None:
    """``type: Opaque``; ``stringData`` merged into ``data`` (write-only, as upstream converts it)."""
    default_object_meta(obj)
    if obj.get("type") in (None, ""):
        obj["type"] = OPAQUE
    _canonical(obj.get("data"))
    plain = existing_map(obj, "stringData")
    if plain is None:
        return
    data = child_map(obj, "data")
    if data is None or not all(isinstance(v, str) for v in plain.values()):
        return  # a wrongly typed field: validation reports it
    for key, value in plain.items():
        data[key] = encode(value.encode())
    del obj["stringData"]


def _secret_rules(obj: Obj) -> list[FieldError]:
    errs = fc.object_meta(obj.get("metadata"), fc.is_dns1123_subdomain)
    data = obj.get("data") or {}
    errs += _keys("data", data)
    decoding, size = _base64_values("data", data)
    errs += decoding + _too_long("data", size)
    kind = obj.get("type") or OPAQUE
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    needed = {DOCKERCFG: (".dockercfg",), DOCKER_CONFIG_JSON: (".dockerconfigjson",), SSH_AUTH: ("ssh-privatekey",), TLS: ("tls.crt", "tls.key")}
    for key in needed.get(kind, ()):
        if key not in data:
            errs.append(fc.required(f"data[{key}]"))
    if kind == SERVICE_ACCOUNT_TOKEN and not annotations.get(SERVICE_ACCOUNT_NAME_ANNOTATION):
        errs.append(fc.required(f"metadata.annotations[{SERVICE_ACCOUNT_NAME_ANNOTATION}]"))
    if kind == BASIC_AUTH and "username" not in data and "password" not in data:
        errs += [fc.required("data[username]"), fc.required("data[password]")]
    if not isinstance(kind, str) or not kind:
        errs.append(fc.required("type"))
    else:
        errs += fc.messages("type", kind, fc.is_qualified_name(kind))
    return errs


def validate_secret_update(new: Obj, old: Obj) -> list[FieldError]:
    return fc.immutable("type", new.get("type"), old.get("type")) + _immutable_update(new, old, ("data",))


# --- ServiceAccount ------------------------------------------------------------------------------


class ServiceAccountModel(TypedObject):
    secrets: FreeList | None = None
    imagePullSecrets: FreeList | None = None
    automountServiceAccountToken: bool | None = None


def _service_account_rules(obj: Obj) -> list[FieldError]:
    return fc.object_meta(obj.get("metadata"), fc.is_dns1123_subdomain)


CONFIG_MAP = register(
    Kind(
        "",
        "v1",
        "ConfigMap",
        "configmaps",
        ("cm",),
        has_status=False,
        default=default_config_map,
        validate=validator(ConfigMapModel, _config_map_rules),
        validate_update=validate_config_map_update,
    )
)
SECRET = register(
    Kind(
        "",
        "v1",
        "Secret",
        "secrets",
        has_status=False,
        default=default_secret,
        validate=validator(SecretModel, _secret_rules),
        validate_update=validate_secret_update,
    )
)
SERVICE_ACCOUNT = register(
    Kind(
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        ("sa",),
        has_status=False,
        returns_deleted_object=True,
        default=default_object_meta,
        validate=validator(ServiceAccountModel, _service_account_rules),
    )
)
