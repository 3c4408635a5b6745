"""``get application`` / ``get mesosdeployment``: bcs-client's columns (seed 003)."""

from __future__ import annotations

from typing import Any

from graceroll.printers import mesos, tables

SEED_HEADER = ["NAME", "STATUS", "INSTANCE", "RUNNING_INSTANCE", "MESSAGE", "CREATETIME", "NAMESPACE"]


def app(name: str, instance: int, status: dict[str, Any]) -> dict[str, Any]:
    md = {"name": name, "namespace": "defaultGroup", "creationTimestamp": "2019-07-07T16:31:43Z"}
    return {"kind": "Application", "metadata": md, "spec": {"instance": instance}, "status": status}


def test_applications_during_an_update_as_in_the_seed() -> None:
    """Mid-update the old application runs 1 (scaled 2 -> 1) and the new one 1 of 2: INSTANCE is
    what each version defines, so the seed shows ``2 1`` on both lines."""
    rows = [
        app("test", 1, {"status": "RollingUpdate", "runningInstances": 1, "defineInstances": 2, "message": ""}),
        app("test-v1562517103", 1, {"status": "RollingUpdate", "runningInstances": 1, "defineInstances": 2, "message": "have not enough resources"}),
    ]
    lines = tables.render(rows, now=0).splitlines()
    assert lines[0].split() == SEED_HEADER
    assert lines[1].split()[:4] == ["test", "RollingUpdate", "2", "1"]
    assert lines[2].split() == ["test-v1562517103", "RollingUpdate", "2", "1", "have", "not", "enough", "resources", "2019-07-07", "16:31:43", "+0000", "UTC", "defaultGroup"]


def test_an_application_without_define_instances_prints_its_instance_count() -> None:
    assert tables.render([app("test", 3, {"status": "Running", "runningInstances": 3})], now=0).splitlines()[1].split()[:4] == ["test", "Running", "3", "3"]


def test_the_deployment_has_bcs_clients_deployment_columns_and_the_rest_in_wide() -> None:
    d = {
        "kind": "MesosDeployment",
        "metadata": {"name": "test", "namespace": "defaultGroup", "creationTimestamp": "2019-07-07T16:31:32Z"},
        "spec": {"instance": 2},
        "status": {"phase": "UpdatePaused", "runningInstances": 2, "message": "rollingupdate paused", "application": "test", "newApplication": "test-v1"},
    }
    normal, wide = tables.render([d], now=0).splitlines(), tables.render([d], now=0, wide=True).splitlines()
    assert normal[0].split() == ["NAME", "STATUS", "NAMESPACE", "APP_NAME", "APPEXT_NAME"]
    assert normal[1].split() == ["test", "UpdatePaused", "defaultGroup", "test", "test-v1"]
    assert wide[0].split() == ["NAME", "STATUS", "NAMESPACE", "APP_NAME", "APPEXT_NAME", "INSTANCE", "RUNNING_INSTANCE", "MESSAGE", "CREATETIME"]
    assert wide[1].split()[5:9] == ["2", "2", "rollingupdate", "paused"]


def test_create_time_is_printed_as_go_prints_a_time() -> None:
    assert mesos.go_time("2019-07-07T16:31:32Z") == "2019-07-07 16:31:32 +0000 UTC"
    assert mesos.go_time("2019-07-08T00:31:32+08:00") == "2019-07-07 16:31:32 +0000 UTC"
