"""What the HTTP handling passes on to backends and back to clients."""

from __future__ import annotations

from graceroll.proxy import headers


def test_hop_by_hop_and_framing_headers_stay_behind_end_to_end_ones_go_on() -> None:
    incoming = [
        (b"Host", b"web"),
        (b"Connection", b"keep-alive, X-Secret"),
        (b"Keep-Alive", b"timeout=5"),
        (b"X-Secret", b"1"),
        (b"Transfer-Encoding", b"chunked"),
        (b"Expect", b"100-continue"),
        (b"Upgrade", b"websocket"),
        (b"Cookie", b"a=1"),
        (b"Cookie", b"b=2"),
    ]
    head, framing, expect = headers.request_head(b"POST /x HTTP/1.1", incoming, "127.0.0.1")
    assert head == b"POST /x HTTP/1.1\r\nHost: web\r\nCookie: a=1\r\nCookie: b=2\r\nX-Forwarded-For: 127.0.0.1\r\n"
    assert framing == [(b"transfer-encoding", b"chunked")] and expect


def test_the_client_is_appended_to_an_existing_forwarded_for_chain() -> None:
    head, _, _ = headers.request_head(b"GET / HTTP/1.1", [(b"x-forwarded-for", b"10.0.0.1"), (b"X-Forwarded-For", b"10.0.0.2")], "127.0.0.5")
    assert head == b"GET / HTTP/1.1\r\nX-Forwarded-For: 10.0.0.1, 10.0.0.2, 127.0.0.5\r\n"
    assert headers.request_head(b"GET / HTTP/1.1", [], None) == (b"GET / HTTP/1.1\r\n", [], False)


def test_an_answer_keeps_its_end_to_end_lines_and_every_set_cookie() -> None:
    raw = (
        b"HTTP/1.0 200 OK\r\nSet-Cookie: a=1\r\nConnection: keep-alive, X-Node\r\nX-Node: 7\r\nkeep-alive: timeout=5\r\n"
        b"Set-Cookie: b=2\r\nContent-Length: 3\r\n\r\n"
    )
    head, framing = headers.response_head(raw)
    assert head == b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
    assert framing == [(b"content-length", b"3")]


def test_an_answer_without_hop_by_hop_lines_is_relayed_as_it_came() -> None:
    raw = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nX-Connection-Id: 1\r\n\r\n"
    assert headers.response_head(raw) == (raw[:-2], [])


def test_an_upgrade_keeps_upgrade_and_says_so_in_connection() -> None:
    incoming = [(b"Host", b"web"), (b"Connection", b"Upgrade"), (b"Upgrade", b"websocket"), (b"Sec-WebSocket-Key", b"k")]
    head, _, _ = headers.request_head(b"GET /ws HTTP/1.1", incoming, None, upgrade=True)
    assert head == b"GET /ws HTTP/1.1\r\nHost: web\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\nConnection: Upgrade\r\n"
    raw = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: a\r\n\r\n"
    assert headers.response_head(raw, upgrade=True)[0] == (
        b"HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    )


def test_encode_writes_a_head() -> None:
    assert headers.encode(b"GET / HTTP/1.1", [(b"Host", b"web")]) == b"GET / HTTP/1.1\r\nHost: web\r\n\r\n"
