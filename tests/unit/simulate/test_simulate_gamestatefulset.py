"""``graceroll simulate`` on seed 000 (GameStatefulSet in place) and the canary example."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from graceroll.api.loader import load_path
from graceroll.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "seed-000"


def run(name: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["simulate", str(EXAMPLES / name), "-o", "json"])
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_seed_000_scenario() -> None:
    doc = run("scenario.yaml")
    assert doc["summary"]["complete"] is True and doc["summary"]["max_pods"] == 5
    assert doc["summary"]["duration_s"] == 62.0  # two pods, 30 s grace + 1 s restart each
    last = doc["timeline"][-1]["groups"]
    assert sorted((g["desired"], g["current"], g["ready"]) for g in last) == [(2, 2, 2), (3, 3, 3)]
    moves = [e["message"].split()[3] for e in doc["events"] if e["reason"] == "SuccessfulUpdatePodInPlace"]
    assert moves == ["test-gamestatefulset-4", "test-gamestatefulset-3"]
    assert [e["t"] for e in doc["events"] if e["reason"] == "SuccessfulUpdatePodInPlace"] == [5.0, 36.0]


def test_seed_000_scenario_is_deterministic() -> None:
    assert run("scenario.yaml") == run("scenario.yaml")


def test_canary_scenario_runs_the_hook_step() -> None:
    doc = run("canary-scenario.yaml")
    assert doc["summary"]["complete"] is True
    steps = [(e["t"], e["message"]) for e in doc["events"] if e["reason"] == "SetStepIndex"]
    assert steps == [(2.0, "set current step index 1"), (31.0, "set current step index 2"), (41.0, "set current step index 3"), (43.0, "set current step index 4")]
    assert any(e["reason"] == "SuccessfulCreateHookRun" for e in doc["events"])


def test_the_engine_variant_of_seed_000_differs_only_in_the_command() -> None:
    seed, engine = (load_path(str(EXAMPLES / f)) for f in ("inplace-update.yaml", "inplace-update-engine.yaml"))
    commands = [d["spec"]["template"]["spec"]["containers"][0].pop("command") for d in (seed[0], engine[0])]
    assert seed == engine
    assert commands[1] == ["$(GRACEROLL_PYTHON)", "-m", "http.server", "--bind", "$(POD_IP)"]
