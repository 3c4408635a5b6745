"""The dashboard's JSON for a rollout held in progress, its buttons, and the traffic placeholder."""

from __future__ import annotations

from pathlib import Path

import pytest

from graceroll import scenario
from graceroll.dashboard import actions, view
from graceroll.dashboard.history import History
from graceroll.errors import UsageError
from graceroll.metrics.traffic import TrafficSample
from graceroll.simulate import Simulation

from ..held_rollout import held_cluster


def test_the_page_json_has_progress_revisions_events_and_no_traffic_data() -> None:
    c = held_cluster()
    history = History()
    for key, _, snap, _ in view.workloads(c.store):
        history.record(key, c.clock.now(), snap)
    state = view.build(c.store, history, c.clock.now(), [])
    [w] = state["workloads"]
    assert (w["kind"], w["namespace"], w["name"]) == ("Deployment", "default", "web")
    assert {k: w["progress"][k] for k in ("desired", "updated", "ready", "available", "complete")} == {"desired": 4, "updated": 1, "ready": 4, "available": 4, "complete": False}
    assert [(r["revision"], r["current"], r["ready"]) for r in w["revisions"]] == [("1", 4, 4), ("2", 1, 0)]
    assert w["status"] == 'Waiting for deployment "web" rollout to finish: 1 out of 4 new replicas have been updated...'
    assert {e["reason"] for e in w["events"]} >= {"ScalingReplicaSet", "SuccessfulCreate"}
    assert w["actions"] == ["pause", "resume", "undo"]
    assert w["history"][-1]["revisions"] == [{"revision": "1", "pods": 4, "ready": 4}, {"revision": "2", "pods": 1, "ready": 0}]
    assert w["traffic"] == {"available": False, "revisions": []}


def test_traffic_per_revision_comes_from_the_data_plane_samples() -> None:
    c = held_cluster()
    [(_, _, snap, _)] = list(view.workloads(c.store))
    new = snap.groups[-1].name
    samples = [TrafficSample("default", "web", new, 10), TrafficSample("default", "web", snap.groups[0].name, 90), TrafficSample("other", "web", new, 5)]
    traffic = view.traffic_of("default", snap, samples)
    assert traffic["available"] is True
    assert [(r["revision"], r["requests"], r["share"]) for r in traffic["revisions"]] == [("2", 10, 0.1), ("1", 90, 0.9)]


def test_history_records_a_point_only_when_counts_change() -> None:
    c = held_cluster()
    [(key, _, snap, _)] = list(view.workloads(c.store))
    h = History()
    assert h.record(key, 1.0, snap) and not h.record(key, 2.0, snap)
    assert [p.t for p in h.points(key)] == [1.0]
    h.forget_except(set())
    assert h.points(key) == []


def test_buttons_run_the_cli_verbs_and_their_refusals() -> None:
    c = held_cluster()
    assert actions.run(c.store, "pause", "Deployment", "default", "web") == "deployment.apps/web paused"
    assert c.get()["spec"]["paused"] is True
    with pytest.raises(UsageError, match='deployments.apps "web" is already paused'):
        actions.run(c.store, "pause", "Deployment", "default", "web")
    with pytest.raises(UsageError, match='action: Unsupported value: "promote": Deployment supports pause, resume, undo'):
        actions.run(c.store, "promote", "Deployment", "default", "web")
    assert actions.actions_for("GameStatefulSet") == ["promote", "undo", "cancel"]


SEEDS = Path(__file__).resolve().parents[3] / "examples"


@pytest.mark.parametrize(
    ("seed", "kind"),
    [
        pytest.param("seed-000", "GameStatefulSet", id="a GameStatefulSet with canary steps"),
        pytest.param("seed-001", "CloneSet", id="a CloneSet updated in place"),
        pytest.param("seed-003", "MesosDeployment", id="a BCS Mesos deployment"),
    ],
)
def test_every_kind_shows_on_the_page_with_its_buttons(seed: str, kind: str) -> None:
    sim = Simulation(scenario.load(str(SEEDS / seed / "scenario.yaml")))
    sim.run()
    state = view.build(sim.store, History(), sim.clock.now(), [])
    shown = [w for w in state["workloads"] if w["kind"] == kind]
    assert shown, f"no {kind} on the page"
    for w in shown:
        obj = sim.store.get(kind, w["namespace"], w["name"])
        assert w["progress"]["desired"] == obj["spec"].get("instance" if kind == "MesosDeployment" else "replicas")
        assert w["revisions"] and w["progress"]["current"] == sum(r["current"] for r in w["revisions"])
        assert w["actions"] == actions.actions_for(kind) and w["actions"]
        assert w["status"]


def test_a_deployment_pods_traffic_is_matched_by_its_pod_template_hash() -> None:
    """The data plane labels a Deployment pod's samples with ``pod-template-hash``, the end of its
    ReplicaSet's name."""
    c = held_cluster()
    [(_, _, snap, _)] = list(view.workloads(c.store))
    hashes = [g.name.rsplit("-", 1)[1] for g in snap.groups]
    traffic = view.traffic_of("default", snap, [TrafficSample("default", "web", hashes[0], 75), TrafficSample("default", "web", hashes[1], 25)])
    assert [(r["revision"], r["share"]) for r in traffic["revisions"]] == [("1", 0.75), ("2", 0.25)]


def test_the_card_shows_the_canary_step_and_what_it_asks_of_the_data_plane() -> None:
    sim = Simulation(scenario.load(str(SEEDS / "canary" / "scenario.yaml")))
    for step in sim.scenario.steps[:6]:  # up to the judge's pause
        sim.execute(step)
    [w] = [w for w in view.build(sim.store, History(), sim.clock.now(), [])["workloads"] if w["kind"] == "CloneSet"]
    new = sim.store.get("CloneSet", "default", "web")["status"]["updateRevision"]
    assert w["canary"] == {
        "step": 2,
        "steps": 9,
        "kind": "hook",
        "paused": ["PausedByStepBasedHook"],
        "routing": {"canaryRevision": new, "weight": 10},
        "routingText": f"10% to revision {new}",
    }
    assert w["actions"] == ["pause", "resume", "undo", "promote", "cancel"]
    assert w["status"].startswith(f"canary step 2/9 (hook; traffic: 10% to revision {new}): ")
    assert actions.run(sim.store, "promote", "CloneSet", "default", "web") == "cloneset.apps.kruise.io/web resumed"
