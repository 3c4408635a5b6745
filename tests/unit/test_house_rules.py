"""Checks of the house rules that a reviewer would otherwise have to remember."""

from __future__ import annotations

import re
from pathlib import Path

import graceroll

SRC = Path(graceroll.__file__).parent
WALL_CLOCK = re.compile(r"\btime\.time\(|\bdatetime\.now\(|\basyncio\.sleep\(|\btime\.sleep\(")


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    offenders = [
        f"{p.relative_to(SRC)}:{i}"
        for p in SRC.rglob("*.py")
        if p.name not in ("clock.py", "logshim.py")  # logshim: a process of its own, see its docstring
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if WALL_CLOCK.search(line)
    ]
    assert offenders == []


def test_public_surface_is_sorted() -> None:
    assert list(graceroll.__all__) == sorted(graceroll.__all__)


def test_no_grab_bag_modules() -> None:
    assert not [p for p in SRC.rglob("*.py") if p.stem in {"utils", "helpers", "misc", "common"}]
