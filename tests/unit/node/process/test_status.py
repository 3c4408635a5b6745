"""Pod status: getPhase, Ready with readiness gates, stable transition times, foreign conditions kept."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.node.process.status import PodFacts, pod_phase, pod_status

RUNNING = {"running": {"startedAt": "t"}}
CREATING = {"waiting": {"reason": "ContainerCreating"}}
BACKOFF = {"waiting": {"reason": "CrashLoopBackOff"}}


def cs(state: dict[str, Any], ready: bool = False, last: dict[str, Any] | None = None, name: str = "app") -> dict[str, Any]:
    return {"name": name, "state": state, "ready": ready, "lastState": last or {}}


def done(code: int) -> dict[str, Any]:
    return {"terminated": {"exitCode": code}}


@pytest.mark.parametrize(
    "policy, containers, phase",
    [
        pytest.param("Always", [cs(CREATING)], "Pending", id="not started yet"),
        pytest.param("Always", [cs(RUNNING), cs(CREATING)], "Pending", id="one still creating"),
        pytest.param("Always", [cs(RUNNING)], "Running", id="running"),
        pytest.param("Always", [cs(BACKOFF, last=done(1))], "Running", id="crash looping is still Running"),
        pytest.param("Always", [cs(done(0))], "Running", id="Always restarts even a success"),
        pytest.param("OnFailure", [cs(done(0))], "Succeeded", id="OnFailure: success ends the pod"),
        pytest.param("OnFailure", [cs(done(1))], "Running", id="OnFailure: failure restarts"),
        pytest.param("Never", [cs(done(0)), cs(done(0))], "Succeeded", id="Never: all succeeded"),
        pytest.param("Never", [cs(done(0)), cs(done(2))], "Failed", id="Never: one failed"),
        pytest.param("Never", [cs(RUNNING), cs(done(2))], "Running", id="Never: one still running"),
    ],
)
def test_phase(policy: str, containers: list[dict[str, Any]], phase: str) -> None:
    assert pod_phase(policy, containers) == phase


def facts(gates: tuple[str, ...] = ()) -> PodFacts:
    return PodFacts("127.10.0.1", "127.0.0.1", "T0", "Always", gates)


def conditions(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in status["conditions"]}


def test_ready_needs_every_container_ready() -> None:
    status = pod_status({}, facts(), [cs(RUNNING, True), cs(RUNNING, False, name="side")], "T1")
    ready = conditions(status)["Ready"]
    assert ready == {
        "type": "Ready",
        "status": "False",
        "reason": "ContainersNotReady",
        "message": "containers with unready status: [side]",
        "lastTransitionTime": "T1",
    }
    assert status["phase"] == "Running" and status["podIP"] == "127.10.0.1" and status["startTime"] == "T0"


@pytest.mark.parametrize(
    "gate_condition, ready, message",
    [
        pytest.param(None, "False", 'corresponding condition of pod readiness gate "InPlaceUpdateReady" does not exist.', id="missing gate condition"),
        pytest.param("False", "False", 'the status of pod readiness gate "InPlaceUpdateReady" is not "True", but False', id="gate False"),
        pytest.param("True", "True", None, id="gate True"),
    ],
)
def test_readiness_gates_take_part_in_ready(gate_condition: str | None, ready: str, message: str | None) -> None:
    stored: dict[str, Any] = {"conditions": []}
    if gate_condition is not None:
        stored["conditions"].append({"type": "InPlaceUpdateReady", "status": gate_condition})
    status = pod_status(stored, facts(("InPlaceUpdateReady",)), [cs(RUNNING, True)], "T1")
    got = conditions(status)
    assert got["ContainersReady"]["status"] == "True"
    assert got["Ready"]["status"] == ready
    assert got["Ready"].get("message") == message
    if gate_condition is not None:
        assert got["InPlaceUpdateReady"] == {"type": "InPlaceUpdateReady", "status": gate_condition}


def test_unchanged_pod_gives_an_identical_status() -> None:
    first = pod_status({}, facts(), [cs(RUNNING, True)], "T1")
    assert pod_status(first, facts(), [cs(RUNNING, True)], "T2") == first


def test_transition_time_moves_only_when_the_status_flips() -> None:
    first = pod_status({}, facts(), [cs(RUNNING, False)], "T1")
    second = pod_status(first, facts(), [cs(RUNNING, True)], "T2")
    assert conditions(second)["Ready"]["lastTransitionTime"] == "T2"
    assert conditions(second)["PodScheduled"]["lastTransitionTime"] == "T0"


def test_fields_the_node_does_not_own_are_kept() -> None:
    stored = {"nominatedNodeName": "x", "conditions": [{"type": "Custom", "status": "True"}]}
    status = pod_status(stored, facts(), [cs(RUNNING, True)], "T1")
    assert status["nominatedNodeName"] == "x"
    assert status["conditions"][-1] == {"type": "Custom", "status": "True"}
    assert stored["conditions"] == [{"type": "Custom", "status": "True"}]  # not modified in place


def test_a_completed_pod_is_not_ready_because_it_completed() -> None:
    status = pod_status({}, PodFacts("ip", "h", "T0", "Never", ()), [cs(done(0))], "T1")
    assert status["phase"] == "Succeeded"
    assert conditions(status)["Ready"]["reason"] == "PodCompleted"


def _init(name: str, state: dict[str, object], last: dict[str, object] | None = None, **extra: object) -> dict[str, object]:
    return {"name": name, "state": state, "lastState": last or {}, "restartCount": 0, **extra}


DONE = {"terminated": {"exitCode": 0, "reason": "Completed"}}
APP_WAITING = [{"name": "app", "state": {"waiting": {"reason": "PodInitializing"}}, "ready": False}]


@pytest.mark.parametrize(
    "inits, policy, phase",
    [
        pytest.param([_init("a", {"running": {}})], "Always", "Pending", id="an init container runs"),
        pytest.param([_init("a", {"waiting": {}}, {"terminated": {"exitCode": 1}})], "Always", "Pending", id="a failed one waits to retry"),
        pytest.param([_init("a", {"terminated": {"exitCode": 2}})], "Never", "Failed", id="a failure under Never fails the pod"),
        pytest.param([_init("a", DONE), _init("side", {"running": {}}, started=True, sidecar=True)], "Always", "Pending", id="a started sidecar is not pending"),
    ],
)
def test_init_containers_in_the_phase(inits: list[dict[str, object]], policy: str, phase: str) -> None:
    from graceroll.node.process.status import pod_phase

    assert pod_phase(policy, APP_WAITING, inits) == phase


def test_initialized_condition_names_the_incomplete_init_containers() -> None:
    from graceroll.node.process.status import PodFacts, pod_status

    facts = PodFacts("127.10.0.1", "127.0.0.1", "2026-01-01T00:00:00Z", "Always", ())
    status = pod_status({}, facts, APP_WAITING, "2026-01-01T00:00:01Z", [_init("a", DONE), _init("b", {"running": {}})])
    initialized = next(c for c in status["conditions"] if c["type"] == "Initialized")
    assert (initialized["status"], initialized["reason"], initialized["message"]) == ("False", "ContainersNotInitialized", "containers with incomplete status: [b]")
    assert [c["name"] for c in status["initContainerStatuses"]] == ["a", "b"]
