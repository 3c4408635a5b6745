"""The simulator's report is observed at every store write: transient states between two
controller writes of one virtual instant count, and the summary follows README's definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graceroll.scenario import Scenario, Step
from graceroll.simulate import Outcome, simulate

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  strategy: {{rollingUpdate: {{maxSurge: {surge}, maxUnavailable: {unavailable}}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: app, image: "{image}"}}]
"""

CLONESET = """\
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {{name: cs}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: cs}}}}
  updateStrategy: {{type: InPlaceIfPossible, maxUnavailable: 1, partition: {partition}}}
  template:
    metadata: {{labels: {{app: cs}}}}
    spec:
      containers: [{{name: app, image: "{image}"}}]
"""


def run(tmp: Path, steps: list[dict[str, Any]], pods: dict[str, Any] | None = None, **files: str) -> Outcome:
    for name, text in files.items():
        (tmp / f"{name}.yaml").write_text(text)
    scenario = Scenario.model_validate({"pods": pods or {}, "steps": steps, "until": 600, "base_dir": tmp})
    return simulate(scenario)


def test_a_surge_that_lasts_between_two_writes_is_the_peak(tmp_path: Path) -> None:
    """3 replicas, maxSurge and maxUnavailable 100%: the new ReplicaSet has its 3 pods before the
    old one has deleted its 3; settled at each instant, 3 pods would be all one saw."""
    v1 = DEPLOYMENT.format(replicas=3, surge="\"100%\"", unavailable="\"100%\"", image="app:v1")
    out = run(tmp_path, [{"apply": "v1.yaml"}, {"wait": "complete"}, {"apply": "v2.yaml"}, {"wait": "complete"}], v1=v1, v2=v1.replace("app:v1", "app:v2"))
    assert out.max_pods == 6
    assert max(r.snapshot.pods for r in out.timeline) == 6
    assert out.min_available == 0  # maxUnavailable 100%: every old pod goes before a new one is up


def test_an_in_place_restart_within_one_instant_lowers_the_floor(tmp_path: Path) -> None:
    """Two pods, maxUnavailable 1, the new image starts at once: each pod is NotReady only
    between two writes of the same instant, and the floor is 1, not 2."""
    v1 = CLONESET.format(replicas=2, partition=0, image="app:v1")
    out = run(
        tmp_path,
        [{"apply": "v1.yaml"}, {"wait": "complete"}, {"apply": "v2.yaml"}, {"wait": "complete"}],
        {"images": {"app:v2": {"startSeconds": 0}}},
        v1=v1,
        v2=v1.replace("app:v1", "app:v2"),
    )
    assert out.complete and out.min_available == 1
    rows_at_update = [r for r in out.timeline if r.t == 1.0]
    assert len(rows_at_update) > 2  # one row per change, all at t=1, like kubectl get rs -w


def test_a_cloneset_created_with_a_partition_completes(tmp_path: Path) -> None:
    """Every pod of a new CloneSet is at its only revision: 5 updated where R - P = 2 are expected."""
    v1 = CLONESET.format(replicas=5, partition=3, image="app:v1")
    out = run(tmp_path, [{"apply": "v1.yaml"}, {"wait": "complete"}], v1=v1)
    assert out.complete and out.duration_s == 1.0 and out.min_available == 5
    assert out.end_t == 1.0  # wait: complete ended when the pods were up, not at the time limit


def test_raising_the_partition_after_the_update_keeps_the_cloneset_complete(tmp_path: Path) -> None:
    v0 = CLONESET.format(replicas=4, partition=0, image="app:v1")
    raised = CLONESET.format(replicas=4, partition=2, image="app:v1")
    out = run(tmp_path, [{"apply": "v0.yaml"}, {"wait": "complete"}, {"apply": "raised.yaml"}, {"wait": 5}], v0=v0, raised=raised)
    assert out.complete


def test_a_later_scale_does_not_reset_the_duration(tmp_path: Path) -> None:
    v1 = DEPLOYMENT.format(replicas=2, surge=1, unavailable=0, image="app:v1")
    out = run(
        tmp_path,
        [{"apply": "v1.yaml"}, {"wait": "complete"}, {"apply": "v2.yaml"}, {"wait": "complete"}, {"run": "scale deployment/web --replicas 4"}, {"wait": "complete"}],
        v1=v1,
        v2=v1.replace("app:v1", "app:v2"),
    )
    assert out.complete and out.duration_s == 2.0  # v2: two pods one after the other, 1 s each


def test_a_rollout_completing_within_one_instant_gets_its_own_duration(tmp_path: Path) -> None:
    """The second template change rolls out in 0 s (its image starts at once): the summary says 0,
    not the first rollout's 2 s."""
    v1 = DEPLOYMENT.format(replicas=2, surge=1, unavailable=0, image="app:v1")
    out = run(
        tmp_path,
        [{"apply": "v1.yaml"}, {"wait": "complete"}, {"apply": "v2.yaml"}, {"wait": "complete"}, {"apply": "v3.yaml"}, {"wait": "complete"}],
        {"images": {"app:v3": {"startSeconds": 0}}},
        v1=v1,
        v2=v1.replace("app:v1", "app:v2"),
        v3=v1.replace("app:v1", "app:v3"),
    )
    assert out.complete and out.duration_s == 0.0


def test_every_run_of_a_scenario_is_identical(tmp_path: Path) -> None:
    v1 = CLONESET.format(replicas=3, partition=0, image="app:v1")
    steps = [{"apply": "v1.yaml"}, {"wait": "complete"}, {"apply": "v2.yaml"}, {"wait": "complete"}]
    first = run(tmp_path, steps, v1=v1, v2=v1.replace("app:v1", "app:v2")).to_json()
    assert first == run(tmp_path, steps).to_json()


def test_steps_alone_are_no_template_change(tmp_path: Path) -> None:
    out = simulate(Scenario(steps=[Step(wait=3)]))
    assert out.duration_s is None and out.max_pods == 0 and out.complete is False
