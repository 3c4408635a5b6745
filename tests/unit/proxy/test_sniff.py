"""Sniffing a connection's first bytes: HTTP/1.x request lines are HTTP, everything else L4."""

from __future__ import annotations

import pytest

from graceroll.proxy import sniff


@pytest.mark.parametrize(
    ("head", "verdict"),
    [
        pytest.param(b"GET / HTTP/1.1\r\nHost: web\r\n", "http", id="a GET request line"),
        pytest.param(b"POST /orders?id=1 HTTP/1.0\r\n", "http", id="HTTP/1.0 and a query"),
        pytest.param(b"M-SEARCH * HTTP/1.1\r\n", "http", id="any method token and asterisk-form"),
        pytest.param(b"GET http://web/x HTTP/1.1\r\n", "http", id="absolute-form target"),
        pytest.param(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "l4", id="the h2c prior-knowledge preface"),
        pytest.param(b"PRI * HTTP/2", "l4", id="the preface is told apart before its line ends"),
        pytest.param(b"\x16\x03\x01\x02\x00\x01", "l4", id="a TLS ClientHello at its first byte"),
        pytest.param(b"\x16", "l4", id="one byte of TLS is enough"),
        pytest.param(b"PING\r\n", "l4", id="a one-word text protocol (redis inline)"),
        pytest.param(b"get key\r\n", "l4", id="a two-word text protocol (memcached)"),
        pytest.param(b"GET /a b HTTP/1.1\r\n", "l4", id="a space in the target"),
        pytest.param(b"GET / HTTP/1.1\n", "l4", id="a bare LF is not HTTP/1"),
        pytest.param(b" GET / HTTP/1.1\r\n", "l4", id="leading whitespace"),
        pytest.param(b"", "more", id="nothing yet"),
        pytest.param(b"GE", "more", id="part of a method"),
        pytest.param(b"GET /very/long", "more", id="part of the target"),
        pytest.param(b"GET / HTTP/1.1\r", "more", id="the CR of the line end"),
        pytest.param(b"PRI * HTTP/", "more", id="the preface up to its version is still ambiguous"),
        pytest.param(b"GET /" + b"a" * sniff.MAX_LINE, "l4", id="a request line beyond the limit"),
    ],
)
def test_classify(head: bytes, verdict: str) -> None:
    assert sniff.classify(head) == verdict


def test_every_prefix_of_a_request_line_waits_for_more() -> None:
    line = b"DELETE /items/7?force=1 HTTP/1.1\r\n"
    assert {sniff.classify(line[:n]) for n in range(len(line))} == {"more"}
    assert sniff.classify(line) == "http"
