"""``graceroll up`` and ``graceroll down``: start and stop the embedded engine."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import typer

from graceroll.cli.context import CliContext
from graceroll.clock import SystemClock
from graceroll.dataplane import record
from graceroll.dataplane.choice import CHOICES
from graceroll.engine.paths import DataDir
from graceroll.errors import GracerollError, UsageError
from graceroll.node.process.procfs import read_stat

START_TIMEOUT = 60.0
STOP_TIMEOUT = 600.0  # pods may take their whole grace periods
POLL = 0.1


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise UsageError(f'--listen must be HOST:PORT, e.g. 127.0.0.1:7443 (got "{text}")')
    return host, int(port)


def up(
    ctx: typer.Context,
    listen: str = typer.Option("127.0.0.1:7443", "--listen", help="API address (HOST:PORT; port 0 picks a free one)."),
    detach: bool = typer.Option(False, "--detach", "-d", help="Run in the background; wait until the API answers."),
    data_plane: str | None = typer.Option(
        None, "--data-plane", help="builtin, haproxy or auto (HAProxy when installed); default: dataPlane in <data dir>/config.yaml, else auto."
    ),
) -> None:
    """Start the engine: store, controllers, pods as processes, the data plane and the API.

    The data plane (the built-in proxy or HAProxy) is a process of its own: it keeps serving when
    the engine dies, and the next engine attaches to it. Restarting on the same data dir resumes
    everything; after a crash of the last engine, the containers it left running are adopted
    (README: Restarting the engine).
    """
    c: CliContext = ctx.obj
    host, port = parse_listen(listen)
    dd = DataDir(c.data_dir)
    if data_plane is not None and data_plane not in CHOICES:
        raise UsageError(f'--data-plane must be one of {", ".join(CHOICES)} (got "{data_plane}")')
    if detach:
        _start_detached(dd, listen, data_plane)
        return
    from graceroll.engine.engine import EngineOptions, run_engine

    log_to_stderr()
    asyncio.run(run_engine(EngineOptions(dd.root, host, port, data_plane)))


def log_to_stderr() -> None:
    """The log of a long-running command (the engine, the operator): ``$GRACEROLL_LOG_LEVEL``
    (default INFO) to stderr; httpx's line per request (hook fetches, API calls) only as a warning."""
    logging.basicConfig(level=os.environ.get("GRACEROLL_LOG_LEVEL", "INFO").upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _alive(pid: int) -> bool:
    """Running, not exited: an engine that exited is a zombie until its parent reaps it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    st = read_stat(pid)
    return st is None or st.state not in ("Z", "X")


def _running_pid(dd: DataDir) -> int | None:
    if not dd.pid.exists():
        return None
    try:
        pid = int(dd.pid.read_text().strip())
    except ValueError:
        return None
    return pid if _alive(pid) else None


def _start_detached(dd: DataDir, listen: str, data_plane: str | None) -> None:
    pid = _running_pid(dd)
    if pid is not None:
        raise GracerollError(f"an engine is already running on {dd.root} (pid {pid}); stop it with: graceroll down")
    dd.root.mkdir(parents=True, exist_ok=True)
    dd.address.unlink(missing_ok=True)
    args = ["--data-plane", data_plane] if data_plane else []
    with open(dd.log, "ab") as logf:
        proc = subprocess.Popen(
            [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(dd.root), "up", "--listen", listen, *args],
            stdin=subprocess.DEVNULL,
            stdout=logf,
            stderr=logf,
            start_new_session=True,
        )
    clock = SystemClock()
    deadline = clock.now() + START_TIMEOUT
    typer.echo(f"starting engine (pid {proc.pid}, log {dd.log}) ", err=True, nl=False)
    while clock.now() < deadline:
        if proc.poll() is not None:
            typer.echo("", err=True)
            raise GracerollError(f"the engine exited with code {proc.returncode}:\n{_tail(dd.log)}")
        if dd.address.exists():
            typer.echo("", err=True)
            typer.echo(f"engine running (pid {proc.pid}); API at {dd.address.read_text().strip()}; data in {dd.root}; {data_plane_line(dd)}")
            typer.echo(f"kubectl and client libraries: export KUBECONFIG={dd.kubeconfig}")
            return
        typer.echo(".", err=True, nl=False)
        clock.block(0.2)
    proc.terminate()
    raise GracerollError(f"the engine did not become ready in {START_TIMEOUT:g}s:\n{_tail(dd.log)}")


def data_plane_line(dd: DataDir) -> str:
    """What serves the Services, from the record in the data dir."""
    rec = record.load(dd.root)
    if rec is None:
        return "data plane: none running"
    state = "running" if rec.alive() else "not running (the next engine starts a new one)"
    return f"data plane: {rec.kind} (pid {rec.pid}, {state})"


def status(ctx: typer.Context) -> None:
    """Show the engine and the data plane on this data dir (read from the data dir; no API call)."""
    c: CliContext = ctx.obj
    dd = DataDir(c.data_dir)
    pid = _running_pid(dd)
    if pid is None:
        typer.echo(f"engine: not running on {dd.root}")
    else:
        url = dd.address.read_text().strip() if dd.address.exists() else "starting"
        typer.echo(f"engine: running (pid {pid}); API at {url}; data in {dd.root}")
    typer.echo(data_plane_line(dd))
    if pid is not None and dd.kubeconfig.exists():
        typer.echo(f"kubeconfig: {dd.kubeconfig}")


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def down(ctx: typer.Context, timeout: float = typer.Option(STOP_TIMEOUT, "--timeout", help="Seconds to wait for pods to stop.")) -> None:
    """Stop the engine gracefully: every pod gets its full termination sequence."""
    c: CliContext = ctx.obj
    dd = DataDir(c.data_dir)
    pid = _running_pid(dd)
    if pid is None:
        dd.pid.unlink(missing_ok=True)
        typer.echo(f"no engine is running on {dd.root}")
        return
    os.kill(pid, signal.SIGTERM)
    clock = SystemClock()
    deadline = clock.now() + timeout
    typer.echo(f"stopping engine (pid {pid}) ", err=True, nl=False)
    while _alive(pid) and clock.now() < deadline:
        if _reap(pid):
            break
        typer.echo(".", err=True, nl=False)
        clock.block(0.25)
    typer.echo("", err=True)
    if _alive(pid) and not _reap(pid):
        raise GracerollError(f"the engine (pid {pid}) is still stopping after {timeout:g}s; see {dd.log}")
    typer.echo("engine stopped")


def _reap(pid: int) -> bool:
    """True once ``pid`` is gone (reaping it if it is our own child, as in tests)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == pid
    except ChildProcessError:
        return not _alive(pid)
