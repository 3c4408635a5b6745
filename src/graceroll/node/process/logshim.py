"""The log shim: copies a container's output into its log file, one timestamped line at a time.

Run as its own process (``python -I -S logshim.py FILE``, standard library only, so it starts in
milliseconds), between the container and its file, like a container runtime's shim (conmon,
containerd-shim): the container writes into a pipe whose other end only this process reads, so
the container never waits for the engine, and lines written just before an engine crash still
reach the file. The shim ends when every writer of the pipe is gone (end of file).

Each line is written in the CRI log format the kubelet reads (``kubelet/kuberuntime/logs``)::

    2026-01-02T03:04:05.123456789Z stdout F the line

``F`` is a full line; a line longer than ``MAX_LINE`` is cut into ``P`` (partial) pieces, as
containerd cuts at 16 KiB. stdout and stderr share the pipe (so their order is kept) and are
recorded as ``stdout``. This module is the one place besides ``graceroll.clock`` that reads the
wall clock: it stamps lines in a process of its own, where the engine's clock does not exist.
"""

from __future__ import annotations

import os
import sys
import time

MAX_LINE = 16 * 1024
READ_SIZE = 64 * 1024


def stamp() -> bytes:
    seconds, nanos = divmod(time.time_ns(), 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)).encode() + b".%09dZ" % nanos


def records(lines: list[bytes], partial: bytes, now: bytes) -> tuple[list[bytes], bytes]:
    """CRI records for complete ``lines``, and what stays buffered of ``partial`` (cut at MAX_LINE)."""
    out = []
    for line in lines:
        while len(line) > MAX_LINE:
            out.append(now + b" stdout P " + line[:MAX_LINE] + b"\n")
            line = line[MAX_LINE:]
        out.append(now + b" stdout F " + line + b"\n")
    while len(partial) >= MAX_LINE:
        out.append(now + b" stdout P " + partial[:MAX_LINE] + b"\n")
        partial = partial[MAX_LINE:]
    return out, partial


def main(path: str) -> int:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    pending = b""
    while True:
        try:
            chunk = os.read(0, READ_SIZE)
        except InterruptedError:
            continue
        if not chunk:
            break
        *lines, pending = (pending + chunk).split(b"\n")
        out, pending = records(lines, pending, stamp())
        if out:
            os.write(fd, b"".join(out))
    if pending:
        os.write(fd, stamp() + b" stdout F " + pending + b"\n")
    os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
