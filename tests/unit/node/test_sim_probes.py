"""A simulated readiness probe against an app whose health changes over time."""

from __future__ import annotations

from pathlib import Path

import pytest

from graceroll.errors import ManifestError
from graceroll.node.sim_probes import Health, Readiness, readiness
from graceroll.scenario import Scenario, load
from graceroll.simulate import simulate

PROBE = {"httpGet": {"path": "/healthz"}, "periodSeconds": 10, "failureThreshold": 3}


@pytest.mark.parametrize(
    "now, expected",
    [
        pytest.param(0, Readiness(True, 0, 50), id="ready at the first check, NotReady due at 50"),
        pytest.param(49, Readiness(True, 0, 50), id="checks at 30 and 40 failed: still Ready (threshold 3)"),
        pytest.param(50, Readiness(False, 50, 70), id="the third failing check at 50"),
        pytest.param(70, Readiness(True, 70, None), id="the first passing check after the window"),
    ],
)
def test_an_unhealthy_window_costs_failure_threshold_checks(now: float, expected: Readiness) -> None:
    """The module docstring's worked example: unhealthy from 25 to 62."""
    assert readiness(PROBE, Health(0, ((25, 62),)), 0, now) == expected


def test_flapping_repeats_on_each_pod_s_own_clock() -> None:
    """Every 60 s for 30 s from when the app came up at 5: checks at 65, 75, 85 fail."""
    h = Health(5, (), ((60, 30),))
    probe = dict(PROBE, initialDelaySeconds=5)
    assert readiness(probe, h, 0, 100) == Readiness(True, 95, 145)
    assert readiness(probe, h, 0, 150) == Readiness(False, 145, 155)


def test_a_window_too_short_for_the_failure_threshold_changes_nothing() -> None:
    r = readiness(PROBE, Health(0, (), ((60, 10),)), 0, 100)
    assert r.ready and r.since == 0
    assert r.next_change is not None and r.next_change > 10_000  # looked at again much later


def test_without_a_probe_nothing_notices() -> None:
    assert readiness(None, Health(0, ((25, 62),)), 0, 40) == Readiness(True, 0, None)


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: app:flaky
        readinessProbe: {httpGet: {path: /healthz, port: 80}, periodSeconds: 5, failureThreshold: 2}
"""


def test_a_scenario_previews_what_an_outage_does_to_availability(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(DEPLOYMENT)
    (tmp_path / "s.yaml").write_text(
        'pods: {images: {"app:flaky": {unhealthy: [{from: 30, to: 42}]}}}\n'
        "steps: [{apply: d.yaml}, {wait: complete}, {wait: 60}]\n"
    )
    out = simulate(load(str(tmp_path / "s.yaml")))
    assert out.min_available == 0  # pods run from 1 s: every one failed its checks at 31 and 36
    down = [r for r in out.timeline if r.snapshot.available == 0 and r.t > 1]
    up = [r for r in out.timeline if r.snapshot.available == 4 and r.t > 40]
    assert down[0].t == 36.0 and up[0].t == 46.0


@pytest.mark.parametrize(
    "images, message",
    [
        ('{"a": {unhealthy: [{from: 10, to: 5}]}}', "pods.images.a.unhealthy[0]: Invalid value"),
        ('{"a": {flapping: {every: 10, for: 10}}}', "pods.images.a.flapping: Invalid value"),
        ('{"a": {flapping: {every: 10}}}', "pods.images.a.flapping.for: Required value"),
    ],
)
def test_bad_readiness_behaviour_is_refused_with_its_path(tmp_path: Path, images: str, message: str) -> None:
    (tmp_path / "s.yaml").write_text(f"pods: {{images: {images}}}\nsteps: [{{wait: 1}}]\n")
    with pytest.raises(ManifestError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(str(tmp_path / "s.yaml"))


def test_scenario_windows_are_scenario_seconds() -> None:
    sc = Scenario.model_validate({"pods": {"images": {"a": {"unhealthy": [{"from": 1, "to": 2}]}}}, "steps": [{"wait": 1}]})
    assert sc.behaviours(origin=1000).images["a"].unhealthy == ((1001.0, 1002.0),)
