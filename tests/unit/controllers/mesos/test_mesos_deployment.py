"""The seed's v4 JSON loaded unchanged, and the Mesos deployment on the simulator: rolling cycles,
pause and resume, cancel, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import graceroll.api.builtin  # noqa: F401
from graceroll.api import loader
from graceroll.errors import ManifestError
from graceroll.scenario import Scenario
from graceroll.simulate import Simulation

SEED = Path(__file__).resolve().parents[4] / "examples" / "seed-003"


def raw(name: str = "test1-1-0.json") -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SEED / name).read_text())
    return doc


def load(doc: dict[str, Any], tmp: Path) -> list[dict[str, Any]]:
    path = tmp / "d.json"
    path.write_text(json.dumps(doc))
    return loader.load_path(str(path))


def test_the_seed_json_loads_unchanged(tmp_path: Path) -> None:
    (d,) = loader.load_path(str(SEED / "test1-1-0.json"))
    assert (d["apiVersion"], d["kind"], d["metadata"]["namespace"]) == ("mesos.bcs.tencent.com/v4", "MesosDeployment", "defaultGroup")
    assert d["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 1, "maxSurge": 1, "upgradeDuration": 60, "rollingOrder": "CreateFirst", "rollingManually": False}
    assert d["spec"]["constraint"]["IntersectionItem"][0]["unionData"][0] == {"name": "InnerIP", "operate": "UNIQUE"}


def test_both_spellings_of_max_unavailable_and_any_key_case_are_read(tmp_path: Path) -> None:
    doc = raw()
    ru = doc["spec"]["strategy"].pop("rollingupdate")
    ru.pop("maxUnavailable")
    ru["maxUnavilable"] = 2
    doc["spec"]["strategy"]["RollingUpdate"] = ru
    doc["Spec"] = doc.pop("spec")
    (d,) = load(doc, tmp_path)
    assert d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 2


def test_bad_values_are_refused_with_their_field_paths(tmp_path: Path) -> None:
    doc = raw()
    doc["spec"]["instance"] = -1
    doc["spec"]["strategy"]["rollingupdate"]["rollingOrder"] = "Sideways"
    with pytest.raises(ManifestError) as e:
        load(doc, tmp_path)
    text = str(e.value)
    assert "spec.instance: Invalid value: -1: must be greater than or equal to 0" in text
    assert 'spec.strategy.rollingupdate.rollingOrder: Unsupported value: "Sideways"' in text


def run(tmp: Path, steps: list[dict[str, Any]], order: str = "CreateFirst", manually: bool = False, new_instances: int = 2) -> Simulation:
    old, new = raw(), raw("test1-1-1.json")
    for doc in (old, new):
        doc["spec"]["strategy"]["rollingupdate"].update({"rollingOrder": order, "rollingManually": manually})
    new["spec"]["instance"] = new_instances
    (tmp / "v0.json").write_text(json.dumps(old))
    (tmp / "v1.json").write_text(json.dumps(new))
    nodes = [{"name": f"node-{i}", "innerIP": f"127.0.0.{i}"} for i in range(1, 4)]
    scenario = Scenario.model_validate({"nodes": nodes, "pods": {"startSeconds": 2, "stopSeconds": 1}, "steps": steps, "until": 900})
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
    assert (app["status"]["instances"], app["status"]["message"]) == (1, "have not enough resources")
    assert sim.store.get("MesosDeployment", "defaultGroup", "test")["status"]["phase"] == "Deploying"


def test_unique_is_per_application_so_two_nodes_carry_an_update(tmp_path: Path) -> None:
    sim = run(tmp_path, [*UPDATE, {"wait": "complete"}])
    nodes = {p["metadata"]["annotations"]["mesos.bcs.tencent.com/node"] for p in sim.store.list("Pod", "defaultGroup")}
    assert len(nodes) == 2  # the two instances of the new version on distinct nodes
