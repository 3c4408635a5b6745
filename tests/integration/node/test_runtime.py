"""Process groups: exit codes as Kubernetes reports them, a dead leader takes its group along, orphans are reaped."""

from __future__ import annotations

import contextlib
import ctypes
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from graceroll.clock import SystemClock
from graceroll.node.process.procfs import POD_UID_ENV, group_members, read_stat
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


# ---- adopted groups (started by an earlier engine) --------------------------------------------
UID = "pod-uid-1"
SLEEP = "import time; time.sleep(30)"
PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37


@pytest.fixture
def leftovers(tmp_path: Path) -> Iterator[Callable[..., int]]:
    """Start a group as a dead engine would have left it: its own session, the pod uid in its environment.

    ``orphan=True`` makes it nobody's child here (an intermediate parent exits while this process is
    not a subreaper), as after ``kill -9`` of a real engine. Every pid started is killed afterwards.
    """
    pids: list[int] = []
    children: list[subprocess.Popen[bytes]] = []
    libc = ctypes.CDLL(None, use_errno=True)

    def start(code: str = SLEEP, orphan: bool = False, uid: str = UID) -> int:
        env = dict(os.environ, **{POD_UID_ENV: uid})
        if not orphan:
            proc = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True)
            children.append(proc)
            pids.append(proc.pid)
            return proc.pid
        was = ctypes.c_int(0)
        libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(was), 0, 0, 0)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        try:
            spawn = f"import subprocess, sys; print(subprocess.Popen([sys.executable, '-c', {code!r}], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid)"
            out = subprocess.run([sys.executable, "-c", spawn], env=env, capture_output=True, text=True, timeout=10, check=True)
        finally:
            libc.prctl(PR_SET_CHILD_SUBREAPER, was.value, 0, 0, 0)
        pids.append(int(out.stdout))
        return pids[-1]

    yield start
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, 9)
    for child in children:
        child.wait(timeout=10)  # the runtime may have reaped it already: Popen copes


def ticks(pid: int) -> int:
    st = read_stat(pid)
    assert st is not None
    return st.started


async def members(pgid: int, n: int) -> None:
    clock = SystemClock()
    end = clock.now() + 5
    while len(group_members(pgid)) != n and clock.now() < end:
        await clock.sleep(0.05)
    assert len(group_members(pgid)) == n


async def test_an_adopted_group_that_is_not_our_child_is_watched_and_its_exit_is_unknown(
    runtime: ProcessRuntime, leftovers: Callable[..., int]
) -> None:
    pid = leftovers(orphan=True)
    assert Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1] != str(os.getpid())
    proc = runtime.adopt(pid, ticks(pid), UID, 123.0)
    assert proc is not None and proc.pid == proc.pgid == pid and proc.started_at == 123.0
    assert pid in runtime.live_groups()
    assert proc.signal_group(15)
    assert await proc.wait(5) == 137, "nobody here can read the code: reported as Kubernetes reports an unseen exit"
    assert not proc.exit_observed and pid not in runtime.live_groups()
    assert not proc.signal_group(15)


async def test_an_adopted_group_that_is_our_child_reports_its_exit_code(runtime: ProcessRuntime, leftovers: Callable[..., int]) -> None:
    pid = leftovers("import sys, time; time.sleep(0.5); sys.exit(3)")
    proc = runtime.adopt(pid, ticks(pid), UID, 0.0)
    assert proc is not None
    assert await proc.wait(5) == 3 and proc.exit_observed


async def test_a_pid_that_is_not_the_recorded_process_is_not_adopted(runtime: ProcessRuntime, leftovers: Callable[..., int]) -> None:
    pid = leftovers()
    assert runtime.adopt(pid, ticks(pid) - 1, UID, 0.0) is None, "another start time: the pid was reused"
    assert runtime.live_groups() == []


async def test_group_members_are_signalled_only_when_they_carry_the_pod_uid(
    runtime: ProcessRuntime, leftovers: Callable[..., int], tmp_path: Path
) -> None:
    stranger = tmp_path / "stranger"
    code = (
        "import os, subprocess, sys, time; "
        f"subprocess.Popen([sys.executable, '-c', {SLEEP!r}]); "
        f"s = subprocess.Popen([sys.executable, '-c', {SLEEP!r}], env={{'PATH': os.environ['PATH']}}); "
        f"open({str(stranger)!r}, 'w').write(str(s.pid)); time.sleep(30)"
    )
    pid = leftovers(code, orphan=True)
    await members(pid, 3)
    proc = runtime.adopt(pid, ticks(pid), UID, 0.0)
    assert proc is not None
    other = int(stranger.read_text())
    try:
        assert proc.signal_group(9)
        await proc.wait(5)
        await members(pid, 1)
        assert [m.pid for m in group_members(pid)] == [other], "a group member without the pod's uid is left alone"
    finally:
        os.kill(other, 9)
