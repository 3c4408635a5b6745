"""``get application`` / ``get mesosdeployment``: bcs-client's columns (seed 003)."""

from __future__ import annotations

from typing import Any

from graceroll.printers import mesos, tables

SEED_HEADER = ["NAME", "STATUS", "INSTANCE", "RUNNING_INSTANCE", "MESSAGE", "CREATETIME", "NAMESPACE"]


def app(name: str, instance: int, status: dict[str, Any]) -> dict[str, Any]:
    md = {"name": name, "namespace": "defaultGroup", "creationTimestamp": "2019-07-07T16:31:43Z"}
    return {"kind": "Application", "metadata": md, "spec": {"instance": instance}, "status": status}


def test_applications_during_an_update_as_in_the_seed() -> None:
    rows = [
        app("test", 2, {"status": "RollingUpdate", "runningInstances": 1, "message": ""}),
        app("test-v1562517103", 2, {"status": "RollingUpdate", "runningInstances": 1, "message": "have not enough resources"}),
    ]
    lines = tables.render(rows, now=0).splitlines()
    assert lines[0].split() == SEED_HEADER
    assert lines[2].split() == ["test-v1562517103", "RollingUpdate", "2", "1", "have", "not", "enough", "resources", "2019-07-07", "16:31:43", "+0000", "UTC", "defaultGroup"]


def test_the_deployment_has_the_same_columns_and_its_applications_in_wide() -> None:
    d = {
        "kind": "MesosDeployment",
        "metadata": {"name": "test", "namespace": "defaultGroup", "creationTimestamp": "2019-07-07T16:31:32Z"},
        "spec": {"instance": 2},
        "status": {"phase": "UpdatePaused", "runningInstances": 2, "message": "rollingupdate paused", "application": "test", "newApplication": "test-v1"},
    }
    normal, wide = tables.render([d], now=0).splitlines(), tables.render([d], now=0, wide=True).splitlines()
    assert normal[0].split() == SEED_HEADER
    assert wide[0].split() == [*SEED_HEADER, "APPLICATION", "NEW_APPLICATION"]
    assert wide[1].split()[-2:] == ["test", "test-v1"]


def test_create_time_is_printed_as_go_prints_a_time() -> None:
    assert mesos.go_time("2019-07-07T16:31:32Z") == "2019-07-07 16:31:32 +0000 UTC"
    assert mesos.go_time("2019-07-08T00:31:32+08:00") == "2019-07-07 16:31:32 +0000 UTC"
