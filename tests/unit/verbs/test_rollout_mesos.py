"""``rollout`` verbs on a BCS Mesos deployment: status per phase, history of applications, pause,
resume and cancel as requests to the controller."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import graceroll.api.builtin  # noqa: F401
from graceroll.errors import UsageError
from graceroll.scenario import Scenario
from graceroll.simulate import Simulation
from graceroll.verbs import rollout

SEED = Path(__file__).resolve().parents[3] / "examples" / "seed-003"


def mdeploy(phase: str, message: str = "", running: int = 2) -> dict[str, Any]:
    status = {"phase": phase, "message": message, "application": "test", "newApplication": "test-v10", "runningInstances": running}
    return {"kind": "MesosDeployment", "metadata": {"name": "test"}, "spec": {"instance": 2}, "status": status}


@pytest.mark.parametrize(
    ("obj", "message", "done"),
    [
        pytest.param(mdeploy("Running"), 'deployment "test" is running application test', True, id="running"),
        pytest.param(mdeploy("Update"), 'Waiting for deployment "test" update to finish: test → test-v10...', False, id="updating"),
        pytest.param(
            mdeploy("UpdatePaused", "rollingupdate paused"),
            'deployment "test" update is UpdatePaused (rollingupdate paused): test → test-v10',
            False,
            id="paused",
        ),
        pytest.param(mdeploy("Deploying"), 'Waiting for deployment "test" to run...', False, id="deploying"),
        pytest.param(
            mdeploy("Running", "have not enough resources to launch application", running=1),
            'Waiting for deployment "test" to run: 1 of 2 instances running (have not enough resources to launch application)...',
            False,
            id="running, but its application is Abnormal: not every instance runs",
        ),
    ],
)
def test_status_message(obj: dict[str, Any], message: str, done: bool) -> None:
    assert rollout.status_message(obj) == (message, done)


def simulate(tmp: Path, steps: list[dict[str, Any]]) -> Simulation:
    for name in ("test1-1-0.json", "test1-1-1.json"):
        (tmp / name).write_text((SEED / name).read_text())
    nodes = [{"name": "a", "innerIP": "10.0.0.1"}, {"name": "b", "innerIP": "10.0.0.2"}]
    scenario = Scenario.model_validate({"nodes": nodes, "pods": {"startSeconds": 1, "stopSeconds": 1}, "steps": steps})
    sim = Simulation(scenario.model_copy(update={"base_dir": tmp}))
    sim.run()
    return sim


UPDATING = [{"apply": "test1-1-0.json"}, {"wait": "complete"}, {"apply": "test1-1-1.json"}, {"wait": 10}]


def test_history_lists_the_applications_oldest_first(tmp_path: Path) -> None:
    sim = simulate(tmp_path, UPDATING)
    lines = rollout.history(sim.store, "mdeploy", "test", namespace="defaultGroup").splitlines()
    assert lines[0] == "mesosdeployment.mesos.bcs.tencent.com/test "
    rows = [line.split() for line in lines[2:]]
    assert rows[0] == ["1", "test"] and rows[1][0] == "2" and re.fullmatch(r"test-v\d+", rows[1][1]) and len(rows) == 2


def test_undo_points_to_cancel(tmp_path: Path) -> None:
    sim = simulate(tmp_path, UPDATING)
    with pytest.raises(UsageError, match="rollout cancel"):
        rollout.undo(sim.store, "mdeploy", "test", 0, "defaultGroup")


def test_pause_resume_and_cancel_are_requests_the_controller_carries_out(tmp_path: Path) -> None:
    sim = simulate(tmp_path, UPDATING)
    assert rollout.pause(sim.store, "mdeploy", "test", "defaultGroup") == "mesosdeployment.mesos.bcs.tencent.com/test paused"
    annotations = sim.store.get("MesosDeployment", "defaultGroup", "test")["metadata"]["annotations"]
    assert annotations["mesos.bcs.tencent.com/update-control"] == "pause"
    sim.manager.run_pending()
    assert sim.store.get("MesosDeployment", "defaultGroup", "test")["status"]["phase"] == "UpdatePaused"
    with pytest.raises(UsageError, match="already paused"):
        rollout.pause(sim.store, "mdeploy", "test", "defaultGroup")
    assert rollout.cancel(sim.store, "mdeploy", "test", "defaultGroup") == "mesosdeployment.mesos.bcs.tencent.com/test update cancelled"
    sim.manager.run_pending()
    d = sim.store.get("MesosDeployment", "defaultGroup", "test")
    assert (d["status"]["application"], "newApplication" in d["status"]) == ("test", False)
    assert "mesos.bcs.tencent.com/update-control" not in d["metadata"].get("annotations", {})
    assert sim.store.get("Application", "defaultGroup", "test")["spec"]["instance"] == 2
    with pytest.raises(UsageError, match="is not paused"):
        rollout.resume(sim.store, "mdeploy", "test", "defaultGroup")
