"""A real engine in a subprocess (its own session) on a temporary data dir, driven by the CLI.

Everything is bounded: starting waits at most ``START_TIMEOUT``; stopping sends SIGTERM (the
engine stops its pods with their full termination sequence) and falls back to SIGKILL of the
engine's process group and of every pod process group the engine recorded.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from graceroll.client.http_store import trusting
from graceroll.dataplane import record
from graceroll.engine.paths import DataDir

START_TIMEOUT = 30.0
STOP_TIMEOUT = 60.0
CLI_TIMEOUT = 180.0


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Engine:
    data_dir: Path
    data_plane: str | None = None  # --data-plane; None: the engine's default (auto)
    proc: subprocess.Popen[bytes] | None = None
    url: str = ""
    token: str = ""
    pgids: set[int] = field(default_factory=set)

    @property
    def dd(self) -> DataDir:
        return DataDir(self.data_dir)

    def start(self) -> None:
        """Run ``graceroll up`` and wait (bounded) until its API answers."""
        log = open(self.data_dir / "engine-test.log", "ab")  # noqa: SIM115  (handed to the child)
        self.dd.address.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(self.data_dir), "up", "--listen", "127.0.0.1:0"]
            + (["--data-plane", self.data_plane] if self.data_plane else []),
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.pgids.add(self.proc.pid)
        deadline = time.monotonic() + START_TIMEOUT
        while not (self.dd.address.exists() and self.dd.address.read_text().strip()):  # written, not only created
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"engine did not start:\n{self.log_tail()}")
            time.sleep(0.05)  # polls a file the child writes; there is no event to await across processes
        self.url = self.dd.address.read_text().strip()
        self.token = self.dd.token.read_text().strip()

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        """Stop the engine; returns its exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        self._remember_pod_groups()
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                return proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._kill_groups()
                proc.wait(timeout=10)
                return None
        return proc.returncode

    def kill_all(self) -> None:
        """Last resort at teardown: nothing the test started survives it."""
        self.stop()
        self._kill_groups()

    def _remember_pod_groups(self) -> None:
        for pgid in recorded_groups(self.data_dir):
            self.pgids.add(pgid)
        plane = record.load(self.data_dir)
        if plane is not None:
            self.pgids.add(plane.pid)  # the data plane runs in a session of its own, which outlives the engine

    def _kill_groups(self) -> None:
        for pgid in self.pgids:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def log_tail(self, n: int = 40) -> str:
        p = self.data_dir / "engine-test.log"
        return "\n".join(p.read_text(errors="replace").splitlines()[-n:]) if p.exists() else ""

    def cli(self, *args: str, check: bool = True, timeout: float = CLI_TIMEOUT) -> Result:
        """One ``graceroll`` command against this engine."""
        cmd = [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(self.data_dir), *args]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        r = Result(p.returncode, p.stdout, p.stderr)
        if check and r.code != 0:
            raise AssertionError(f"graceroll {' '.join(args)} exited {r.code}:\n{r.out}\n{r.err}\n--- engine log ---\n{self.log_tail()}")
        return r

    def get(self, kind: str, name: str = "") -> Any:
        return json.loads(self.cli("get", kind, *([name] if name else []), "-o", "json").out)

    def api(self, method: str, path: str, token: str | None = "", headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token or self.token}"
        with httpx.Client(base_url=self.url, timeout=10, verify=trusting(self.dd.tls_cert)) as c:
            return c.request(method, path, headers=headers, **kw)


def recorded_groups(data_dir: Path) -> list[int]:
    """Process groups of pod containers the engine recorded (each pod dir's ledger file)."""
    from graceroll.node.process.ledger import FILE

    groups: set[int] = set()
    for ledger in DataDir(data_dir).node.rglob(FILE):
        try:
            groups.update(int(g["pgid"]) for g in json.loads(ledger.read_text()).get("groups", []))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(groups)


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper that is this test process does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def store_pods(dd: DataDir) -> list[dict[str, Any]]:
    """The pods in a stopped engine's store, read straight from its SQLite file."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(f"file:{dd.store}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT body FROM objects WHERE kind = 'Pod'").fetchall()
    return [json.loads(body) for (body,) in rows]


def until(predicate: Any, what: str, timeout: float = 90.0, ignore: tuple[type[Exception], ...] = ()) -> Any:
    """Poll another process's state (an engine's or kubectl's answers) until ``predicate`` is
    truthy; fail after ``timeout`` seconds. Exceptions in ``ignore`` count as not yet."""
    end = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except ignore:
            value = None
        if value:
            return value
        assert time.monotonic() < end, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.2)  # across processes there is no event to await
