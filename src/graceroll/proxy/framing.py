"""How a relayed message's body is delimited on the side the proxy writes (pure; RFC 9112 section 6).

The parser (llhttp, strict) has already refused what a proxy must not guess about: a request with
both ``Content-Length`` and ``Transfer-Encoding``, differing ``Content-Length`` values, a request
``Transfer-Encoding`` that does not end in ``chunked``. What it passes, the proxy decodes and
frames again itself, so the next hop never sees the client's framing bytes (no request
smuggling through the proxy):

- ``length``: the same ``Content-Length``, the body bytes as they came;
- ``chunked``: ``Transfer-Encoding: chunked``, each piece received becomes one chunk (trailers
  are dropped, as ``Trailer`` is hop-by-hop);
- ``close``: no length; the connection closes after the body (a backend that delimits by close,
  or a chunked answer to an HTTP/1.0 client, which cannot read chunks);
- ``none``: no body (HEAD, 1xx, 204, 304), whose ``Content-Length`` (HEAD, 304) describes the
  representation and is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Kind = Literal["none", "length", "chunked", "close"]

CHUNKED = b"Transfer-Encoding: chunked\r\n"
LAST_CHUNK = b"0\r\n\r\n"


@dataclass(frozen=True)
class Framing:
    kind: Kind
    line: bytes = b""  # the framing header line to write, if any

    def chunk(self, data: bytes) -> bytes:
        """``data`` as it goes on the wire."""
        return b"%x\r\n%s\r\n" % (len(data), data) if self.kind == "chunked" else data

    @property
    def end(self) -> bytes:
        return LAST_CHUNK if self.kind == "chunked" else b""


NONE = Framing("none")
CLOSE = Framing("close")
CHUNKS = Framing("chunked", CHUNKED)


def request(headers: Iterable[tuple[bytes, bytes]]) -> Framing:
    """The framing of a request to the backend."""
    length, chunked = _lengths(headers)
    if chunked is not None:
        return CHUNKS
    if length is not None:
        return _length(length)
    return NONE


def response(status: int, method: bytes, headers: Iterable[tuple[bytes, bytes]], client_http11: bool) -> Framing:
    """The framing of a response to the client."""
    length, chunked = _lengths(headers)
    if method == b"HEAD" or status < 200 or status in (204, 304):
        if length is not None and status >= 200 and status != 204:
            return Framing("none", b"Content-Length: " + length + b"\r\n")
        return NONE
    if chunked is not None:
        if not chunked:  # a response coding that does not end in chunked: delimited by close
            return CLOSE
        return CHUNKS if client_http11 else CLOSE
    if length is not None:
        return _length(length)
    return CLOSE


def _length(value: bytes) -> Framing:
    return Framing("length", b"Content-Length: " + value + b"\r\n")


def _lengths(headers: Iterable[tuple[bytes, bytes]]) -> tuple[bytes | None, bool | None]:
    """The ``Content-Length`` value, and whether ``Transfer-Encoding`` ends in chunked (None: absent)."""
    length: bytes | None = None
    chunked: bool | None = None
    for k, v in headers:
        lk = k.lower()
        if lk == b"content-length":
            length = v.strip()
        elif lk == b"transfer-encoding":
            chunked = v.rsplit(b",", 1)[-1].strip().lower() == b"chunked"
    return length, chunked
