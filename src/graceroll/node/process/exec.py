"""Commands run inside a running container (``kubectl exec``, ``kubectl cp``), and attaching to one.

An exec'd command gets what the container's own process got from ``launch``: its environment
(``POD_IP``, ``env``, ``$GRACEROLL_VOLUME_*``), its working directory, hence its volumes. It runs
in its own process group, recorded in the pod's ledger (a restarted engine kills it) and in the
container's instance, so it is killed when the container stops, and by the API server when the
client goes away. With a terminal (``-t``) it runs on a pty (stdlib ``pty``) that is its
controlling terminal, so ^C reaches it as SIGINT; stderr then shares the terminal, as upstream.

Attaching reads what the container's process writes (its log file, stdout and stderr together)
and, when the container declares ``stdin: true``, writes to the pipe that is its stdin
(``stdinOnce``: the pipe is closed when the first attached client leaves, and the process sees
end of file). Containers with ``tty: true`` are run without a terminal on the engine. A container
adopted from an earlier engine takes exec'd commands too, but its stdin is not the engine's: it
cannot be written to by attach.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import shutil
import signal
import struct
import sys
import termios
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from graceroll.errors import GracerollError
from graceroll.node.process import logs
from graceroll.node.process.pipes import FdReader, FdWriter
from graceroll.node.process.runtime import Process, Spawn

if TYPE_CHECKING:
    from graceroll.node.process.container import ContainerRunner, Instance

# Make the pty the controlling terminal of the new session, then become the command.
CONTROLLING_TTY = "import fcntl,os,sys,termios;fcntl.ioctl(1,termios.TIOCSCTTY,0);os.execv(sys.argv[1],sys.argv[2:])"
EOT = b"\x04"  # ^D: end of input on a terminal


class ExecError(GracerollError):
    """The command cannot be run; the message is the one upstream's runtime reports."""


class NotRunning(ExecError):
    """The pod or container is not running here: nothing can be exec'd in it or attached to it."""


@dataclass
class Session:
    """A running exec'd command and its ends of stdin, stdout and stderr (None: not asked for)."""

    proc: Process
    stdin: FdWriter | None = None
    stdout: FdReader | None = None
    stderr: FdReader | None = None
    tty: int | None = None  # the pty master, for resizes
    _others: list[int] = field(default_factory=list)

    def resize(self, width: int, height: int) -> None:
        if self.tty is not None and width > 0 and height > 0:
            with contextlib.suppress(OSError):
                fcntl.ioctl(self.tty, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))

    async def end_stdin(self) -> None:
        """The client has no more input: end of file (on a terminal, ^D)."""
        if self.stdin is None:
            return
        if self.tty is not None:
            await self.stdin.write(EOT)
        else:
            self.stdin.close()

    def kill(self) -> None:
        self.proc.signal_group(signal.SIGKILL)

    def close(self) -> None:
        for end in (self.stdin, self.stdout, self.stderr):
            if end is not None:
                end.close()
        _close_all(self._others)
        self._others.clear()


def resolve(argv: list[str], env: dict[str, str], cwd: Path) -> str:
    """The executable of ``argv[0]`` as the container would find it (its PATH, its working directory)."""
    if not argv or not argv[0]:
        raise ExecError("exec: no command given")
    name = argv[0]
    if "/" in name:
        path = name if os.path.isabs(name) else str(cwd / name)
        if not os.access(path, os.X_OK) or os.path.isdir(path):
            raise ExecError(f'exec: "{name}": stat {name}: no such file or directory')
        return path
    found = shutil.which(name, path=env.get("PATH", os.defpath))
    if found is None:
        raise ExecError(f'exec: "{name}": executable file not found in $PATH')
    return found


