"""``graceroll dashboard``: a one-time login link to the engine's dashboard."""

from __future__ import annotations

import webbrowser

import typer

from graceroll.cli.context import CliContext
from graceroll.errors import GracerollError


def dashboard(
    ctx: typer.Context,
    open_browser: bool = typer.Option(False, "--open", help="Also open the link in the default browser."),
) -> None:
    """Print a login link to the engine's live dashboard (single use, valid for a minute).

    The link trades its code for a browser session cookie; the page then shows every workload's
    rollout as it happens, with pause / resume / undo / promote / cancel buttons.
    """
    c: CliContext = ctx.obj
    store = c.store
    answer = store.request("POST", "/dashboard/api/codes")
    if not isinstance(answer, dict) or "path" not in answer:
        raise GracerollError("the engine did not hand out a login code: is it a graceroll engine with a dashboard?")
    url = store.server + answer["path"]
    typer.echo(url)
    typer.echo(f"valid once, for {answer.get('expiresInSeconds', 60):g} seconds; the browser must trust the engine's certificate ({c.ca or 'tls.crt in the data dir'})", err=True)
    if open_browser:
        webbrowser.open(url)
