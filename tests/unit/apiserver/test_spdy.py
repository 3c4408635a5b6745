"""SPDY/3 framing both ways: a client codec (as spdystream writes) against the server codec."""

from __future__ import annotations

import struct
import zlib

import pytest

from graceroll.apiserver.streams import spdy


def test_the_dictionary_is_the_spdy3_one() -> None:
    d = spdy.DICTIONARY
    assert d.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head\x00\x00\x00\x04post")
    assert d.endswith(b"charset=iso-8859-1,utf-,*,enq=0.") and len(d) == 1423
    assert zlib.adler32(d) == 0xE3C6A7C2  # the dictionary id in the zlib headers spdystream writes and checks


def test_streams_open_carry_data_and_finish() -> None:
    client, server = spdy.Codec(), spdy.Codec()
    wire = client.syn_stream(1, {"streamtype": "error", "port": "8080", "requestid": "0"})
    wire += client.syn_stream(3, {"streamtype": "data", "port": "8080", "requestid": "0"})
    wire += client.data(3, b"GET / HTTP/1.1\r\n\r\n", fin=True) + client.ping(1)
    frames = []
    for i in range(0, len(wire), 7):  # a frame may be split over several WebSocket messages
        frames += server.feed(wire[i : i + 7])
    kinds = [f.kind for f in frames]
    assert kinds == [spdy.SYN_STREAM, spdy.SYN_STREAM, spdy.DATA, spdy.PING]
    assert frames[0].headers == {"streamtype": "error", "port": "8080", "requestid": "0"}
    assert frames[1].stream_id == 3 and frames[1].headers["streamtype"] == "data"
    assert frames[2].data == b"GET / HTTP/1.1\r\n\r\n" and frames[2].fin
    assert frames[3].value == 1
    replies = client.feed(server.syn_reply(1) + server.syn_reply(3) + server.data(3, b"answer") + server.data(3, b"", fin=True))
    assert [(f.kind, f.stream_id) for f in replies] == [(spdy.SYN_REPLY, 1), (spdy.SYN_REPLY, 3), (spdy.DATA, 3), (spdy.DATA, 3)]
    assert replies[2].data == b"answer" and replies[3].fin and not replies[2].fin


def test_reset_goaway_and_frames_without_meaning_here() -> None:
    server = spdy.Codec()
    frames = server.feed(server.rst_stream(5, spdy.RST_CANCEL) + server.goaway(7) + struct.pack(">HHII", 0x8003, spdy.WINDOW_UPDATE, 8, 1) + b"\x00\x00\x10\x00")
    assert [(f.kind, f.stream_id, f.value) for f in frames] == [(spdy.RST_STREAM, 5, spdy.RST_CANCEL), (spdy.GOAWAY, 0, 7), (spdy.WINDOW_UPDATE, 0, 0)]


def test_another_version_is_refused() -> None:
    with pytest.raises(spdy.ProtocolError, match="version 2"):
        spdy.Codec().feed(struct.pack(">HHI", 0x8002, spdy.PING, 4) + b"\x00\x00\x00\x01")
