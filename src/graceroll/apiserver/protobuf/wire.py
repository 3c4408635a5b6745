"""The protobuf wire format: varints, keys and length-delimited fields, both ways.

Only what Kubernetes messages use: wire types 0 (varint), 1 (64-bit), 2 (length-delimited) and
5 (32-bit). Reading is strict: a truncated or malformed buffer raises :class:`WireError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


@dataclass(frozen=True)
class RawField:
    number: int
    wire_type: int
    value: int | bytes  # an int for varint and fixed fields, the payload for length-delimited ones


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it."""
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise WireError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise WireError("varint longer than 10 bytes")


def fields(buf: bytes) -> Iterator[RawField]:
    """Every field of a message, in wire order."""
    pos = 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        value: int | bytes
        if wire_type == VARINT:
            value, pos = read_varint(buf, pos)
        elif wire_type == LENGTH:
            size, pos = read_varint(buf, pos)
            if pos + size > len(buf):
                raise WireError(f"field {number}: length {size} runs past the end of the message")
            value, pos = buf[pos : pos + size], pos + size
        elif wire_type in (FIXED64, FIXED32):
            width = 8 if wire_type == FIXED64 else 4
            if pos + width > len(buf):
                raise WireError(f"field {number}: truncated fixed-width value")
            value, pos = int.from_bytes(buf[pos : pos + width], "little"), pos + width
        else:
            raise WireError(f"field {number}: unsupported wire type {wire_type}")
        yield RawField(number, wire_type, value)


def signed(value: int) -> int:
    """A varint read as a two's-complement int64 (how int32 and int64 fields carry negatives)."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def encode_varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(number: int, wire_type: int) -> bytes:
    return encode_varint(number << 3 | wire_type)


def length_field(number: int, payload: bytes) -> bytes:
    return key(number, LENGTH) + encode_varint(len(payload)) + payload


def varint_field(number: int, value: int) -> bytes:
    return key(number, VARINT) + encode_varint(value)


def string_field(number: int, text: str) -> bytes:
    return length_field(number, text.encode())
