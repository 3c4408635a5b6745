"""Login codes are single-use and short-lived; cookie writes need the session's CSRF token."""

from __future__ import annotations

from graceroll.clock import VirtualClock
from graceroll.dashboard.sessions import CODE_TTL, SESSION_TTL, Sessions

OWN = "https://127.0.0.1:7443"


def test_a_code_is_exchanged_once() -> None:
    s = Sessions(VirtualClock())
    code, _ = s.issue_code()
    session = s.exchange(code)
    assert session is not None and s.find(session.id) == session
    assert s.exchange(code) is None


def test_a_code_expires() -> None:
    clock = VirtualClock()
    s = Sessions(clock)
    code, ttl = s.issue_code()
    assert ttl == CODE_TTL
    clock.advance_to(clock.now() + CODE_TTL + 1)
    assert s.exchange(code) is None


def test_a_session_expires() -> None:
    clock = VirtualClock()
    s = Sessions(clock)
    session = s.exchange(s.issue_code()[0])
    assert session is not None
    clock.advance_to(clock.now() + SESSION_TTL + 1)
    assert not s.allows(session.id, "GET", "", None, OWN)


def test_reads_need_a_live_session_and_writes_also_the_csrf_token_and_own_origin() -> None:
    s = Sessions(VirtualClock())
    session = s.exchange(s.issue_code()[0])
    assert session is not None
    assert s.allows(session.id, "GET", "", None, OWN)
    assert not s.allows("made-up", "GET", "", None, OWN)
    assert not s.allows(session.id, "POST", "", None, OWN)
    assert not s.allows(session.id, "POST", "wrong", None, OWN)
    assert s.allows(session.id, "POST", session.csrf, None, OWN)
    assert s.allows(session.id, "POST", session.csrf, OWN, OWN)
    assert not s.allows(session.id, "POST", session.csrf, "https://evil.example", OWN)
    s.end(session.id)
    assert not s.allows(session.id, "GET", "", None, OWN)
