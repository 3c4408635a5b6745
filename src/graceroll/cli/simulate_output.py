"""Printing a simulation: the ``kubectl get rs -w`` table with a time column, and the summary."""

from __future__ import annotations

from collections.abc import Callable

from graceroll.controllers.canary.traffic import TRAFFIC_ROUTING_UPDATED
from graceroll.simulate import Outcome, Row
from graceroll.workload.base import Group

HEADER = ("TIME", "WORKLOAD", "NAME", "REVISION", "DESIRED", "CURRENT", "READY", "AVAILABLE")
WIDTHS = (9, 28, 32, 9, 8, 8, 6, 9)


def format_line(cells: tuple[str, ...]) -> str:
    """Cells padded to their column; one wider than its column (a CloneSet's 10-character revision
    hash) still keeps a space before the next."""
    return "".join(
        (c.ljust(w) if len(c) < w else c + " ") if i < len(cells) - 1 else c for i, (c, w) in enumerate(zip(cells, WIDTHS))
    ).rstrip()


def table_printer(echo: Callable[[str], None]) -> Callable[[Row], None]:
    """A row callback that prints each group whose counts changed, as they change."""
    last: dict[tuple[str, str], Group] = {}

    def on_row(row: Row) -> None:
        for g in row.snapshot.groups:
            key = (row.workload, g.name)
            if last.get(key) == g:
                continue
            if not last:  # the header waits for the first row, so an early error stands alone
                echo(format_line(HEADER))
            last[key] = g
            echo(
                format_line(
                    (f"{row.t:.1f}s", row.workload, g.name, g.revision, str(g.desired), str(g.current), str(g.ready), str(g.available))
                )
            )

    return on_row


NO_TRAFFIC = "note: no requests flow in the simulator: traffic steps only set status.trafficRouting, which the engine's data plane applies"


def summary_lines(o: Outcome) -> list[str]:
    lines = [f"note: {n}" for n in o.notes if n.startswith(("wait", "stopped"))]
    routing = [e for e in o.events if e["reason"] == TRAFFIC_ROUTING_UPDATED]
    lines += [f"{e['t']:.1f}s {e['object']} {e['message']}" for e in routing]
    if routing:
        lines.append(NO_TRAFFIC)
    if o.complete and o.duration_s is not None:
        lines.append(f"rollout complete: {o.duration_s:g}s after the last template change")
    elif o.complete:
        lines.append("complete (no template change to roll out)")
    else:
        lines.append(f"not complete at {o.end_t:g}s")
    lines.append(f"peak pods: {o.max_pods}")
    if o.min_available is not None:
        lines.append(f"fewest available after first completion: {o.min_available}")
    return lines
