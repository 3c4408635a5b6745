"""A ``application/vnd.kubernetes.protobuf`` body as the JSON object it stands for.

The body is upstream's envelope: the four bytes ``k8s\\x00``, then a ``runtime.Unknown`` message
(``typeMeta`` = 1 {``apiVersion`` = 1, ``kind`` = 2}, ``raw`` = 2, ``contentEncoding`` = 3,
``contentType`` = 4) whose ``raw`` is the object's own message (``apimachinery``
``pkg/runtime/serializer/protobuf``). The object is decoded with the field table of ``schema``.

Any field the table does not know is refused (:class:`ProtobufError`, a 400 for the client)
instead of being dropped: nothing a client sends is silently lost.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from graceroll.apiserver.protobuf import wire
from graceroll.apiserver.protobuf.schema import MESSAGES, TOP_LEVEL, Field, ValueKind
from graceroll.errors import UsageError

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"


class ProtobufError(UsageError):
    """The body cannot be decoded; the message names the field."""


def decode_object(body: bytes) -> dict[str, Any]:
    """The object of a protobuf request body, with ``apiVersion`` and ``kind`` set."""
    if not body.startswith(MAGIC):
        raise ProtobufError("the protobuf body does not start with the Kubernetes envelope (k8s\\x00)")
    try:
        api_version, kind, raw = _unknown(body[len(MAGIC) :])
        message = TOP_LEVEL.get((api_version, kind))
        if message is None:
            raise ProtobufError(f"{kind} in version {api_version!r} cannot be sent as protobuf to this server: send JSON")
        obj = decode_message(raw, message, kind)
    except wire.WireError as e:
        raise ProtobufError(f"the protobuf body is malformed: {e}") from e
    return {"apiVersion": api_version, "kind": kind, **obj}


def _unknown(buf: bytes) -> tuple[str, str, bytes]:
    api_version = kind = ""
    raw = b""
    for f in wire.fields(buf):
        if f.number == 1 and isinstance(f.value, bytes):
            for tm in wire.fields(f.value):
                if tm.number == 1 and isinstance(tm.value, bytes):
                    api_version = tm.value.decode()
                elif tm.number == 2 and isinstance(tm.value, bytes):
                    kind = tm.value.decode()
        elif f.number == 2 and isinstance(f.value, bytes):
            raw = f.value
        elif f.number == 3 and f.value:
            raise ProtobufError(f"protobuf content encoding {f.value!r} is not supported")
    return api_version, kind, raw


def decode_message(buf: bytes, message: str, path: str) -> dict[str, Any]:
    table = MESSAGES[message]
    out: dict[str, Any] = {}
    for f in wire.fields(buf):
        spec = table.get(f.number)
        if spec is None:
            raise ProtobufError(f"{path}: field number {f.number} of {message} is not supported by this server: send JSON")
        where = f"{path}.{spec.name}" if spec.name else path
        if spec.kind == "ignored":
            out.setdefault(spec.name, {})
        elif spec.map_value is not None:
            key, value = _map_entry(_bytes(f, where), spec.map_value, spec.message, where)
            out.setdefault(spec.name, {})[key] = value
        elif spec.inline:
            out.update(decode_message(_bytes(f, where), spec.message, where))
        elif spec.repeated:
            out.setdefault(spec.name, []).extend(_values(f, spec, where))
        else:
            value = _value(f, spec.kind, spec.message, where)
            if spec.ptr or value not in ("", 0, False) or isinstance(value, dict):
                out[spec.name] = value
            else:
                out.pop(spec.name, None)  # a later zero value of a Go value field: not set
    return {k: v for k, v in out.items() if v is not None}


def _values(f: wire.RawField, spec: Field, where: str) -> list[Any]:
    """One repeated field's values from one wire field (packed scalars carry several)."""
    if spec.kind in ("int", "bool") and f.wire_type == wire.LENGTH:
        packed = _bytes(f, where)
        found, pos = [], 0
        while pos < len(packed):
            v, pos = wire.read_varint(packed, pos)
            found.append(_scalar(v, spec.kind))
        return found
    return [_value(f, spec.kind, spec.message, f"{where}[]")]


def _value(f: wire.RawField, kind: ValueKind, message: str, where: str) -> Any:
    if kind in ("int", "bool"):
        if not isinstance(f.value, int) or f.wire_type != wire.VARINT:
            raise ProtobufError(f"{where}: expected a varint")
        return _scalar(f.value, kind)
    data = _bytes(f, where)
    if kind == "string":
        return data.decode("utf-8", errors="strict")
    if kind == "bytes":
        return base64.b64encode(data).decode()  # []byte in JSON
    if kind == "message":
        return decode_message(data, message, where)
    if kind == "time":
        return _time(data)
    if kind == "intstr":
        return _int_or_string(data)
    if kind == "quantity":
        return next((q.value.decode() for q in wire.fields(data) if q.number == 1 and isinstance(q.value, bytes)), "")
    raise ProtobufError(f"{where}: unsupported field kind {kind}")


def _scalar(v: int, kind: ValueKind) -> int | bool:
    return bool(v) if kind == "bool" else wire.signed(v)


def _bytes(f: wire.RawField, where: str) -> bytes:
    if not isinstance(f.value, bytes):
        raise ProtobufError(f"{where}: expected a length-delimited value")
    return f.value


def _map_entry(data: bytes, kind: ValueKind, message: str, where: str) -> tuple[str, Any]:
    key, value = "", None
    for e in wire.fields(data):
        if e.number == 1:
            key = _bytes(e, where).decode()
        elif e.number == 2:
            value = _value(e, kind, message, f"{where}[{key}]")
    if value is None:  # an entry without a value: the zero value of its type
        value = {"string": "", "bytes": "", "quantity": "0"}.get(kind, {})
    return key, value


def _time(data: bytes) -> str | None:
    """``metav1.Time`` {seconds = 1, nanos = 2}; the zero time (an empty message) is null in JSON."""
    seconds = nanos = 0
    for f in wire.fields(data):
        if f.number == 1 and isinstance(f.value, int):
            seconds = wire.signed(f.value)
        elif f.number == 2 and isinstance(f.value, int):
            nanos = wire.signed(f.value)
    if seconds == 0 and nanos == 0:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(data: bytes) -> int | str:
    """``intstr.IntOrString`` {type = 1 (0 int, 1 string), intVal = 2, strVal = 3}."""
    kind, number, text = 0, 0, ""
    for f in wire.fields(data):
        if f.number == 1 and isinstance(f.value, int):
            kind = f.value
        elif f.number == 2 and isinstance(f.value, int):
            number = wire.signed(f.value)
        elif f.number == 3 and isinstance(f.value, bytes):
            text = f.value.decode()
    return text if kind == 1 else number
