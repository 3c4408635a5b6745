"""The Mesos deployment on the simulator: rolling cycles, pause and resume, cancel, scale, suspension,
binding, and the InnerIP UNIQUE constraint against one or several nodes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import graceroll.api.builtin  # noqa: F401
from graceroll.scenario import Scenario
from graceroll.simulate import Simulation

SEED = Path(__file__).resolve().parents[4] / "examples" / "seed-003"


def raw(name: str = "test1-1-0.json") -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SEED / name).read_text())
    return doc


def run(
    tmp: Path,
    steps: list[dict[str, Any]],
    order: str = "CreateFirst",
    manually: bool = False,
    new_instances: int = 2,
    nodes: int = 3,
    images: dict[str, Any] | None = None,
) -> Simulation:
    old, new = raw(), raw("test1-1-1.json")
    for doc in (old, new):
        doc["spec"]["strategy"]["rollingupdate"].update({"rollingOrder": order, "rollingManually": manually})
    new["spec"]["instance"] = new_instances
    (tmp / "v0.json").write_text(json.dumps(old))
    (tmp / "v1.json").write_text(json.dumps(new))
    declared = [{"name": f"node-{i}", "innerIP": f"127.0.0.{i}"} for i in range(1, nodes + 1)]
    pods = {"startSeconds": 2, "stopSeconds": 1, "images": images or {}}
    scenario = Scenario.model_validate({"nodes": declared, "pods": pods, "steps": steps, "until": 900})
    sim = Simulation(scenario.model_copy(update={"base_dir": tmp}))
    sim.run()
    return sim


def apps(sim: Simulation) -> dict[str, tuple[int, int]]:
    return {a["metadata"]["name"]: (a["spec"]["instance"], len(sim.store.list_owned("Pod", a["metadata"]["uid"]))) for a in sim.store.list("Application", "defaultGroup")}


UPDATE = [{"apply": "v0.json"}, {"wait": "complete"}, {"apply": "v1.json"}]


def test_an_update_creates_a_versioned_application_and_finishes_on_it(tmp_path: Path) -> None:
    sim = run(tmp_path, [*UPDATE, {"wait": "complete"}])
    d = sim.store.get("MesosDeployment", "defaultGroup", "test")
    (name,) = apps(sim)
    assert name.startswith("test-v") and name[6:].isdigit()
    assert d["status"]["phase"] == "Running" and d["status"]["application"] == name
    assert apps(sim)[name] == (2, 2)
    images = {p["spec"]["containers"][0]["image"] for p in sim.store.list("Pod", "defaultGroup")}
    assert images == {"hub.docker.com:xxxx/xxxxxx:v1.1.1"}
    assert sim.outcome.max_pods == 3  # maxSurge 1
    assert sim.outcome.min_available == 2  # CreateFirst never drops below the old count


def scalings(sim: Simulation) -> list[tuple[float, str]]:
    """The update's writes in order: (time, "old 2 -> 1" | "new 0 -> 1" | "finished")."""
    out = []
    for e in sim.outcome.events:
        if m := re.fullmatch(r"scale application \S+/(\S+) (\d+ -> \d+)", e["message"]):
            out.append((e["t"], f"{'old' if m[1] == 'test' else 'new'} {m[2]}"))
        elif e["reason"] == "UpdateFinished":
            out.append((e["t"], "finished"))
    return out


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        pytest.param(
            "CreateFirst",
            # pods start in 2 s and stop in 1 s: step 1 ends at 5 s, step 2 starts more than 60 s later
            [(2.0, "new 0 -> 1"), (4.0, "old 2 -> 1"), (66.0, "new 1 -> 2"), (68.0, "old 1 -> 0"), (69.0, "finished")],
            id="CreateFirst: grow the new application, then shrink the old one, 60 s between cycles",
        ),
        pytest.param(
            "DeleteFirst",
            [(2.0, "old 2 -> 1"), (3.0, "new 0 -> 1"), (66.0, "old 1 -> 0"), (67.0, "new 1 -> 2"), (69.0, "finished")],
            id="DeleteFirst: shrink the old application, then grow the new one",
        ),
    ],
)
def test_each_cycle_on_the_virtual_clock(order: str, expected: list[tuple[float, str]], tmp_path: Path) -> None:
    sim = run(tmp_path, [*UPDATE, {"wait": "complete"}], order=order)
    assert scalings(sim) == expected


