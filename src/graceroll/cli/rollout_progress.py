"""``rollout status`` on a terminal: kubectl's message above live bars of updated / ready /
available pods against desired, redrawn in place. Not on a terminal, ``rollout status`` prints
its plain lines unchanged (scripts and tests read them).
"""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from graceroll.verbs.target import Target
from graceroll.workload import progress
from graceroll.workload.progress import Progress

BAR_WIDTH = 32


def render(message: str, p: Progress | None) -> RenderableType:
    """The message, then one bar per count; without progress (a kind with no view) the message alone."""
    if p is None:
        return Text(message)
    grid = Table.grid(padding=(0, 1))
    for label, value in (("updated", p.updated), ("ready", p.ready), ("available", p.available)):
        grid.add_row(Text(label.rjust(9)), ProgressBar(total=max(p.desired, 1), completed=min(value, max(p.desired, 1)), width=BAR_WIDTH), Text(f"{value}/{p.desired}"))
    flags = [f for f, on in (("paused", p.paused), ("failed", p.failed)) if on]
    return Group(Text(message), grid, *([Text(", ".join(flags), style="yellow")] if flags else []))


class LiveStatus:
    """The terminal display of one workload's rollout; ``update`` re-reads its progress."""

    def __init__(self, store: Any, kind: str, name: str, namespace: str, console: Console | None = None) -> None:
        self.store = store
        self.target = Target.of(kind, name, namespace)
        self.live = Live(Text(""), console=console, auto_refresh=False, transient=False)
        self.live.start()

    def update(self, message: str) -> None:
        seen = progress.read(self.store, self.target.get(self.store))
        self.live.update(render(message, seen[1] if seen else None), refresh=True)

    def close(self) -> None:
        self.live.stop()


def on_terminal() -> bool:
    return sys.stdout.isatty()
