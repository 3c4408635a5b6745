"""SPDY/3.1 framing, the server half, for ``kubectl port-forward``'s tunnelled streams.

kubectl 1.31+ opens a WebSocket with the subprotocol ``SPDY/3.1+portforward.k8s.io`` and runs a
SPDY client connection inside it: the binary messages, concatenated, are the SPDY byte stream
(client-go ``tools/portforward/tunneling_connection.go``). This module turns that stream into
frames and builds the frames the server sends, as ``moby/spdystream`` (the client's SPDY
library) reads and writes them (``spdy/read.go``, ``spdy/write.go``):

- control frames: ``1 | version(15) = 3 | type(16) | flags(8) | length(24)``, then the payload;
  SYN_STREAM (1), SYN_REPLY (2), RST_STREAM (3), SETTINGS (4), PING (6), GOAWAY (7), HEADERS (8),
  WINDOW_UPDATE (9);
- data frames: ``0 | stream id(31) | flags(8) | length(24)``, then the data; flag FIN (1) ends
  the sender's half of the stream;
- header blocks (SYN_STREAM, SYN_REPLY, HEADERS) are zlib-compressed with the SPDY/3 dictionary,
  one compression context per direction for the whole connection (sync-flushed per frame):
  ``count(32)``, then per header ``len(32) name len(32) value`` (values joined by NUL).

spdystream does no flow control, so WINDOW_UPDATE and SETTINGS are read and ignored.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01
RST_PROTOCOL_ERROR, RST_CANCEL = 1, 5


def _dictionary() -> bytes:
    """The SPDY/3 header compression dictionary (draft-mbelshe-httpbis-spdy-00 §2.6.10.1):
    length-prefixed header names and values, then a block of common value text."""
    words = ["options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control", "connection", "content-base", "content-encoding", "content-language", "content-length", "content-location", "content-md5", "content-range", "content-type", "date", "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer", "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning", "www-authenticate", "method", "get", "status"] + ["200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin"]
    tail = (
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
        "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
        "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
        "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
        "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
        "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
    )
    return b"".join(struct.pack(">I", len(w)) + w.encode() for w in words) + tail.encode()


DICTIONARY = _dictionary()


class ProtocolError(ValueError):
    """The byte stream is not SPDY/3 as spdystream writes it."""


@dataclass(frozen=True)
class Frame:
    kind: int  # a control frame type, or 0 for data
    stream_id: int = 0
    flags: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # SYN_STREAM, SYN_REPLY, HEADERS
    data: bytes = b""  # data frames
    value: int = 0  # the ping id, the RST_STREAM status, the GOAWAY last stream

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


DATA = 0


class Codec:
    """One connection's framing state: a buffer of unread bytes and the two compression contexts."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)
        self._deflate = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, DICTIONARY)

    # ---- reading ------------------------------------------------------------------------------
    def feed(self, data: bytes) -> list[Frame]:
        """The frames completed by ``data`` (a frame may span several WebSocket messages)."""
        self._buffer += data
        frames = []
        while len(self._buffer) >= 8:
            first, second = struct.unpack_from(">II", self._buffer)
            length = second & 0xFFFFFF
            if len(self._buffer) < 8 + length:
                break
            payload = bytes(self._buffer[8 : 8 + length])
            del self._buffer[: 8 + length]
            flags = second >> 24
            if first & 0x80000000:
                version, kind = (first >> 16) & 0x7FFF, first & 0xFFFF
                if version != VERSION:
                    raise ProtocolError(f"SPDY version {version} is not supported")
                frames.append(self._control(kind, flags, payload))
            else:
                frames.append(Frame(DATA, first & 0x7FFFFFFF, flags, data=payload))
        return frames

    def _control(self, kind: int, flags: int, payload: bytes) -> Frame:
        if kind == SYN_STREAM:
            if len(payload) < 10:
                raise ProtocolError("short SYN_STREAM")
            stream_id = struct.unpack_from(">I", payload)[0] & 0x7FFFFFFF
            return Frame(kind, stream_id, flags, self._headers(payload[10:]))
        if kind in (SYN_REPLY, HEADERS):
            stream_id = struct.unpack_from(">I", payload)[0] & 0x7FFFFFFF
            return Frame(kind, stream_id, flags, self._headers(payload[4:]))
        if kind == RST_STREAM:
            stream_id, code = struct.unpack_from(">II", payload)
            return Frame(kind, stream_id & 0x7FFFFFFF, flags, value=code)
        if kind == PING:
            return Frame(kind, flags=flags, value=struct.unpack_from(">I", payload)[0])
        if kind == GOAWAY:
            return Frame(kind, flags=flags, value=struct.unpack_from(">I", payload)[0] & 0x7FFFFFFF)
        return Frame(kind, flags=flags)  # SETTINGS, WINDOW_UPDATE: no flow control here

    def _headers(self, compressed: bytes) -> dict[str, str]:
        try:
            block = self._inflate.decompress(compressed)
        except zlib.error as e:
            raise ProtocolError(f"header block: {e}") from e
        count = struct.unpack_from(">I", block)[0]
        pos, headers = 4, {}
        for _ in range(count):
            (n,) = struct.unpack_from(">I", block, pos)
            name = block[pos + 4 : pos + 4 + n].decode()
            pos += 4 + n
            (n,) = struct.unpack_from(">I", block, pos)
            headers[name.lower()] = block[pos + 4 : pos + 4 + n].decode().split("\x00")[0]
            pos += 4 + n
        return headers

    # ---- writing ------------------------------------------------------------------------------
    def _header_block(self, headers: Iterable[tuple[str, str]]) -> bytes:
        pairs = list(headers)
        raw = struct.pack(">I", len(pairs)) + b"".join(
            struct.pack(">I", len(k)) + k.encode() + struct.pack(">I", len(v)) + v.encode() for k, v in pairs
        )
        return self._deflate.compress(raw) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    @staticmethod
    def _control_frame(kind: int, flags: int, payload: bytes) -> bytes:
        return struct.pack(">HHI", 0x8000 | VERSION, kind, flags << 24 | len(payload)) + payload

    def syn_reply(self, stream_id: int, fin: bool = False) -> bytes:
        return self._control_frame(SYN_REPLY, FLAG_FIN if fin else 0, struct.pack(">I", stream_id) + self._header_block(()))

    def syn_stream(self, stream_id: int, headers: dict[str, str], fin: bool = False) -> bytes:
        """(The client's frame: for tests that play the client.)"""
        payload = struct.pack(">IIBB", stream_id, 0, 0, 0) + self._header_block(headers.items())
        return self._control_frame(SYN_STREAM, FLAG_FIN if fin else 0, payload)

    @staticmethod
    def data(stream_id: int, payload: bytes, fin: bool = False) -> bytes:
        return struct.pack(">II", stream_id & 0x7FFFFFFF, (FLAG_FIN if fin else 0) << 24 | len(payload)) + payload

    def rst_stream(self, stream_id: int, status: int) -> bytes:
        return self._control_frame(RST_STREAM, 0, struct.pack(">II", stream_id, status))

    def ping(self, ping_id: int) -> bytes:
        return self._control_frame(PING, 0, struct.pack(">I", ping_id))

    def goaway(self, last_stream: int) -> bytes:
        return self._control_frame(GOAWAY, 0, struct.pack(">II", last_stream, 0))
