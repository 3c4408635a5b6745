"""``graceroll verify``: zero-downtime proof for one update command."""

from __future__ import annotations

import asyncio
import json
import sys

import typer

from graceroll.cli.context import CliContext
from graceroll.verify.report import render_text
from graceroll.verify.run import VerifyOptions
from graceroll.verify.run import verify as run_verify


def verify(
    ctx: typer.Context,
    service: str = typer.Argument(..., help="The Service to send traffic through (NAME or service/NAME)."),
    during: str | None = typer.Option(None, "--during", help='One update command, e.g. "set image deployment/web app=demo:v2".'),
    workload: str | None = typer.Option(None, "--workload", help="KIND/NAME whose rollout to wait for (default: the command's target)."),
    path: str = typer.Option("/version", "--path", help="The HTTP path to request."),
    port: int | None = typer.Option(None, "--port", help="The Service port (default: its first)."),
    keepalive: int = typer.Option(4, "--keepalive-clients", help="Clients reusing one connection."),
    new_conn: int = typer.Option(4, "--new-conn-clients", help="Clients opening a connection per request."),
    timeout: float = typer.Option(600.0, "--timeout", help="Seconds to wait for the rollout to complete."),
    duration: float = typer.Option(5.0, "--duration", help="Without --during: seconds of load."),
    output: str = typer.Option("text", "-o", "--output", help="text or json."),
) -> None:
    """Drive HTTP load through a Service while one update rolls out; fail if any request failed.

    Reports requests, failures by kind (refused, reset, timeout, 5xx), latency p50/p99, which
    versions answered over time and the rollout's duration.
    """
    from graceroll.cli.commands import run_command

    c: CliContext = ctx.obj
    name = service.split("/", 1)[1] if "/" in service else service
    opts = VerifyOptions(name, c.namespace, port, path, during, workload, keepalive, new_conn, timeout, duration=duration)
    report = asyncio.run(run_verify(opts, c.store, lambda argv: run_command(c, argv), c.clock))
    result = report.to_json()
    typer.echo(json.dumps(result, indent=2) if output == "json" else render_text(result))
    if not result["ok"]:
        sys.exit(1)
