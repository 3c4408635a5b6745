"""Help text: every command's paragraphs reflow to the terminal's width."""

from __future__ import annotations

from typing import Any

import typer

from graceroll.cli.main import app, reflow


def test_reflow_joins_the_lines_of_each_paragraph_and_keeps_paragraphs() -> None:
    assert reflow("First line\nwrapped.\n\nSecond\nparagraph.") == "First line wrapped.\n\nSecond paragraph."


def _commands(group: Any, path: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name, cmd in group.commands.items():
        found.append((f"{path}{name}", cmd))
        if hasattr(cmd, "commands"):
            found += _commands(cmd, f"{path}{name} ")
    return found


def test_no_command_help_keeps_the_source_line_breaks() -> None:
    commands = _commands(typer.main.get_command(app))
    assert {"up", "wait", "rollout status", "operator run"} <= {name for name, _ in commands}
    for name, cmd in commands:
        for paragraph in (cmd.help or "").split("\n\n"):
            assert "\n" not in paragraph, f"{name}: {paragraph!r}"
