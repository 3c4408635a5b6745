"""Is a connection HTTP/1.x? Decided from its first bytes, for Service ports in ``auto`` mode (pure).

An HTTP/1.x request line (RFC 9112 section 3: ``method SP request-target SP HTTP/1.x CRLF``)
means HTTP handling; anything else means L4, decided at the first byte that cannot start such a
line: a TLS ClientHello (first byte 0x16), the HTTP/2 prior-knowledge preface
(``PRI * HTTP/2.0``, which parts from HTTP/1 at the ``2``), a binary or other text protocol. A
request line longer than ``MAX_LINE`` is also handed to L4 (it still works, balanced per
connection). The caller handles silence: a client that sends nothing within a short delay
(a server-speaks-first protocol) or closes first is L4 too.
"""

from __future__ import annotations

import re
from typing import Literal

Verdict = Literal["http", "l4", "more"]

MAX_LINE = 8192  # bytes of request line waited for, as nginx's default large header buffer
_TCHAR = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
_TARGET = rb"[^\x00-\x20\x7f]"
REQUEST_LINE = re.compile(_TCHAR + rb"+ " + _TARGET + rb"+ HTTP/1\.[0-9]\r\n")
# every prefix of a request line (without its final LF): "", "G", "GET ", "GET / HTT", "GET / HTTP/1.1\r"
_PREFIX = re.compile(_TCHAR + rb"*|" + _TCHAR + rb"+ " + _TARGET + rb"*(?: (?:H(?:T(?:T(?:P(?:/(?:1(?:\.(?:[0-9]\r?)?)?)?)?)?)?)?)?)?")


def classify(head: bytes) -> Verdict:
    """``http`` or ``l4`` once ``head`` (the first bytes received) decides it, else ``more``."""
    end = head.find(b"\n")
    if end >= 0:
        return "http" if REQUEST_LINE.fullmatch(head, 0, end + 1) else "l4"
    if len(head) > MAX_LINE or not _PREFIX.fullmatch(head):
        return "l4"
    return "more"
