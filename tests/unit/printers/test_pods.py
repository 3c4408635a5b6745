"""get pods' STATUS and RESTARTS columns as kubectl prints them, init containers included."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.printers.builtin import pod_status
from graceroll.printers.tables import columns_for


def pod(inits: list[dict[str, Any]], app_state: dict[str, Any], initialized: bool = False) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"initContainers": [{"name": c["name"]} for c in inits], "containers": [{"name": "app"}]},
        "status": {
            "phase": "Pending",
            "conditions": [{"type": "Initialized", "status": "True" if initialized else "False"}],
            "initContainerStatuses": inits,
            "containerStatuses": [{"name": "app", "state": app_state, "restartCount": 0}],
        },
    }


DONE = {"terminated": {"exitCode": 0, "reason": "Completed"}}
INITIALIZING = {"waiting": {"reason": "PodInitializing"}}


@pytest.mark.parametrize(
    "inits, initialized, shown",
    [
        pytest.param([{"name": "a", "state": {"running": {}}}, {"name": "b", "state": {"waiting": {"reason": "PodInitializing"}}}], False, "Init:0/2", id="the first runs"),
        pytest.param([{"name": "a", "state": DONE}, {"name": "b", "state": {"running": {}}}], False, "Init:1/2", id="the second runs"),
        pytest.param([{"name": "a", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}], False, "Init:CrashLoopBackOff", id="back-off"),
        pytest.param([{"name": "a", "state": {"terminated": {"exitCode": 3, "reason": "Error"}}}], False, "Init:Error", id="failed"),
        pytest.param([{"name": "a", "state": DONE}], True, "PodInitializing", id="done: the app starts"),
    ],
)
def test_status_column_with_init_containers(inits: list[dict[str, Any]], initialized: bool, shown: str) -> None:
    assert pod_status(pod(inits, INITIALIZING, initialized), 0.0) == shown


def test_restarts_count_init_containers_too() -> None:
    p = pod([{"name": "a", "state": DONE, "restartCount": 2}], {"running": {}}, True)
    restarts = dict(columns_for("Pod")[0])["RESTARTS"]
    assert restarts(p, 0.0) == "2"
