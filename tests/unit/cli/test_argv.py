"""kubectl's spellings of one-letter flags joined to their value."""

from __future__ import annotations

import pytest

from graceroll.cli.argv import kubectl_argv


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["patch", "gsts", "x", "--type=json", "-p=[{}]"], ["patch", "gsts", "x", "--type=json", "-p", "[{}]"]),
        (["get", "pods", "-o=json"], ["get", "pods", "-o", "json"]),
        (["-n=ns", "get", "pods"], ["-n", "ns", "get", "pods"]),
        (["-p", "=x"], ["-p", "=x"]),  # a separate value is left as it is
        (["--", "-p=x"], ["--", "-p=x"]),  # after --, nothing is a flag
        (["-p="], ["-p", ""]),
        (["-5=x", "-=x"], ["-5=x", "-=x"]),
    ],
)
def test_one_letter_flags_joined_by_equals_are_split(argv: list[str], expected: list[str]) -> None:
    assert kubectl_argv(argv) == expected


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["get", "pods", "-n", "kube-system"], ["-n", "kube-system", "get", "pods"], id="namespace after the verb"),
        pytest.param(["up", "--data-dir", "D", "--detach"], ["--data-dir", "D", "up", "--detach"], id="data dir after up"),
        pytest.param(["get", "pods", "--server=https://x:1"], ["--server=https://x:1", "get", "pods"], id="joined by ="),
        pytest.param(["rollout", "status", "deploy/web", "-n", "shop"], ["-n", "shop", "rollout", "status", "deploy/web"], id="after a sub-verb"),
        pytest.param(["operator", "run", "-n", "shop"], ["operator", "run", "-n", "shop"], id="the command's own -n wins"),
        pytest.param(["logs", "p", "--", "-n", "x"], ["logs", "p", "--", "-n", "x"], id="after --, nothing moves"),
    ],
)
def test_global_options_may_follow_the_verb(argv: list[str], expected: list[str]) -> None:
    import typer

    from graceroll.cli.argv import hoist_global_options
    from graceroll.cli.main import app

    assert hoist_global_options(argv, typer.main.get_command(app)) == expected
