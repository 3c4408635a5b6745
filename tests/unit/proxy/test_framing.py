"""How the proxy delimits the bodies it writes, whatever framing came in."""

from __future__ import annotations

import pytest

from graceroll.proxy import framing
from graceroll.proxy.framing import Framing

CL = (b"content-length", b"5")
TE = (b"transfer-encoding", b"chunked")
CL_LINE = b"Content-Length: 5\r\n"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param([CL], Framing("length", CL_LINE), id="a length stays a length"),
        pytest.param([(b"transfer-encoding", b"gzip, chunked")], framing.CHUNKS, id="chunked is chunked again"),
        pytest.param([], framing.NONE, id="no framing header: no body"),
    ],
)
def test_request_framing(headers: list[tuple[bytes, bytes]], expected: Framing) -> None:
    assert framing.request(headers) == expected


@pytest.mark.parametrize(
    ("status", "method", "headers", "http11", "expected"),
    [
        pytest.param(200, b"GET", [CL], True, Framing("length", CL_LINE), id="length"),
        pytest.param(200, b"GET", [TE], True, framing.CHUNKS, id="chunked to an HTTP/1.1 client"),
        pytest.param(200, b"GET", [TE], False, framing.CLOSE, id="chunked to an HTTP/1.0 client: by close"),
        pytest.param(200, b"GET", [(b"transfer-encoding", b"gzip")], True, framing.CLOSE, id="a coding without chunked: by close"),
        pytest.param(200, b"GET", [], True, framing.CLOSE, id="no length: by close"),
        pytest.param(200, b"HEAD", [CL], True, Framing("none", CL_LINE), id="HEAD keeps the length it describes"),
        pytest.param(304, b"GET", [CL], True, Framing("none", CL_LINE), id="so does 304"),
        pytest.param(204, b"GET", [CL], True, framing.NONE, id="204 has neither body nor length"),
        pytest.param(100, b"POST", [], True, framing.NONE, id="1xx has no body"),
    ],
)
def test_response_framing(status: int, method: bytes, headers: list[tuple[bytes, bytes]], http11: bool, expected: Framing) -> None:
    assert framing.response(status, method, headers, http11) == expected


def test_chunks_are_encoded_and_ended() -> None:
    assert framing.CHUNKS.chunk(b"hello") + framing.CHUNKS.end == b"5\r\nhello\r\n0\r\n\r\n"
    assert Framing("length", CL_LINE).chunk(b"hello") + Framing("length", CL_LINE).end == b"hello"
