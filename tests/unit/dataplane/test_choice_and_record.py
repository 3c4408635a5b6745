"""Which data plane runs, and how a running one is recognised."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graceroll.dataplane import record
from graceroll.dataplane.choice import choose
from graceroll.dataplane.record import Record
from graceroll.errors import GracerollError
from graceroll.proxy.routes import Route
from graceroll.proxy.table import Table


@pytest.mark.parametrize(
    ("flag", "configured", "haproxy", "expected"),
    [
        (None, None, "/usr/sbin/haproxy", "haproxy"),  # auto, installed
        (None, None, None, "builtin"),  # auto, not installed
        (None, "builtin", "/usr/sbin/haproxy", "builtin"),  # the config file decides
        ("haproxy", "builtin", "/usr/sbin/haproxy", "haproxy"),  # the flag wins
        ("auto", "builtin", None, "builtin"),
    ],
)
def test_the_flag_then_the_config_then_auto(flag: str | None, configured: str | None, haproxy: str | None, expected: str) -> None:
    assert choose(flag, configured, haproxy) == expected


def test_haproxy_without_the_binary_and_unknown_names_are_one_line_errors() -> None:
    with pytest.raises(GracerollError, match="haproxy binary was not found"):
        choose("haproxy", None, None)
    with pytest.raises(GracerollError, match='unknown data plane "nginx"'):
        choose(None, "nginx", None)


def test_a_record_names_a_live_process_only_with_its_start_time(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        rec = Record.of("builtin", child.pid)
        record.save(tmp_path, rec)
        assert record.load(tmp_path) == rec and rec.alive()
        assert not Record(rec.kind, rec.pid, rec.started + 1, rec.boot).alive()  # a reused pid
        assert not Record(rec.kind, rec.pid, rec.started, "another boot").alive()
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(10)
    assert not rec.alive()
    record.clear(tmp_path)
    assert record.load(tmp_path) is None


def test_sockets_move_to_tmp_when_the_data_dir_path_is_too_long(tmp_path: Path) -> None:
    assert record.run_dir(tmp_path) == tmp_path / "dataplane"
    deep = tmp_path / ("d" * 120)
    assert len(str(record.run_dir(deep) / "master.sock")) < 108
    assert record.run_dir(deep) == record.run_dir(deep)  # stable: the next engine finds the same sockets
    assert os.fspath(record.run_dir(deep)).startswith("/tmp/graceroll-dp-")


def test_a_table_survives_its_json_form() -> None:
    t = Table(
        {("127.1.0.1", 80): Route("default/web:http", "auto", (("127.10.0.1", 8080), ("127.10.0.2", 8080)))},
        frozenset({"127.10.0.1", "127.10.0.2", "127.10.0.3"}),
    )
    assert Table.from_json(t.to_json()) == t
