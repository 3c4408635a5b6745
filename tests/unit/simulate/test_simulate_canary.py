"""``graceroll simulate`` on examples/canary: a CloneSet's traffic steps and judge step on virtual
time. No requests flow: the steps show as trafficRouting events, the judge is Inconclusive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from graceroll.cli.main import app
from graceroll.cli.simulate_output import NO_TRAFFIC

SCENARIO = Path(__file__).resolve().parents[3] / "examples" / "canary" / "scenario.yaml"


def run(*options: str) -> Any:
    result = CliRunner().invoke(app, ["simulate", str(SCENARIO), *options])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_the_traffic_steps_show_in_the_events_and_the_judge_pauses_for_want_of_requests() -> None:
    doc = json.loads(run("-o", "json"))
    assert doc["summary"]["complete"] is True and doc["summary"]["max_pods"] == 10
    routing = [(e["t"], e["message"].split(" (was")[0]) for e in doc["events"] if e["reason"] == "TrafficRoutingUpdated"]
    new = doc["timeline"][-1]["groups"][-1]["name"]
    assert routing == [
        (2.0, f"traffic routing: 10% to revision {new}"),
        (41.0, f"traffic routing: 10% and header route testers to revision {new}"),  # after the judge's pause and a resume
        (48.0, f"traffic routing: 50% and header route testers to revision {new}"),
        (81.0, "traffic routing cleared: requests go to every ready pod"),
    ]
    assert not [e for e in doc["events"] if e["reason"] == "RolloutAborted"]  # Inconclusive pauses, never aborts


def test_the_table_says_that_no_requests_flow() -> None:
    out = run()
    assert "CloneSet/web traffic routing: 10% to revision" in out and NO_TRAFFIC in out


def test_the_canary_scenario_is_deterministic() -> None:
    assert run("-o", "json") == run("-o", "json")
