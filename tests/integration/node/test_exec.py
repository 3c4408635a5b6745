"""Commands exec'd in a running container: its environment, stdin/stdout/stderr, a terminal, the
end of the command with the container, and attaching to the container's own stdin and output."""

from __future__ import annotations

import asyncio
import json
import signal

import pytest

from graceroll.node.process.exec import ExecError, NotRunning, Session
from graceroll.node.process.pipes import FdReader
from graceroll.node.process.procfs import group_members

from .harness import Cluster

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]


async def drain(session: Session) -> tuple[bytes, bytes]:
    async def read(reader: FdReader | None) -> bytes:
        out = b""
        while reader is not None and (chunk := await reader.read()):
            out += chunk
        return out

    return await asyncio.wait_for(asyncio.gather(read(session.stdout), read(session.stderr)), 10)


async def running_pod(cluster: Cluster, **spec: object) -> None:
    cluster.create("web", [cluster.container(APP_SERVE="1", MARK="container-env") | spec])
    await cluster.app_running("web")


async def test_a_command_runs_with_the_containers_environment_and_working_directory(cluster: Cluster) -> None:
    await running_pod(cluster)
    script = "import json, os; print(json.dumps({'env': dict(os.environ), 'cwd': os.getcwd()})); import sys; print('oops', file=sys.stderr); sys.exit(3)"
    session = cluster.node.exec("default", "web", "app", ["python3", "-c", script], False, True, True, False)
    out, err = await drain(session)
    assert await session.proc.wait(10) == 3
    seen = json.loads(out)
    assert seen["env"]["MARK"] == "container-env" and seen["env"]["POD_IP"] == cluster.status("web")["podIP"]
    assert seen["cwd"] == str(cluster.state_dir / "pods" / cluster.pod("web")["metadata"]["uid"] / "root")  # type: ignore[index]
    assert err == b"oops\n"


async def test_stdin_reaches_the_command_and_its_end_is_end_of_file(cluster: Cluster) -> None:
    await running_pod(cluster)
    session = cluster.node.exec("default", "web", "app", ["cat"], True, True, False, False)
    assert session.stdin is not None
    await session.stdin.write(b"hello\n")
    await session.end_stdin()
    out, _ = await drain(session)
    assert out == b"hello\n" and await session.proc.wait(10) == 0


async def test_a_terminal_is_the_commands_controlling_terminal(cluster: Cluster) -> None:
    await running_pod(cluster)
    session = cluster.node.exec("default", "web", "app", ["sh", "-c", "stty size; tty; test -t 0 && echo interactive"], True, True, False, True)
    session.resize(100, 40)
    out, _ = await drain(session)
    text = out.replace(b"\r", b"").decode()
    assert "40 100" in text and "/dev/pts/" in text and "interactive" in text


async def test_exec_commands_die_with_their_container_and_are_on_the_pods_ledger(cluster: Cluster) -> None:
    await running_pod(cluster)
    session = cluster.node.exec("default", "web", "app", ["sleep", "300"], False, True, False, False)
    pgid = session.proc.pgid
    ledger = json.loads((cluster.state_dir / "pods" / cluster.pod("web")["metadata"]["uid"] / "processes.json").read_text())  # type: ignore[index]
    assert pgid in [g["pgid"] for g in ledger["groups"]]
    cluster.store.delete("Pod", "default", "web")
    assert await session.proc.wait(15) == 128 + signal.SIGKILL
    assert group_members(pgid) == []
    session.close()


async def test_what_cannot_be_run_is_refused_with_upstreams_messages(cluster: Cluster) -> None:
    await running_pod(cluster)
    with pytest.raises(ExecError, match='exec: "no-such-command": executable file not found in \\$PATH'):
        cluster.node.exec("default", "web", "app", ["no-such-command"], False, True, False, False)
    with pytest.raises(NotRunning, match='container not found \\("other"\\)'):
        cluster.node.exec("default", "web", "other", ["true"], False, True, False, False)
    with pytest.raises(NotRunning, match='pod "ghost" is not running'):
        cluster.node.exec("default", "ghost", "app", ["true"], False, True, False, False)


async def test_attach_writes_to_a_stdin_true_container_and_stdin_once_ends_it(cluster: Cluster) -> None:
    reader = {"name": "app", "image": "app:v1", "command": ["sh", "-c", "while read l; do echo \"got $l\"; done; echo bye; sleep 300"], "stdin": True, "stdinOnce": True}
    cluster.create("reader", [reader])
    await cluster.until(lambda: "running" in (cluster.cs("reader").get("state") or {}), what="reader running")
    attachment = cluster.node.attach("default", "reader", "app", True)
    assert attachment.stdin is not None
    await attachment.stdin.write(b"one\n")
    log = attachment.log
    await cluster.until(lambda: log.exists() and b"got one" in log.read_bytes(), what="the container read its stdin")
    attachment.detach()  # stdinOnce: the container's stdin is closed for good
    await cluster.until(lambda: b"bye" in log.read_bytes(), what="end of file after the client left")
    with pytest.raises(ExecError, match="does not accept stdin"):  # its stdin is over until it restarts
        cluster.node.attach("default", "reader", "app", True)


async def test_a_container_without_stdin_true_cannot_be_written_to(cluster: Cluster) -> None:
    await running_pod(cluster)
    with pytest.raises(ExecError, match="needs stdin: true"):
        cluster.node.attach("default", "web", "app", True)
    assert cluster.node.attach("default", "web", "app", False).stdin is None  # output only
