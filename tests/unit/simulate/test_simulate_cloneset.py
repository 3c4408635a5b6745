"""``graceroll simulate`` on seed 001's CloneSet scenario: revisions as groups, determinism."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from graceroll.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "seed-001" / "scenario.yaml"


def run() -> dict[str, Any]:
    result = CliRunner().invoke(app, ["simulate", str(EXAMPLE), "-o", "json"])
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_seed_001_scenario() -> None:
    doc = run()
    assert doc["summary"]["complete"] is True and doc["summary"]["max_pods"] == 10
    rows = doc["timeline"]
    assert {r["workload"] for r in rows} == {"CloneSet/nginx-2"}
    for g in rows[-1]["groups"]:
        assert g["name"].endswith("-" + g["revision"])  # name = revision name, revision = its hash
    last = rows[-1]["groups"]
    assert [(g["desired"], g["current"], g["available"]) for g in last if g["current"]] == [(10, 10, 10)]
    # partition 3: two pods on the second revision, three kept, every pod available again
    partitioned = next(r for r in rows if r["t"] == 80.0)
    assert sorted((g["desired"], g["current"]) for g in partitioned["groups"]) == [(2, 2), (3, 3)]
    reasons = [e["reason"] for e in doc["events"]]
    assert reasons.count("SuccessfulUpdatePodInPlace") == 2 + 3 + 5
    assert reasons.count("SuccessfulCreate") == 5 + 5
    assert "SuccessfulDelete" not in reasons


def test_seed_001_scenario_is_deterministic() -> None:
    assert run() == run()


def test_table_output_keeps_columns_apart() -> None:
    result = CliRunner().invoke(app, ["simulate", str(EXAMPLE)])
    assert result.exit_code == 0
    line = next(x for x in result.stdout.splitlines() if "nginx-2-" in x)
    name, revision = line.split()[2:4]
    assert name.endswith(revision)
