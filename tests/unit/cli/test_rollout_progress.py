"""``rollout status``'s terminal bars (its plain lines off a terminal are covered by test_commands)."""

from __future__ import annotations

from rich.console import Console

from graceroll.cli.rollout_progress import render
from graceroll.workload.progress import Progress


def shown(p: Progress | None) -> str:
    console = Console(record=True, width=140, color_system=None)
    console.print(render('Waiting for deployment "web" rollout to finish: 2 out of 5 new replicas have been updated...', p))
    return console.export_text()


def test_bars_show_updated_ready_and_available_against_desired() -> None:
    text = shown(Progress(desired=5, current=6, updated=2, ready=4, available=3, paused=True, complete=False, failed=False))
    lines = text.splitlines()
    assert lines[0].startswith('Waiting for deployment "web"')
    assert [line.split()[0] + " " + line.split()[-1] for line in lines[1:4]] == ["updated 2/5", "ready 4/5", "available 3/5"]
    assert lines[4] == "paused"


def test_a_kind_without_progress_shows_the_message_alone() -> None:
    assert shown(None).strip() == 'Waiting for deployment "web" rollout to finish: 2 out of 5 new replicas have been updated...'
