"""kill -9 an engine mid-write: every write it reported as committed is on disk after a restart.

A child process opens the SQLite store and writes forever: creates, updates (a label) and deletes.
Before each write it prints ``begin <verb> <name> <step>``, after the write returned
``done <verb> <name> <step> <resourceVersion>``. The test kills it with SIGKILL after K reported
writes, reads what was still in the pipe, reopens the store and checks it against a replay of the
``done`` lines. Only the one write that had begun but was not reported may go either way.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

import graceroll
import graceroll.api.builtin  # registers the kinds
from graceroll.clock import VirtualClock
from graceroll.store.sqlite import open_store

INITIAL_CREATES = 50
READ_TIMEOUT = 60.0  # seconds for the child to report K writes; fsync-bound, normally well under 5
EXIT_TIMEOUT = 10.0

CHILD = r"""
import sys

import graceroll.api.builtin
from graceroll.clock import SystemClock
from graceroll.store.sqlite import open_store

path, initial = sys.argv[1], int(sys.argv[2])


def say(*words):
    sys.stdout.write(" ".join(str(w) for w in words) + "\n")
    sys.stdout.flush()


def pod(name, step):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"step": str(step)}},
        "spec": {"containers": [{"name": "app", "image": "app:v1"}]},
    }


store = open_store(path, SystemClock())
live = []  # names in creation order
step = 0
while True:
    phase = step % 4 if step >= initial else 0
    if phase in (0, 1):
        verb, name = "create", f"p-{step}"
    elif phase == 2:
        verb, name = "update", live[-1]
    else:
        verb, name = "delete", live.pop(0)
    say("begin", verb, name, step)
    if verb == "create":
        rv = store.create(pod(name, step))["metadata"]["resourceVersion"]
        live.append(name)
    elif verb == "update":
        current = store.get("Pod", "default", name)
        changed = dict(current, metadata=dict(current["metadata"], labels={"step": str(step)}))
        rv = store.update(changed)["metadata"]["resourceVersion"]
    else:
        store.delete("Pod", "default", name)
        rv = store.resource_version
    say("done", verb, name, step, rv)
    step += 1
"""


class LineReader:
    """Complete lines from a pipe, with a deadline, so a stuck child fails the test instead of hanging it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._fd = stream.fileno()
        self._buf = b""
        self._eof = False
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._fd, selectors.EVENT_READ)

    def readline(self, deadline: float) -> str | None:
        """The next complete line, or None at end of stream (a partial last line is dropped)."""
        while b"\n" not in self._buf:
            if self._eof:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the child reported nothing before the deadline")
            if not self._selector.select(remaining):
                continue
            chunk = os.read(self._fd, 65536)
            self._eof = not chunk
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line.decode()

    def close(self) -> None:
        self._selector.close()


@dataclass
class Replay:
    """What the ``done`` lines say the store holds: name -> the ``step`` label."""

    objects: dict[str, str] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    last_rv: int = 0
    reported: int = 0
    in_flight: tuple[str, str, str] | None = None  # (verb, name, step) begun but not reported

    def feed(self, line: str) -> None:
        word, verb, name, step, *rest = line.split()
        if word == "begin":
            self.in_flight = (verb, name, step)
            return
        assert word == "done" and self.in_flight == (verb, name, step), f"out of order: {line!r}"
        self.in_flight = None
        self.reported += 1
        self.last_rv = int(rest[0])
        if verb == "delete":
            del self.objects[name]
            self.deleted.add(name)
        else:
            self.objects[name] = step


def _child_env() -> dict[str, str]:
    src = str(Path(graceroll.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    return env


def _run_and_kill(path: Path, kill_after: int, stderr_path: Path) -> list[str]:
    """Start the writer, SIGKILL it after ``kill_after`` reported writes; every complete line it printed."""
    lines: list[str] = []
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(INITIAL_CREATES)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=_child_env(),
        )
    assert proc.stdout is not None
    reader = LineReader(proc.stdout)
    try:
        deadline = time.monotonic() + READ_TIMEOUT
        done = 0
        while done < kill_after:
            line = reader.readline(deadline)
            if line is None:
                pytest.fail(f"the writer exited early ({proc.wait(EXIT_TIMEOUT)}): {stderr_path.read_text()}")
            lines.append(line)
            done += line.startswith("done ")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=EXIT_TIMEOUT) == -signal.SIGKILL
        drain_deadline = time.monotonic() + EXIT_TIMEOUT
        while (line := reader.readline(drain_deadline)) is not None:
            lines.append(line)  # reported before the kill, still in the pipe
    finally:
        reader.close()
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=EXIT_TIMEOUT)
        proc.stdout.close()
    return lines


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "kill_after",
    [
        pytest.param(20, id="killed among the first creates"),
        pytest.param(400, id="killed among creates, updates and deletes"),
    ],
)
def test_every_reported_write_survives_kill_9(tmp_path: Path, kill_after: int) -> None:
    path = tmp_path / "data" / "state.db"
    lines = _run_and_kill(path, kill_after, tmp_path / "writer.stderr")

    replay = Replay()
    for line in lines:
        replay.feed(line)
    assert replay.reported >= kill_after

    store = open_store(path, VirtualClock())
    try:
        on_disk = {p["metadata"]["name"]: p["metadata"]["labels"]["step"] for p in store.list("Pod")}
        maybe = replay.in_flight[1] if replay.in_flight else None
        expected = {n: s for n, s in replay.objects.items() if n != maybe}
        assert {n: s for n, s in on_disk.items() if n != maybe} == expected
        assert not replay.deleted & on_disk.keys()
        if replay.in_flight is not None:
            verb, name, step = replay.in_flight
            before = replay.objects.get(name)
            after = None if verb == "delete" else step
            assert on_disk.get(name) in (before, after), f"in-flight {verb} of {name} left a third state"
        assert replay.last_rv <= store.resource_version <= replay.last_rv + 1
    finally:
        store.close()
