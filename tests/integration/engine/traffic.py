"""Load through a Service from threads, for tests that stop and start the engine underneath it
(``graceroll verify`` needs the engine's API, which a killed engine does not answer)."""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field

WAIT = 60.0


@dataclass
class Traffic:
    """Two clients through the Service: one keep-alive connection, and a new connection per request."""

    host: str
    port: int
    path: str = "/version"
    ok: int = 0
    answers: set[str] = field(default_factory=set)  # the distinct bodies answered (versions)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self._threads = [threading.Thread(target=self._client, args=(keep,), daemon=True) for keep in (True, False)]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(10)

    def more(self, n: int) -> None:
        """Wait (bounded) until ``n`` more requests have been answered."""
        target, deadline = self.ok + n, time.monotonic() + WAIT
        while self.ok < target and not self.failures:
            assert time.monotonic() < deadline, f"only {self.ok} of {target} requests answered"
            time.sleep(0.05)  # another thread counts; nothing to await across threads here

    def _client(self, keepalive: bool) -> None:
        conn: http.client.HTTPConnection | None = None
        for _ in range(100_000):  # bounded; stopped long before
            if self._stop.is_set():
                break
            try:
                conn = conn if keepalive and conn is not None else http.client.HTTPConnection(self.host, self.port, timeout=5)
                conn.request("GET", self.path)
                r = conn.getresponse()
                body = r.read()
                if r.status == 200:
                    self.ok += 1
                    self.answers.add(body.decode(errors="replace").strip())
                else:
                    self.failures.append(f"HTTP {r.status}")
            except (OSError, http.client.HTTPException) as e:
                self.failures.append(f"{'keep-alive' if keepalive else 'new connection'}: {e!r}")
                keepalive_failed = True
            else:
                keepalive_failed = False
            if conn is not None and (keepalive_failed or not keepalive):
                conn.close()
                conn = None
        if conn is not None:
            conn.close()
