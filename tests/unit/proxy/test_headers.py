"""What the HTTP mode passes on to backends and back to clients."""

from __future__ import annotations

from multidict import CIMultiDict

from graceroll.proxy import headers


def test_hop_by_hop_and_framing_headers_stay_behind_end_to_end_ones_go_on() -> None:
    incoming = CIMultiDict(
        [
            ("Host", "web"),
            ("Connection", "keep-alive, X-Secret"),
            ("Keep-Alive", "timeout=5"),
            ("X-Secret", "1"),
            ("Transfer-Encoding", "chunked"),
            ("Content-Length", "3"),
            ("Expect", "100-continue"),
            ("Cookie", "a=1"),
            ("Cookie", "b=2"),
        ]
    )
    out = headers.request_headers(incoming, "127.0.0.1")
    assert list(out.items()) == [("Host", "web"), ("Cookie", "a=1"), ("Cookie", "b=2"), ("X-Forwarded-For", "127.0.0.1")]


def test_the_client_is_appended_to_an_existing_forwarded_for_chain() -> None:
    out = headers.request_headers(CIMultiDict([("X-Forwarded-For", "10.0.0.1")]), "127.0.0.5")
    assert out["X-Forwarded-For"] == "10.0.0.1, 127.0.0.5"
    assert "X-Forwarded-For" not in headers.request_headers(CIMultiDict(), None)


def test_response_headers_keep_every_set_cookie() -> None:
    incoming = CIMultiDict([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Connection", "close"), ("Content-Length", "3")])
    assert list(headers.response_headers(incoming).items()) == [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
