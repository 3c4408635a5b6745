"""What a starting node plans for an earlier engine's process groups: adopt, or kill."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graceroll.node.process.adoption import plan_leftovers
from graceroll.node.process.ledger import ContainerRun, Group, Ledger

UID = "uid-1"


def run(name: str) -> ContainerRun:
    return ContainerRun(name, {"name": name, "image": "app:v1"}, "app:v1", "sha256:1", 100.0, 0, "/pod/root")


def ledger(*groups: Group, ip: str = "127.10.0.7", version: int = 2, uid: str = UID) -> Ledger:
    led = Ledger(Path("/nonexistent/processes.json"), "default", "web", uid, ip, version)
    for g in groups:
        led._groups[g.pgid] = g
    return led


def pod(*containers: str) -> dict[str, Any]:
    return {"metadata": {"name": "web", "uid": UID}, "spec": {"containers": [{"name": c} for c in containers]}}


APP = Group(10, 500, "boot", run("app"))
SIDE = Group(20, 510, "boot", run("side"))
PROBE = Group(30, 600, "boot")  # an exec probe in flight


@pytest.mark.parametrize(
    "led, the_pod, runs_here, adopt, kill, remove",
    [
        pytest.param(ledger(APP, SIDE, PROBE), pod("app", "side"), True, [10, 20], [30], False, id="containers adopted, one-offs killed"),
        pytest.param(ledger(APP, SIDE), pod("app"), True, [10], [20], False, id="a container the spec no longer has is killed"),
        pytest.param(ledger(APP, PROBE), None, False, [], [10, 30], True, id="a pod gone from the store: all killed, directory removed"),
        pytest.param(ledger(APP), pod("app"), False, [], [10], False, id="another node's or a finished pod: killed"),
        pytest.param(ledger(Group(10, 500, "boot"), version=1), pod("app"), True, [], [10], False, id="a ledger of an engine that did not adopt"),
        pytest.param(ledger(APP, ip=""), pod("app"), True, [], [10], False, id="no recorded IP: nothing to keep it on"),
        pytest.param(ledger(APP, uid="other"), pod("app"), True, [], [10], False, id="a ledger of another pod"),
        pytest.param(
            ledger(APP, Group(11, 400, "boot", run("app"))), pod("app"), True, [10], [11], False, id="two runs of one container: the later wins"
        ),
    ],
)
def test_plan_leftovers(led: Ledger, the_pod: dict[str, Any] | None, runs_here: bool, adopt: list[int], kill: list[int], remove: bool) -> None:
    plan = plan_leftovers(led, UID, the_pod, runs_here)
    assert sorted(g.pgid for g in plan.adopt) == adopt
    assert sorted(g.pgid for g in plan.kill) == kill
    assert plan.remove is remove