def test_create_first_steps_are_upgrade_duration_apart(tmp_path: Path) -> None:
    sim = run(tmp_path, [*UPDATE, {"wait": 30}])
    assert sorted(apps(sim).values()) == [(1, 1), (1, 1)]  # one step done, the next waits 60 s
    sim = run(tmp_path, [*UPDATE, {"wait": 80}])
    assert list(apps(sim).values()) == [(2, 2)]  # the second step ran after the gap and finished


def test_delete_first_never_runs_more_than_the_old_count(tmp_path: Path) -> None:
    sim = run(tmp_path, [*UPDATE, {"wait": "complete"}], order="DeleteFirst")
    assert sim.outcome.max_pods == 2
    assert sim.outcome.min_available == 1


def test_rolling_manually_pauses_after_each_step_until_resumed(tmp_path: Path) -> None:
    sim = run(tmp_path, [*UPDATE, {"wait": 200}], manually=True)
    d = sim.store.get("MesosDeployment", "defaultGroup", "test")
    assert (d["status"]["phase"], d["status"]["message"]) == ("UpdatePaused", "rollingupdate paused")
    # 2 instances take two steps; the last one ends the update, so one resume is enough
    sim = run(tmp_path, [*UPDATE, {"wait": 30}, {"run": "rollout resume mdeploy/test -n defaultGroup"}, {"wait": "complete"}], manually=True)
    assert sim.store.get("MesosDeployment", "defaultGroup", "test")["status"]["phase"] == "Running"


def test_cancel_in_the_middle_restores_the_old_version_completely(tmp_path: Path) -> None:
    sim = run(tmp_path, [*UPDATE, {"wait": 5}, {"run": "rollout cancel mdeploy/test -n defaultGroup"}, {"wait": "complete"}])
    d = sim.store.get("MesosDeployment", "defaultGroup", "test")
    assert d["status"]["phase"] == "Running" and d["status"]["application"] == "test"
    assert apps(sim) == {"test": (2, 2)}
    images = {p["spec"]["containers"][0]["image"] for p in sim.store.list("Pod", "defaultGroup")}
    assert images == {"hub.docker.com:xxxx/xxxxxx:v1.1.0"}
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "hub.docker.com:xxxx/xxxxxx:v1.1.0"


def test_pause_outside_an_update_and_cancel_of_nothing_are_refused(tmp_path: Path) -> None:
    from graceroll.errors import UsageError

    sim = run(tmp_path, [{"apply": "v0.json"}, {"wait": "complete"}])
    from graceroll.verbs import rollout

    with pytest.raises(UsageError, match="only an update in progress can be paused"):
        rollout.pause(sim.store, "mdeploy", "test", "defaultGroup")
    with pytest.raises(UsageError, match="there is no update to cancel"):
        rollout.cancel(sim.store, "mdeploy", "test", "defaultGroup")


def test_inner_ip_unique_places_one_instance_per_node_and_says_why_it_cannot_place_more(tmp_path: Path) -> None:
    (tmp_path / "v0.json").write_text(json.dumps(raw()))
    scenario = Scenario.model_validate({"steps": [{"apply": "v0.json"}, {"wait": 30}]})
    sim = Simulation(scenario.model_copy(update={"base_dir": tmp_path}))
    sim.run()
    app = sim.store.get("Application", "defaultGroup", "test")
    assert (app["status"]["instances"], app["status"]["message"]) == (1, "have not enough resources to launch application")
    # upstream: a launch that ends short of taskgroups leaves the application Abnormal, and the
    # deployment Running, so that it can be updated (UpdateDeployment accepts Running or Abnormal)
    assert app["status"]["status"] == "Abnormal"
    assert sim.store.get("MesosDeployment", "defaultGroup", "test")["status"]["phase"] == "Running"


