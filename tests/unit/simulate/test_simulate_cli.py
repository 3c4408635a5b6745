"""``graceroll simulate`` end to end through the CLI: the JSON contract, determinism, the ``-f``
shorthand, ``run:`` verbs, and clear errors for bad scenarios and manifests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from graceroll.cli.main import app

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "seed-002" / "scenario.yaml"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  strategy: {{rollingUpdate: {{maxSurge: 1, maxUnavailable: 0}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: app, image: "{image}"}}]
"""


def simulate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["simulate", *args])
    return result.exit_code, result.stdout, result.stderr


def simulate_process(*args: str) -> tuple[int, str, str]:
    """The installed entry point, for the error paths (one line on stderr, exit code, no traceback)."""
    cmd = [sys.executable, "-c", "from graceroll.cli.main import main; main()", "simulate", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    return p.returncode, p.stdout, p.stderr


def simulate_json(*args: str) -> dict[str, Any]:
    code, out, err = simulate(*args, "-o", "json")
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def write(tmp: Path, name: str, text: str) -> str:
    (tmp / name).write_text(text)
    return str(tmp / name)


def test_seed_002_json_follows_the_public_contract() -> None:
    doc = simulate_json(str(EXAMPLE))
    assert set(doc) == {"timeline", "events", "summary"}
    assert doc["summary"] == {"duration_s": doc["summary"]["duration_s"], "complete": True, "max_pods": 28, "min_available": 23}
    row = doc["timeline"][-1]
    assert set(row) == {"t", "workload", "pods", "ready", "available", "groups"}
    assert row["workload"] == "Deployment/frontend"
    assert {g["revision"] for g in row["groups"]} == {"1", "2"}
    assert set(row["groups"][0]) == {"name", "revision", "desired", "current", "ready", "available"}
    new = next(g for g in row["groups"] if g["revision"] == "2")
    assert (new["desired"], new["available"], row["pods"]) == (25, 25, 25)
    reasons = {e["reason"] for e in doc["events"]}
    assert "ScalingReplicaSet" in reasons
    assert set(doc["events"][0]) == {"t", "object", "reason", "message"}
    assert all(r["pods"] <= 28 for r in doc["timeline"])


def test_two_runs_print_byte_identical_json() -> None:
    first = simulate("-o", "json", str(EXAMPLE))
    second = simulate("-o", "json", str(EXAMPLE))
    assert first[0] == 0 and first == second


def test_table_output_has_a_time_column_and_a_summary(tmp_path: Path) -> None:
    code, out, _ = simulate(str(EXAMPLE))
    assert code == 0
    assert out.splitlines()[0].split()[:2] == ["TIME", "WORKLOAD"]
    assert "peak pods: 28" in out


def test_file_shorthand_applies_each_file_after_the_previous_rollout(tmp_path: Path) -> None:
    v1 = write(tmp_path, "v1.yaml", DEPLOYMENT.format(replicas=3, image="app:v1"))
    v2 = write(tmp_path, "v2.yaml", DEPLOYMENT.format(replicas=3, image="app:v2"))
    doc = simulate_json("-f", v1, "-f", v2)
    assert doc["summary"]["complete"] is True
    assert doc["summary"]["max_pods"] == 4  # maxSurge 1
    assert doc["summary"]["min_available"] == 3  # maxUnavailable 0
    assert {g["revision"] for g in doc["timeline"][-1]["groups"]} == {"1", "2"}


def test_run_steps_drive_cli_verbs_on_virtual_time(tmp_path: Path) -> None:
    write(tmp_path, "v1.yaml", DEPLOYMENT.format(replicas=2, image="app:v1"))
    scenario = write(
        tmp_path,
        "s.yaml",
        "steps:\n"
        "  - apply: v1.yaml\n"
        "  - wait: complete\n"
        "  - run: scale deployment/web --replicas 5\n"
        "  - wait: 30\n",
    )
    doc = simulate_json(scenario)
    assert doc["timeline"][-1]["pods"] == 5
    assert doc["timeline"][-1]["t"] <= 30 + doc["timeline"][0]["t"] + 5


def test_a_crashing_image_never_completes_and_stops_at_until(tmp_path: Path) -> None:
    write(tmp_path, "v1.yaml", DEPLOYMENT.format(replicas=2, image="app:bad"))
    scenario = write(tmp_path, "s.yaml", 'pods: {images: {"app:bad": {crash: true}}}\nsteps: [{apply: v1.yaml}, {wait: complete}]\nuntil: 120\n')
    doc = simulate_json(scenario)
    assert doc["summary"]["complete"] is False
    assert all(r["available"] == 0 for r in doc["timeline"])


def test_an_unknown_scenario_key_is_refused_with_its_path(tmp_path: Path) -> None:
    scenario = write(tmp_path, "s.yaml", "steps: [{apply: v1.yaml, wait: 3}]\nuntill: 5\n")
    code, out, err = simulate_process(scenario)
    assert code == 1
    assert "untill" in err and "Traceback" not in err + out


def test_an_invalid_manifest_names_file_field_and_reason(tmp_path: Path) -> None:
    bad = DEPLOYMENT.format(replicas=3, image="app:v1").replace("maxSurge: 1, maxUnavailable: 0", "maxSurge: 0, maxUnavailable: 0")
    path = write(tmp_path, "bad.yaml", bad)
    code, _, err = simulate_process("-f", path)
    assert code == 1
    assert "bad.yaml" in err
    assert "spec.strategy.rollingUpdate.maxUnavailable" in err and "Invalid value: 0: may not be 0 when `maxSurge` is 0" in err


def test_giving_both_a_scenario_and_files_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = simulate_process(str(EXAMPLE), "-f", "x.yaml")
    assert code == 1 and "either a SCENARIO file or one or more -f manifests" in err


def test_run_steps_take_kubectl_s_joined_patch_flag(tmp_path: Path) -> None:
    write(tmp_path, "v1.yaml", DEPLOYMENT.format(replicas=2, image="app:v1"))
    scenario = write(
        tmp_path,
        "s.yaml",
        "steps:\n"
        "  - apply: v1.yaml\n"
        "  - wait: complete\n"
        """  - run: "patch deployment/web --type merge -p='{\\"spec\\":{\\"replicas\\":3}}'"\n"""
        "  - wait: complete\n",
    )
    doc = simulate_json(scenario)
    assert doc["timeline"][-1]["pods"] == 3


def test_a_failing_run_step_is_named_by_index_and_text(tmp_path: Path) -> None:
    write(tmp_path, "v1.yaml", DEPLOYMENT.format(replicas=2, image="app:v1"))
    scenario = write(tmp_path, "s.yaml", "steps:\n  - apply: v1.yaml\n  - wait: complete\n  - run: scale deployment/nothere --replicas 3\n")
    code, out, err = simulate_process(scenario)
    assert code == 1 and "Traceback" not in err + out
    assert err.strip() == 'error: steps[2] (run: scale deployment/nothere --replicas 3) failed: deployments.apps "nothere" not found'


def test_a_run_step_with_unbalanced_quotes_is_a_clear_error(tmp_path: Path) -> None:
    scenario = write(tmp_path, "s.yaml", """steps:\n  - run: "patch deployment/web -p '{"\n""")
    code, out, err = simulate_process(scenario)
    assert code == 1 and "Traceback" not in err + out
    assert "steps[0] (run: patch deployment/web -p '{) failed: cannot split the command line" in err
