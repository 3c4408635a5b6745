"""The demo app: a stdlib-only HTTP service for trying rollouts (``python -m graceroll.demoapp``).

It is the default program for images the engine has no entry for, so any manifest runs.

- ``GET /version`` answers the image it runs as (``$GRACEROLL_IMAGE``, or the one a hot patch
  named since), so a rollout is visible; every answer carries it in ``X-Graceroll-Version``.
- ``GET /healthz`` answers 200 once started; before that every path answers 503.
- ``GET /`` answers JSON: version, pod name and address.

Environment: ``POD_IP`` / ``PORT`` (listen address, default 127.0.0.1:8080), ``STARTUP_DELAY``
(seconds of 503 after binding: the slow start of seed 004), ``SHUTDOWN_DELAY`` (seconds it keeps
serving after SIGTERM before it stops; in-flight requests always finish), ``GRACEROLL_IMAGE``,
``GRACEROLL_IMAGE_FILE``.

On SIGHUP (what the engine sends after a BCS hot patch) it re-reads ``$GRACEROLL_IMAGE_FILE`` and
from then on answers ``/version``, ``/`` and ``X-Graceroll-Version`` with the image reference found
there. It keeps serving throughout: same process, same socket, open connections untouched. When
the variable is unset or the file unreadable or empty, the version stays as it was.

On SIGTERM every answer carries ``Connection: close``, so keep-alive clients reconnect (through
the service proxy, to another pod). After ``SHUTDOWN_DELAY`` it stops accepting, gives clients on
open connections up to ``KEEPALIVE_GRACE`` seconds for one last request, closes the connections
that are still idle, and exits once the requests in flight are answered. An idle keep-alive
connection would otherwise keep it alive until SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

KEEPALIVE_GRACE = 1.0
SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


class _State:
    def __init__(self, startup_delay: float, version: str) -> None:
        self.version = version  # replaced on SIGHUP: one attribute store, so every reader sees old or new
        self.started = threading.Event()
        self.stopping = threading.Event()
        if startup_delay <= 0:
            self.started.set()
        else:
            threading.Timer(startup_delay, self.started.set).start()


class _Connections:
    """Open client connections, and which are between requests (safe to close at shutdown)."""

    def __init__(self) -> None:
        self._idle: dict[socket.socket, bool] = {}
        self._changed = threading.Condition()

    def set(self, conn: socket.socket, idle: bool) -> None:
        with self._changed:
            self._idle[conn] = idle

    def forget(self, conn: socket.socket) -> None:
        with self._changed:
            self._idle.pop(conn, None)
            self._changed.notify_all()

    def wait_closed(self, timeout: float) -> None:
        with self._changed:
            self._changed.wait_for(lambda: not self._idle, timeout)

    def close_idle(self) -> None:
        with self._changed:
            for conn, idle in self._idle.items():
                if idle:
                    try:
                        conn.shutdown(socket.SHUT_RDWR)  # its handler's read returns: the thread ends
                    except OSError:
                        pass


def reload_version(state: _State, path: str | None) -> bool:
    """Take the version from the image file a hot patch rewrote; False (version kept) when there is none."""
    if not path:
        return False
    try:
        text = Path(path).read_text().strip()
    except (OSError, UnicodeDecodeError):
        return False
    if not text:
        return False
    state.version = text
    return True


def make_handler(state: _State, pod: str, ip: str, connections: _Connections | None = None) -> type[BaseHTTPRequestHandler]:
    conns = connections or _Connections()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

        def setup(self) -> None:
            super().setup()
            conns.set(self.connection, idle=True)

        def parse_request(self) -> bool:
            conns.set(self.connection, idle=False)  # a request line has arrived
            return super().parse_request()

        def handle_one_request(self) -> None:
            try:
                super().handle_one_request()
            finally:
                conns.set(self.connection, idle=True)

        def finish(self) -> None:
            try:
                super().finish()
            finally:
                conns.forget(self.connection)

        def do_GET(self) -> None:
            if not state.started.is_set():
                self._reply(503, "starting\n")
            elif self.path == "/healthz":
                self._reply(200, "ok\n")
            elif self.path == "/version":
                self._reply(200, state.version + "\n")
            elif self.path == "/":
                self._reply(200, json.dumps({"version": state.version, "pod": pod, "ip": ip}) + "\n", "application/json")
            else:
                self._reply(404, "not found\n")

        def _reply(self, code: int, body: str, ctype: str = "text/plain") -> None:
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Graceroll-Version", state.version)
            if state.stopping.is_set():
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return Handler


def main() -> None:
    # Blocked before any thread starts, so every thread inherits the mask and only the main thread's
    # sigwait takes them: a Python handler would wait until the main thread ran again, which it does
    # not while it sleeps in a lock when the kernel picked another thread for the signal.
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    ip = os.environ.get("POD_IP", "127.0.0.1")
    port = int(os.environ.get("PORT", "8080"))
    state = _State(float(os.environ.get("STARTUP_DELAY", "0")), os.environ.get("GRACEROLL_IMAGE", "demo:dev"))
    conns = _Connections()
    server = ThreadingHTTPServer((ip, port), make_handler(state, os.environ.get("POD_NAME", ""), ip, conns))
    server.daemon_threads = False  # in-flight requests finish before exit
    shutdown_delay = float(os.environ.get("SHUTDOWN_DELAY", "0"))
    serving = threading.Thread(target=server.serve_forever, name="serve", daemon=True)
    serving.start()
    print(f"serving {state.version} on {ip}:{port}", flush=True)
    _serve_signals(state)
    print("stopping: answering with Connection: close", flush=True)
    threading.Event().wait(shutdown_delay)
    server.shutdown()  # stop accepting ...
    server.socket.close()  # ... and refuse new connections
    conns.wait_closed(KEEPALIVE_GRACE)  # clients on open connections: one last request each
    conns.close_idle()
    server.server_close()  # joins the handler threads: requests in flight are answered
    print("stopped", flush=True)


def _serve_signals(state: _State) -> None:
    """Reload on every SIGHUP; return on SIGTERM or SIGINT, with answers turned to Connection: close."""
    while signal.sigwait(SIGNALS) == signal.SIGHUP:
        if reload_version(state, os.environ.get("GRACEROLL_IMAGE_FILE")):
            print(f"reloaded: serving {state.version}", flush=True)
        else:
            print(f"SIGHUP: no readable $GRACEROLL_IMAGE_FILE, still serving {state.version}", flush=True)
    state.stopping.set()


if __name__ == "__main__":
    main()