def test_unique_is_per_application_so_two_nodes_carry_an_update(tmp_path: Path) -> None:
    sim = run(tmp_path, [*UPDATE, {"wait": "complete"}])
    nodes = {p["metadata"]["annotations"]["mesos.bcs.tencent.com/node"] for p in sim.store.list("Pod", "defaultGroup")}
    assert len(nodes) == 2  # the two instances of the new version on distinct nodes


def deployment(sim: Simulation) -> dict[str, Any]:
    d: dict[str, Any] = sim.store.get("MesosDeployment", "defaultGroup", "test")
    return d


def test_pause_lets_the_step_in_progress_finish_and_starts_no_other_until_resumed(tmp_path: Path) -> None:
    pause = {"run": "rollout pause mdeploy/test -n defaultGroup"}
    sim = run(tmp_path, [*UPDATE, {"wait": 1}, pause, {"wait": 300}])
    assert sorted(apps(sim).values()) == [(1, 1), (1, 1)]  # step 1 finished, step 2 never started
    assert (deployment(sim)["status"]["phase"], deployment(sim)["status"]["message"]) == ("UpdatePaused", "rollingupdate paused")
    resume = {"run": "rollout resume mdeploy/test -n defaultGroup"}
    sim = run(tmp_path, [*UPDATE, {"wait": 1}, pause, {"wait": 300}, resume, {"wait": "complete"}])
    assert list(apps(sim).values()) == [(2, 2)] and deployment(sim)["status"]["phase"] == "Running"


def test_during_an_update_both_applications_say_rolling_update(tmp_path: Path) -> None:
    sim = run(tmp_path, [*UPDATE, {"wait": 30}])
    statuses = {a["metadata"]["name"] == "test": (a["status"]["status"], a["status"]["subStatus"]) for a in sim.store.list("Application", "defaultGroup")}
    assert statuses == {True: ("RollingUpdate", "RollingUpdateDown"), False: ("RollingUpdate", "RollingUpdateUp")}


def test_scale_changes_the_bound_application_in_place(tmp_path: Path) -> None:
    sim = run(tmp_path, [{"apply": "v0.json"}, {"wait": "complete"}, {"run": "scale mdeploy/test --replicas 3 -n defaultGroup"}, {"wait": "complete"}])
    assert apps(sim) == {"test": (3, 3)}  # no new version
    assert sorted(p["metadata"]["name"] for p in sim.store.list("Pod", "defaultGroup")) == ["test-0", "test-1", "test-2"]


def test_the_spec_cannot_change_during_an_update(tmp_path: Path) -> None:
    from graceroll.errors import Invalid

    with pytest.raises(Invalid, match=r"spec: Forbidden: deployment is not running, cannot update \(status Update"):
        run(tmp_path, [*UPDATE, {"wait": 5}, {"run": "scale mdeploy/test --replicas 3 -n defaultGroup"}])


def test_a_step_that_cannot_place_its_taskgroups_suspends_the_update_and_cancel_recovers(tmp_path: Path) -> None:
    # two nodes, InnerIP UNIQUE, 3 new instances: the third never runs, the create phase times out
    sim = run(tmp_path, [*UPDATE, {"wait": 600}], new_instances=3, nodes=2)
    status = deployment(sim)["status"]
    assert (status["phase"], status["message"]) == ("UpdateSuspend", "create taskgroup timeout, rollingupdate suspend")
    new = next(a for a in sim.store.list("Application", "defaultGroup") if a["metadata"]["name"] != "test")
    assert new["status"]["message"] == "have not enough resources to launch application"
    cancel = {"run": "rollout cancel mdeploy/test -n defaultGroup"}
    sim = run(tmp_path, [*UPDATE, {"wait": 600}, cancel, {"wait": "complete"}], new_instances=3, nodes=2)
    assert apps(sim) == {"test": (2, 2)} and deployment(sim)["status"]["phase"] == "Running"


