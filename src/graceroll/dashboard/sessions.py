"""One-time login codes, browser sessions and their CSRF tokens, all in the engine's memory.

Pure bookkeeping over a clock: ``http`` turns these answers into cookies and status codes.
"""

from __future__ import annotations

import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass

from graceroll.clock import Clock

CODE_TTL = 60.0  # seconds a printed login URL stays usable
SESSION_TTL = 12 * 3600.0  # seconds a browser session lasts
MAX_CODES = 32  # unused codes kept; the oldest is dropped beyond
MAX_SESSIONS = 64
COOKIE = "graceroll_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Session:
    id: str
    csrf: str
    expires: float


class Sessions:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._codes: OrderedDict[str, float] = OrderedDict()  # code -> expiry
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def issue_code(self) -> tuple[str, float]:
        """A new code and the seconds it is valid."""
        code = secrets.token_urlsafe(24)
        self._codes[code] = self.clock.now() + CODE_TTL
        while len(self._codes) > MAX_CODES:
            self._codes.popitem(last=False)
        return code, CODE_TTL

    def exchange(self, code: str) -> Session | None:
        """Trade a valid code for a new session; the code is gone either way."""
        expires = self._codes.pop(code, None)
        now = self.clock.now()
        if expires is None or expires < now:
            return None
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(24), now + SESSION_TTL)
        self._sessions[session.id] = session
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.popitem(last=False)
        return session

    def find(self, session_id: str) -> Session | None:
        session = self._sessions.get(session_id)
        if session is None:
            return None
        if session.expires < self.clock.now():
            del self._sessions[session_id]
            return None
        return session

    def allows(self, session_id: str, method: str, csrf: str, origin: str | None, own_origin: str) -> bool:
        """Whether a request with this cookie may go on: a live session, and for a write the
        session's CSRF token and no foreign ``Origin``."""
        session = self.find(session_id)
        if session is None:
            return False
        if method.upper() in SAFE_METHODS:
            return True
        if origin is not None and origin != own_origin:
            return False
        return hmac.compare_digest(csrf.encode(), session.csrf.encode())

    def end(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)
