"""``graceroll operator``: options reach ``run_operator``; errors are one line; manifests print."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from graceroll.cli.main import app
from graceroll.errors import GracerollError
from graceroll.operator import run as run_module


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []

    async def fake_run_operator(opts: run_module.OperatorOptions, stop: Any = None) -> None:
        calls.append(opts)

    monkeypatch.setattr(run_module, "run_operator", fake_run_operator)
    return calls


def test_run_passes_its_options(started: list[Any], tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["operator", "run", "--kubeconfig", str(tmp_path / "k"), "--context", "c", "--controllers", "hookrun,gamestatefulset"])
    assert result.exit_code == 0, result.output
    opts = started[0]
    assert (opts.kubeconfig, opts.context, opts.namespace, opts.controllers) == (tmp_path / "k", "c", None, ("gamestatefulset", "hookrun"))


@pytest.mark.parametrize(("argv", "namespace"), [(["operator", "run"], None), (["-n", "team-a", "operator", "run"], "team-a"), (["operator", "run", "--namespace", "b"], "b")])
def test_all_namespaces_unless_one_is_given_globally_or_locally(started: list[Any], argv: list[str], namespace: str | None) -> None:
    assert CliRunner().invoke(app, argv).exit_code == 0
    assert started[0].namespace == namespace


def test_a_missing_kubeconfig_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["operator", "run", "--kubeconfig", str(tmp_path / "missing")])
    assert isinstance(result.exception, GracerollError)
    assert "no kubeconfig at" in str(result.exception)


def test_manifests_print_yaml_documents() -> None:
    result = CliRunner().invoke(app, ["operator", "manifests", "--namespace", "ops", "--image", "example/graceroll:1"])
    assert result.exit_code == 0, result.output
    docs = [d for d in YAML(typ="safe").load_all(result.output) if d]
    assert len(docs) > 1 and "\n---\n" in result.output
    assert all("kind" in d for d in docs)