def test_resume_after_a_suspension_begins_a_new_step(tmp_path: Path) -> None:
    """The new version never gets ready: its first taskgroup holds the create phase until it times
    out (360 s). Upstream's resume begins a new step from the counts there are, so the next
    taskgroup is started and waited for; the old application keeps both of its own."""
    stuck = {"hub.docker.com:xxxx/xxxxxx:v1.1.1": {"neverReady": True}}
    resume = {"run": "rollout resume mdeploy/test -n defaultGroup"}
    sim = run(tmp_path, [*UPDATE, {"wait": 400}], images=stuck)
    assert deployment(sim)["status"]["phase"] == "UpdateSuspend"
    assert sorted(apps(sim).values()) == [(1, 1), (2, 2)]
    sim = run(tmp_path, [*UPDATE, {"wait": 400}, resume, {"wait": 5}], images=stuck)
    status = deployment(sim)["status"]
    assert (status["phase"], status["step"], status["stepFrom"]) == ("Update", "create", 1)
    assert sorted(apps(sim).values()) == [(2, 2), (2, 2)]  # the new application grew by maxSurge; the old one waits


def test_an_update_without_rolling_order_is_refused_when_applied_and_nothing_changes(tmp_path: Path) -> None:
    """bcs-scheduler's UpdateDeployment answers "update strategy rolling order error": the apply
    fails with the field's path, and the deployment keeps running its version."""
    from graceroll.errors import Invalid
    from graceroll.verbs.apply import apply, read_manifests

    sim = run(tmp_path, [{"apply": "v0.json"}, {"wait": "complete"}])
    new = raw("test1-1-1.json")
    del new["spec"]["strategy"]["rollingupdate"]["rollingOrder"]
    (tmp_path / "unordered.json").write_text(json.dumps(new))
    with pytest.raises(Invalid, match=r"spec\.strategy\.rollingupdate\.rollingOrder: Required value: update strategy rolling order error"):
        apply(sim.store, read_manifests(str(tmp_path / "unordered.json")))
    d = deployment(sim)
    assert d["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":v1.1.0") and d["status"]["phase"] == "Running"
    assert list(apps(sim)) == ["test"]


def test_mid_update_each_application_shows_the_instances_its_version_defines(tmp_path: Path) -> None:
    """The seed's ``list -t app`` mid-update: ``2 1`` on both lines (INSTANCE = DefineInstances)."""
    from graceroll.printers import tables

    sim = run(tmp_path, [*UPDATE, {"wait": 30}])
    rows = sorted(sim.store.list("Application", "defaultGroup"), key=lambda a: a["metadata"]["name"])
    assert [a["spec"]["instance"] for a in rows] == [1, 1]  # what the first step scaled them to
    lines = tables.render(rows, now=sim.clock.now()).splitlines()[1:]
    assert [line.split()[1:4] for line in lines] == [["RollingUpdate", "2", "1"], ["RollingUpdate", "2", "1"]]
    sim = run(tmp_path, [*UPDATE, {"wait": "complete"}])
    (app,) = sim.store.list("Application", "defaultGroup")
    assert app["status"]["defineInstances"] == 2 and "mesos.bcs.tencent.com/define-instances" not in app["metadata"].get("annotations", {})


def test_an_application_short_of_nodes_can_be_updated(tmp_path: Path) -> None:
    """One node and InnerIP UNIQUE: 1 of 2 taskgroups runs, the application is Abnormal, and an
    update starts from it as upstream allows (from Running or Abnormal)."""
    sim = run(tmp_path, [{"apply": "v0.json"}, {"wait": 10}, {"apply": "v1.json"}, {"wait": 10}], nodes=1)
    d = deployment(sim)
    assert d["status"]["phase"] == "Update" and d["status"]["newApplication"].startswith("test-v")


def application_doc() -> dict[str, Any]:
    """bcs-client's application JSON for the seed's taskgroups (docs/templates/mesos-artifact/application.md)."""
    doc = raw()
    return {
        "apiVersion": "v4",
        "kind": "application",
        "metadata": doc["metadata"],
        "Constraint": doc["constraint"],
        "spec": {"Instance": 1, "template": doc["spec"]["template"]},
    }


def test_a_deployment_without_template_binds_the_application_its_selector_matches(tmp_path: Path) -> None:
    (tmp_path / "app.json").write_text(json.dumps(application_doc()))
    d = raw()
    del d["spec"]["template"]
    d["spec"]["selector"] = {"appname": "test"}
    (tmp_path / "bind.json").write_text(json.dumps(d))
    scenario = Scenario.model_validate(
        {"nodes": [{"name": "a", "innerIP": "10.0.0.1"}, {"name": "b", "innerIP": "10.0.0.2"}], "steps": [{"apply": "app.json"}, {"wait": 10}, {"apply": "bind.json"}, {"wait": 30}]}
    )
    sim = Simulation(scenario.model_copy(update={"base_dir": tmp_path}))
    sim.run()
    assert deployment(sim)["status"]["application"] == "test" and deployment(sim)["status"]["phase"] == "Running"
    assert apps(sim) == {"test": (2, 2)}  # bound as it was, then given the deployment's instance count


def test_delete_stops_every_taskgroup_before_the_deployment_goes(tmp_path: Path) -> None:
    sim = run(tmp_path, [*UPDATE, {"wait": 5}])  # mid-update: two applications
    sim.store.delete("MesosDeployment", "defaultGroup", "test")
    sim.manager.run_pending()
    assert deployment(sim)["status"]["phase"] == "Deleting"
    assert sorted(a["spec"]["instance"] for a in sim.store.list("Application", "defaultGroup")) == [0, 0]
    (wait,) = Scenario.model_validate({"steps": [{"wait": 30}]}).steps
    sim.execute(wait)
    assert sim.store.try_get("MesosDeployment", "defaultGroup", "test") is None
    assert sim.store.list("Application", "defaultGroup") == [] and sim.store.list("Pod", "defaultGroup") == []


def test_a_new_taskgroup_counts_as_running_once_its_health_check_passes(tmp_path: Path) -> None:
    """The new version's HTTP check starts 20 s after its task: the old taskgroup waits for it."""
    sim = run(tmp_path, [{"apply": "v0.json"}, {"wait": "complete"}, {"apply": "v1.json"}, {"wait": 30}])
    assert scalings(sim)[:2] == [(2.0, "new 0 -> 1"), (4.0, "old 2 -> 1")]  # no check: running is enough
    new = raw("test1-1-1.json")
    new["spec"]["template"]["spec"]["containers"][0]["healthChecks"] = [
        {"type": "HTTP", "delaySeconds": 20, "intervalSeconds": 5, "http": {"portName": "test-port", "path": "/"}}
    ]
    (tmp_path / "checked.json").write_text(json.dumps(new))
    sim = run(tmp_path, [{"apply": "v0.json"}, {"wait": "complete"}, {"apply": "checked.json"}, {"wait": 30}])
    # scheduled at 2 s, running at 4 s, first check 20 s after that
    assert scalings(sim)[:2] == [(2.0, "new 0 -> 1"), (24.0, "old 2 -> 1")]
    (pod,) = [p for p in sim.store.list("Pod", "defaultGroup") if p["metadata"]["name"].startswith("test-v")]
    assert pod["spec"]["containers"][0]["readinessProbe"]["httpGet"] == {"path": "/", "port": "test-port", "scheme": "HTTP"}
