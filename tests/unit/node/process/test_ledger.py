"""The ledger file: what it records survives a reload; an old file loads as one that adopts nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

from graceroll.node.process.ledger import FILE, ContainerRun, Ledger, Stopping


def test_a_container_run_and_its_changes_survive_a_reload(tmp_path: Path) -> None:
    led = Ledger(tmp_path / FILE, "default", "web", "uid-1", "127.10.0.7")
    spec = {"name": "app", "image": "app:v1", "env": [{"name": "A", "value": "1"}]}
    led.add_container(os.getpid(), ContainerRun("app", spec, "app:v1", "sha256:1", 1767225600.25, 2, str(tmp_path)))
    led.update_run(os.getpid(), running=True)
    led.update_run(os.getpid(), stopping=Stopping("kill", None, 1767225700.5, "Stopping container app"))
    no_such_pid = int(Path("/proc/sys/kernel/pid_max").read_text())  # pids stay below it
    led.add(no_such_pid)  # a one-off whose leader is gone already: start time unknown
    back = Ledger.load(tmp_path / FILE)
    assert back is not None and not back.legacy and back.ip == "127.10.0.7"
    [container, one_off] = back.groups
    assert container.run == ContainerRun(
        "app", spec, "app:v1", "sha256:1", 1767225600.25, 2, str(tmp_path), True, Stopping("kill", None, 1767225700.5, "Stopping container app")
    )
    assert container.started > 0 and container.boot
    assert one_off.run is None and one_off.started == -1


def test_a_ledger_of_an_engine_that_did_not_adopt_loads_as_legacy(tmp_path: Path) -> None:
    old = {"namespace": "default", "name": "web", "uid": "u", "groups": [{"pgid": 42, "started": 7, "boot": "b"}]}
    (tmp_path / FILE).write_text(json.dumps(old))
    led = Ledger.load(tmp_path / FILE)
    assert led is not None and led.legacy and [g.pgid for g in led.groups] == [42]


def test_an_unreadable_ledger_is_none(tmp_path: Path) -> None:
    (tmp_path / FILE).write_text('{"version": 2, "groups": [')
    assert Ledger.load(tmp_path / FILE) is None
    assert Ledger.load(tmp_path / "missing.json") is None
