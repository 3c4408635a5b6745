"""Log files: layout per run, the CRI records of the shim, and what a reader selects."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graceroll.node.process import logs, logshim


def test_layout_is_one_directory_per_pod_instance_and_a_file_per_run(tmp_path: Path) -> None:
    directory = logs.container_log_dir(tmp_path, "ns", "web-1", "8f1e-77", "app")
    assert directory == tmp_path / "logs" / "ns_web-1_8f1e-77" / "app"
    assert logs.uid_of(directory.parent) == "8f1e-77"
    with pytest.raises(ValueError):
        logs.container_log_dir(tmp_path, "ns", "..", "u", "app")
    for n in range(4):
        logs.run_log(directory, n).write_bytes(b"")
    assert [p.name for p in logs.runs(directory)] == ["2.log", "3.log"]  # the current run and the previous one


def test_a_legacy_log_file_counts_as_the_oldest_run(tmp_path: Path) -> None:
    directory = logs.container_log_dir(tmp_path, "ns", "p", "u", "app")
    directory.parent.mkdir(parents=True)
    (directory.parent / "app.log").write_bytes(b"raw line\n")
    logs.run_log(directory, 3).write_bytes(b"")
    legacy, current = logs.runs(directory)
    assert [ln.content for ln in logs.read(legacy)] == [b"raw line\n"] and current.name == "3.log"


def test_the_shim_writes_cri_records_and_splits_long_lines(tmp_path: Path) -> None:
    path = tmp_path / "0.log"
    long = b"x" * (logshim.MAX_LINE + 10)
    subprocess.run([sys.executable, "-I", "-S", logshim.__file__, str(path)], input=b"one\n" + long + b"\nlast", check=True, timeout=30)
    records = path.read_bytes().splitlines()
    assert records[0].endswith(b" stdout F one") and len(records[0].split(b" ")[0]) == len("2026-01-02T03:04:05.123456789Z")
    assert b" stdout P " in records[1] and records[2].endswith(b" stdout F " + b"x" * 10)
    assert records[3].endswith(b" stdout F last")
    assert [ln.content for ln in logs.read(path)] == [b"one\n", long + b"\n", b"last\n"]


LINES = [logs.Line(b"2026-01-01T00:00:0%d.500000000Z" % i, b"l%d\n" % i) for i in range(5)]


@pytest.mark.parametrize(
    "opts, out",
    [
        pytest.param(logs.LogOptions(), b"l0\nl1\nl2\nl3\nl4\n", id="everything"),
        pytest.param(logs.LogOptions(tail=2), b"l3\nl4\n", id="tail"),
        pytest.param(logs.LogOptions(tail=0), b"", id="tail 0"),
        pytest.param(logs.LogOptions(since=1767225603.5), b"l3\nl4\n", id="since: at or after"),
        pytest.param(logs.LogOptions(tail=4, since=1767225602.0), b"l2\nl3\nl4\n", id="tail first, then since"),
        pytest.param(logs.LogOptions(tail=1, timestamps=True), b"2026-01-01T00:00:04.5Z l4\n", id="timestamps as Go's RFC3339Nano"),
        pytest.param(logs.LogOptions(limit_bytes=4), b"l0\nl", id="limit bytes cuts the output"),
    ],
)
def test_select(opts: logs.LogOptions, out: bytes) -> None:
    assert logs.select(LINES, opts) == out


def test_whole_seconds_print_without_a_fraction() -> None:
    assert logs.go_rfc3339_nano(b"2026-01-01T00:00:04.000000000Z") == b"2026-01-01T00:00:04Z"


class StepClock:
    """Each sleep is a moment in which the test's writer gets to act."""

    def __init__(self, steps: list[bytes], path: Path) -> None:
        self.steps = steps
        self.path = path

    async def sleep(self, seconds: float) -> None:
        if self.steps:
            with self.path.open("ab") as f:
                f.write(self.steps.pop(0))


@pytest.mark.asyncio
async def test_follow_yields_complete_lines_until_the_run_is_over(tmp_path: Path) -> None:
    path = tmp_path / "0.log"
    path.write_bytes(b"")
    clock = StepClock([b"2026-01-01T00:00:00.000000000Z stdout F a\n2026-01-01T00:00:00.0000", b"00000Z stdout F b\n"], path)
    got: list[bytes] = []
    async with asyncio.timeout(5):
        async for lines in logs.follow(path, clock, 0, lambda: bool(clock.steps), 0.0):
            got += [ln.content for ln in lines]
    assert got == [b"a\n", b"b\n"]
    assert os.path.exists(path)
