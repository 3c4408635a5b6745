"""HAProxy's traffic counters: a small process that reads HAProxy's request log and keeps the
cumulative per-(backend, revision) counters (``proxy.counters``) the engine reads.

    GRACEROLL_TRAFFIC_TAG=gr-… python -m graceroll.dataplane.haproxy.collector --port N --control SOCKET

Why a log, and this process: HAProxy 2.6 keeps per-server counters (``show stat``) but no latency
histogram, and loses a server's counters when the server is deleted (every pod that leaves) or
the worker reloads; its request log has every request's server, status, time and termination
state. So every frontend logs each request (each connection in TCP mode) as one UDP datagram
``<tag> <backend> <server> <status> <Tu ms> <termination state>`` to ``127.0.0.1:<port>``
(``config`` says why UDP; the revision is in the server's name; lines without the secret tag
are ignored). This process is an HAProxy ``program``: the master starts it, it is not restarted
on reload, and it ends with the master, so the counters live exactly as long as the data plane
does, through reloads, pod changes and engine restarts.

What is counted (as the built-in proxy counts, ``proxy.counters``): each line is one request on
its server's revision; the termination state gives the failure kind — ``SC`` (connection refused
or reset by the server) refused, ``s?`` (a server-side timeout: connect, headers, data) timeout,
any other ``S?``/``P?``/``I?``/``D?``/``K?``/``R?`` (the server aborted, HAProxy refused its
answer, ...) reset, else a status of 500 or more 5xx. Client aborts (``C?``, ``c?``) are requests,
not failures. Latency is ``%Tu`` (from the request's first byte to its answer's last, without
keep-alive idle time; milliseconds), for HTTP answers (status 200 and up). Lines without a server
(``<NOSRV>``: no usable endpoint) are not counted.

Limits: lines are lost when this process falls so far behind that its receive buffer
(``RECEIVE_BUFFER``, as far as ``net.core.rmem_max`` allows, or forced when it may) is full,
and in the moment between HAProxy's start and this process's (a new data plane's first requests).

Signals: SIGUSR1 — what the master sends its programs on a reload, and on a soft stop — is ignored,
so a reload keeps the counters; the engine sends ``stop`` on the control socket before it stops
HAProxy; SIGTERM ends the process; so does the master's death (``PR_SET_PDEATHSIG``).

Control socket, one command per connection (like HAProxy's stats socket): ``show`` answers
``{"counters": [{"key": [backend, revision], "requests": …, "failures": {…}, "buckets": […],
"latencySum": …}], "lines": N}``; ``stop`` ends the process.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import selectors
import signal
import socket
import sys
from pathlib import Path

from graceroll.dataplane.haproxy.names import TAG_VARIABLE, revision_of
from graceroll.proxy.counters import Counter, Counters

CONTROL_TIMEOUT = 2.0
PR_SET_PDEATHSIG = 1
SO_RCVBUFFORCE = 33
RECEIVE_BUFFER = 8 * 1024 * 1024


def classify(status: int, state: str) -> str | None:
    """The failure kind of one logged request, None if it did not fail (the module docstring)."""
    first = state[:1]
    if first == "s":
        return "timeout"
    if state == "SC":
        return "refused"
    if first in ("S", "P", "I", "D", "K", "R"):
        return "reset"
    if status >= 500:
        return "5xx"
    return None


def count(counter: Counter, status: int, ms: int, state: str) -> None:
    kind = classify(status, state)
    seconds = ms / 1000 if status >= 200 and ms >= 0 else None
    if kind is not None:
        counter.failed(kind, seconds)
    elif seconds is not None:
        counter.answered(status, seconds)
    else:
        counter.requests += 1  # a TCP connection, or a request the client gave up on


class Tally:
    def __init__(self, tag: str) -> None:
        self.tag = tag.encode()
        self.counters = Counters()
        self.lines = 0

    def line(self, data: bytes) -> None:
        parts = data.split()
        if len(parts) != 6 or parts[0] != self.tag or parts[2] == b"<NOSRV>":
            return  # not from our HAProxy, its own messages (sent to every log target), or no pod reached
        try:
            status, ms = int(parts[3]), int(parts[4])
        except ValueError:
            return
        self.lines += 1
        server = parts[2].decode(errors="replace")
        count(self.counters.get((parts[1].decode(errors="replace"), revision_of(server))), status, ms, parts[5].decode(errors="replace"))

    def show(self) -> bytes:
        return json.dumps({"counters": self.counters.to_json(), "lines": self.lines}).encode() + b"\n"


def _control(path: Path) -> socket.socket:
    path.unlink(missing_ok=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    os.chmod(path, 0o600)
    s.listen(16)
    return s


def _log_socket(port: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    for option in (SO_RCVBUFFORCE, socket.SO_RCVBUF):  # the first needs CAP_NET_ADMIN; the second is capped at rmem_max
        try:
            s.setsockopt(socket.SOL_SOCKET, option, RECEIVE_BUFFER)
            break
        except OSError:
            continue
    s.setblocking(False)
    return s


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:  # the master was gone before the line above
        sys.exit(0)


def serve(port: int, control: Path, tag: str) -> None:
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    _die_with_parent()
    tally = Tally(tag)
    logs, ctl = _log_socket(port), _control(control)
    sel = selectors.DefaultSelector()
    sel.register(logs, selectors.EVENT_READ)
    sel.register(ctl, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is logs:
                while True:  # every datagram queued, then back to select
                    try:
                        tally.line(logs.recv(2048))
                    except BlockingIOError:
                        break
            elif _command(ctl, tally) == "stop":
                return


def _command(ctl: socket.socket, tally: Tally) -> str:
    conn, _ = ctl.accept()
    with conn:
        conn.settimeout(CONTROL_TIMEOUT)
        try:
            line = conn.recv(1024).split(b"\n")[0].strip().decode(errors="replace")
            conn.sendall(tally.show() if line == "show" else b"" if line == "stop" else b"unknown command\n")
        except OSError:
            return ""
    return line


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m graceroll.dataplane.haproxy.collector", description="HAProxy's traffic counters for a graceroll engine.")
    parser.add_argument("--port", required=True, type=int, help="UDP port on 127.0.0.1 HAProxy logs requests to.")
    parser.add_argument("--control", required=True, type=Path, help="Unix socket the engine reads the counters from.")
    args = parser.parse_args()
    tag = os.environ.get(TAG_VARIABLE)
    if not tag:
        parser.error(f"${TAG_VARIABLE} must hold the tag of the request log lines")
    serve(args.port, args.control, tag)


if __name__ == "__main__":
    main()
