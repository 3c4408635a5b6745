"""Which headers an HTTP proxy passes on (pure; RFC 9110 section 7.6.1).

Hop-by-hop headers describe one connection, not the message: they are dropped in both directions,
with every header the ``Connection`` header names. Framing (``Content-Length``,
``Transfer-Encoding``) is dropped too and set again by ``framing`` for the side the proxy writes,
and ``Expect`` because the proxy answers ``100 Continue`` itself. An Upgrade request and its
``101`` answer keep ``Upgrade`` and get ``Connection: Upgrade``: that is the one hop-by-hop
exchange a reverse proxy must pass on (RFC 9110 section 7.8). The client's address is appended
to ``X-Forwarded-For`` (one header, the chain comma-separated).

Requests come as the header pairs the parser reports. Answers are relayed as their raw head
with the dropped lines cut out, which costs a regular-expression scan instead of a Python loop
per header; that is sound because the parser (llhttp, strict) has accepted the head first: CRLF
line ends only, no obsolete line folding, so a header is exactly one ``\\r\\n``-started line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Pairs = list[tuple[bytes, bytes]]

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade"}
)
FRAMING = frozenset({b"content-length", b"transfer-encoding"})
_FORWARDED_FOR = b"x-forwarded-for"
_REQUEST_SPECIAL = HOP_BY_HOP | FRAMING | {b"expect", _FORWARDED_FOR}
_NOT_NAMES = frozenset({b"close", b"keep-alive", b"upgrade", b""})  # Connection tokens that name no other header
_DROPPED_LINE = rb"\r\n(%s)[ \t]*:[ \t]*([^\r]*)"
_RESPONSE_SPECIAL = re.compile(_DROPPED_LINE % b"|".join(sorted(HOP_BY_HOP | FRAMING)), re.IGNORECASE)


def request_head(start_line: bytes, incoming: Iterable[tuple[bytes, bytes]], peer: str | None, upgrade: bool = False) -> tuple[bytes, Pairs, bool]:
    """The head sent to the backend, without its final empty line (the framing header goes
    there); with the framing headers as received and whether the client expects ``100 Continue``."""
    parts = [start_line, b"\r\n"]
    framing: Pairs = []
    chain: list[bytes] = []
    named: list[bytes] = []
    expect = False
    for k, v in incoming:
        lk = k.lower()
        if lk not in _REQUEST_SPECIAL:
            parts += (k, b": ", v, b"\r\n")
        elif lk in FRAMING:
            framing.append((lk, v))
        elif lk == _FORWARDED_FOR:
            chain.append(v)
        elif lk == b"expect":
            expect = v.lower() == b"100-continue"
        elif lk == b"connection":
            named += (t.strip().lower() for t in v.split(b","))
        elif lk == b"upgrade" and upgrade:
            parts += (k, b": ", v, b"\r\n")
    if upgrade:
        parts.append(b"Connection: Upgrade\r\n")
    if peer:
        chain.append(peer.encode())
    if chain:
        parts += (b"X-Forwarded-For: ", b", ".join(chain), b"\r\n")
    head = b"".join(parts)
    if any(n not in _NOT_NAMES for n in named):
        head = _cut(head, named)
    return head, framing, expect


def response_head(head: bytes, upgrade: bool = False) -> tuple[bytes, Pairs]:
    """The backend's raw head (status line to the empty line) as relayed, without its final empty
    line, always as HTTP/1.1; with its framing headers. Every ``Set-Cookie`` is kept."""
    if not head.startswith(b"HTTP/1.1 "):
        head = b"HTTP/1.1" + head[8:]
    framing: Pairs = []
    named: list[bytes] = []
    upgrades: list[bytes] = []
    lines = head[:-2]
    kept: list[bytes] = []
    pos = 0
    for m in _RESPONSE_SPECIAL.finditer(lines):
        kept.append(lines[pos : m.start()])
        pos = m.end()
        lk = m[1].lower()
        if lk in FRAMING:
            framing.append((lk, m[2]))
        elif lk == b"connection":
            named += (t.strip().lower() for t in m[2].split(b","))
        elif lk == b"upgrade":
            upgrades.append(m[2])
    out = b"".join(kept) + lines[pos:] if kept else lines
    if any(n not in _NOT_NAMES for n in named):
        out = _cut(out, named)
    if upgrade:
        out += b"".join(b"Upgrade: " + u + b"\r\n" for u in upgrades) + b"Connection: Upgrade\r\n"
    return out, framing


def encode(start_line: bytes, pairs: Iterable[tuple[bytes, bytes]]) -> bytes:
    """A message head: the start line, the headers, the empty line."""
    return start_line + b"\r\n" + b"".join(k + b": " + v + b"\r\n" for k, v in pairs) + b"\r\n"


def _cut(head: bytes, names: Iterable[bytes]) -> bytes:
    """``head`` without the lines of the headers ``Connection`` named."""
    names = sorted({n for n in names if n not in _NOT_NAMES and re.fullmatch(rb"[!#$%&'*+\-.^_`|~0-9a-z]+", n)})
    if not names:
        return head
    return re.sub(_DROPPED_LINE % b"|".join(re.escape(n) for n in names), b"", head, flags=re.IGNORECASE)
