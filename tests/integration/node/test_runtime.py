"""Process groups: exit codes as Kubernetes reports them, a dead leader takes its group along, orphans are reaped."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from graceroll.clock import SystemClock
from graceroll.node.process.ledger import group_members, read_stat
from graceroll.node.process.runtime import ProcessRuntime, Spawn

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(15)]


@pytest_asyncio.fixture
async def runtime() -> AsyncIterator[ProcessRuntime]:
    rt = ProcessRuntime(SystemClock(), sweep_interval=0.1)
    await rt.start()
    try:
        yield rt
    finally:
        await rt.close()  # SIGKILLs, by process group, whatever a test left running


def py(code: str, tmp_path: Path) -> Spawn:
    return Spawn([sys.executable, "-c", code], dict(os.environ), tmp_path)


@pytest.mark.parametrize(
    "code, expect",
    [
        pytest.param("raise SystemExit(0)", 0, id="success"),
        pytest.param("raise SystemExit(3)", 3, id="exit code"),
        pytest.param("import os, signal; os.kill(os.getpid(), signal.SIGTERM)", 143, id="SIGTERM is 128+15"),
        pytest.param("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", 137, id="SIGKILL is 128+9"),
    ],
)
async def test_exit_codes(runtime: ProcessRuntime, tmp_path: Path, code: str, expect: int) -> None:
    assert await runtime.run(py(code, tmp_path), timeout=10) == expect


async def test_each_process_leads_its_own_group(runtime: ProcessRuntime, tmp_path: Path) -> None:
    proc = runtime.spawn(py("import time; time.sleep(30)", tmp_path))
    stat = read_stat(proc.pid)
    assert stat is not None and stat.pgrp == proc.pid == proc.pgid
    assert os.getsid(proc.pid) == proc.pid
    proc.signal_group(9)
    assert await proc.wait(5) == 137


async def test_when_the_leader_exits_the_rest_of_its_group_is_killed_and_reaped(runtime: ProcessRuntime, tmp_path: Path) -> None:
    child_pid = tmp_path / "child"
    code = (
        "import subprocess, sys, pathlib; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); "
        f"pathlib.Path({str(child_pid)!r}).write_text(str(p.pid))"
    )
    assert await runtime.run(py(code, tmp_path), timeout=10) == 0
    pid = int(child_pid.read_text())
    clock = SystemClock()
    end = clock.now() + 5
    while read_stat(pid) is not None and clock.now() < end:  # gone entirely: killed, re-parented to us, reaped
        await clock.sleep(0.05)
    if runtime.subreaper:
        assert read_stat(pid) is None
    assert not group_members(pid)


async def test_signals_reach_the_whole_group(runtime: ProcessRuntime, tmp_path: Path) -> None:
    code = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import time; time.sleep(30)'])"
    proc = runtime.spawn(py(code, tmp_path))
    clock = SystemClock()
    end = clock.now() + 5
    while len(group_members(proc.pgid)) < 2 and clock.now() < end:
        await clock.sleep(0.05)
    proc.signal_group(15)
    assert await proc.wait(5) == 143
    assert not proc.signal_group(15), "a reaped group is never signalled again"


async def test_a_command_that_runs_out_of_time_is_killed(runtime: ProcessRuntime, tmp_path: Path) -> None:
    clock = SystemClock()
    start = clock.now()
    assert await runtime.run(py("import time; time.sleep(30)", tmp_path), timeout=0.3) is None
    assert clock.now() - start < 3
    assert runtime.live_groups() == []


async def test_a_command_that_cannot_run_raises(runtime: ProcessRuntime, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        runtime.spawn(Spawn(["/no/such/binary"], {}, tmp_path))
