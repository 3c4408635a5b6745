"""Log files: layout, tail and follow."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from graceroll.node.process import logs


def test_layout_is_one_directory_per_pod_instance_like_the_kubelet(tmp_path: Path) -> None:
    path = logs.log_path(tmp_path, "ns", "web-1", "8f1e-77", "app")
    assert path == tmp_path / "logs" / "ns_web-1_8f1e-77" / "app.log"
    assert logs.uid_of(path.parent) == "8f1e-77"
    with pytest.raises(ValueError):
        logs.log_path(tmp_path, "ns", "..", "u", "app")


def test_appends_from_two_writers_are_kept(tmp_path: Path) -> None:
    path = logs.log_path(tmp_path, "ns", "p", "u", "c")
    for text in (b"one\n", b"two\n"):
        fd = logs.open_for_append(path)
        os.write(fd, text)
        os.close(fd)
    assert path.read_bytes() == b"one\ntwo\n"


@pytest.mark.parametrize(
    "lines, expect",
    [(0, b""), (1, b"l2999\n"), (2, b"l2998\nl2999\n"), (5000, None)],
)
def test_tail_reads_the_last_lines(tmp_path: Path, lines: int, expect: bytes | None) -> None:
    path = tmp_path / "x.log"
    content = b"".join(b"l%d\n" % i for i in range(3000))  # more than one 64 KiB block from the end
    path.write_bytes(content)
    assert logs.tail(path, lines) == (content if expect is None else expect)
    assert logs.tail(tmp_path / "missing.log", 3) == b""


class StepClock:
    """Each sleep is a moment in which the test's writer gets to act."""

    def __init__(self, steps: list[bytes | None], path: Path) -> None:
        self.steps = steps
        self.path = path

    async def sleep(self, seconds: float) -> None:
        step = self.steps.pop(0) if self.steps else None
        if step is None:
            self.path.unlink(missing_ok=True)
        else:
            with self.path.open("ab") as f:
                f.write(step)


@pytest.mark.asyncio
async def test_follow_yields_appends_and_ends_when_the_file_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "c.log"
    clock = StepClock([b"a\n", b"b\n"], path)
    got = []
    async with asyncio.timeout(5):
        async for chunk in logs.follow(path, clock):
            got.append(chunk)
    assert got == [b"a\n", b"b\n"]