def start(runner: ContainerRunner, argv: list[str], stdin: bool, stdout: bool, stderr: bool, tty: bool) -> Session:
    """Run ``argv`` in the running container of ``runner``; raises ``ExecError``."""
    inst = _running(runner)
    env = dict(inst.target.env)
    cwd = inst.target.cwd
    executable = resolve(argv, env, cwd)
    if tty:
        env.setdefault("TERM", "xterm")
        master, slave = pty.openpty()
        spawn = Spawn([sys.executable, "-I", "-S", "-c", CONTROLLING_TTY, executable, *argv], env, cwd, slave, slave if stdin else None)
        proc = _spawn(runner, spawn, argv, child=[slave], ours=[master])
        session = Session(proc, FdWriter(os.dup(master)) if stdin else None, FdReader(master) if stdout else None, None, master)
        if not stdout:
            session._others.append(master)
    else:
        ends = {name: os.pipe() for name, wanted in (("stdin", stdin), ("stdout", stdout), ("stderr", stderr)) if wanted}
        out = ends["stdout"][1] if stdout else None
        spawn = Spawn(
            [executable, *argv[1:]],
            env,
            cwd,
            output=out,
            stdin=ends["stdin"][0] if stdin else None,
            errors=ends["stderr"][1] if stderr else out,
        )
        child = [ends["stdin"][0]] if stdin else []
        child += [ends[n][1] for n in ("stdout", "stderr") if n in ends]
        ours = [fd for pair in ends.values() for fd in pair if fd not in child]
        proc = _spawn(runner, spawn, argv, child, ours)
        session = Session(
            proc,
            FdWriter(ends["stdin"][1]) if stdin else None,
            FdReader(ends["stdout"][0]) if stdout else None,
            FdReader(ends["stderr"][0]) if stderr else None,
        )
    runner.pod.ledger.add(proc.pgid)
    inst.sessions.add(proc)

    def ended(_: object) -> None:
        runner.pod.ledger.discard(proc.pgid)
        inst.sessions.discard(proc)

    proc.exited.add_done_callback(ended)
    return session


def _spawn(runner: ContainerRunner, spawn: Spawn, argv: list[str], child: list[int], ours: list[int]) -> Process:
    """Start ``spawn``; the ``child``'s ends are closed here either way, ``ours`` too when it fails."""
    try:
        return runner.pod.runtime.spawn(spawn)
    except OSError as e:
        _close_all(ours)
        raise ExecError(f'exec: "{argv[0]}": {e.strerror or e}') from e
    finally:
        _close_all(child)


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _running(runner: ContainerRunner) -> Instance:
    inst = runner.instance
    if inst is None or not inst.proc.running or inst.stop.done():
        raise NotRunning(f'container not found ("{runner.name}")')
    return inst


@dataclass
class Attachment:
    """An attached client's view of a container: its log from now on, and its stdin when it has one."""

    log: Path
    offset: int
    instance: Instance
    stdin: FdWriter | None

    @property
    def running(self) -> bool:
        return self.instance.proc.running

    def detach(self) -> None:
        """The client left: with ``stdinOnce`` the container's stdin is over for good."""
        if self.stdin is not None:
            self.stdin.close()
            if self.instance.spec.get("stdinOnce"):
                self.instance.close_stdin()


def attach(runner: ContainerRunner, stdin: bool) -> Attachment:
    inst = _running(runner)
    if stdin and inst.stdin is None:
        raise ExecError(f"container {runner.name} does not accept stdin: it needs stdin: true in the pod spec")
    log = logs.run_log(runner.pod.log_dir(runner.name), runner.restart_count)
    offset = log.stat().st_size if log.exists() else 0
    writer = FdWriter(os.dup(inst.stdin)) if stdin and inst.stdin is not None else None
    return Attachment(log, offset, inst, writer)


def resize_message(data: bytes) -> tuple[int, int] | None:
    """The resize channel's ``{"Width": 80, "Height": 24}``."""
    try:
        size = json.loads(data)
        return int(size.get("Width", 0)), int(size.get("Height", 0))
    except (ValueError, TypeError, AttributeError):
        return None
