"""Which headers an HTTP proxy passes on (pure; RFC 9110 section 7.6.1).

Hop-by-hop headers describe one connection, not the message: they are dropped in both directions,
with every header the ``Connection`` header names. Framing (``Content-Length``,
``Transfer-Encoding``) is dropped too and set again by the side that writes the message, and
``Expect`` because the proxy has read the whole request body before it forwards it.
"""

from __future__ import annotations

from collections.abc import Iterable

from multidict import CIMultiDict, CIMultiDictProxy

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
)
FRAMING = frozenset({"content-length", "transfer-encoding"})
FORWARDED_FOR = "X-Forwarded-For"

Headers = CIMultiDict[str] | CIMultiDictProxy[str]


def request_headers(incoming: Headers, peer: str | None) -> CIMultiDict[str]:
    """The headers sent to the backend: end-to-end ones, and the client in ``X-Forwarded-For``."""
    out = _end_to_end(incoming, extra={"expect"})
    seen = out.popall(FORWARDED_FOR, [])
    chain = [*seen, peer] if peer else seen
    if chain:
        out[FORWARDED_FOR] = ", ".join(chain)
    return out


def response_headers(incoming: Headers) -> CIMultiDict[str]:
    """The backend's end-to-end response headers (each ``Set-Cookie`` kept)."""
    return _end_to_end(incoming)


def _end_to_end(incoming: Headers, extra: Iterable[str] = ()) -> CIMultiDict[str]:
    named = {t.strip().lower() for v in incoming.getall("Connection", []) for t in v.split(",")}
    drop = HOP_BY_HOP | FRAMING | named | set(extra)
    return CIMultiDict((k, v) for k, v in incoming.items() if k.lower() not in drop)
