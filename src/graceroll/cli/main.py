"""The ``graceroll`` entry point: every command, one-line errors, exit codes (0 ok, 1 failed, 2 usage)."""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import typer

from graceroll import __version__
from graceroll.cli.argv import hoist_global_options, kubectl_argv
from graceroll.errors import GracerollError

app = typer.Typer(
    name="graceroll",
    help="Zero-downtime rolling updates: Deployment, CloneSet and BCS semantics, simulated or for real.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global(
    ctx: typer.Context,
    data_dir: Path | None = typer.Option(None, "--data-dir", envvar="GRACEROLL_DATA_DIR", help="Engine data directory (default ~/.local/share/graceroll)."),
    namespace: str = typer.Option("default", "-n", "--namespace", help="Namespace of the objects."),
    server: str | None = typer.Option(None, "--server", envvar="GRACEROLL_SERVER", help="Engine API URL (default: the engine on --data-dir)."),
    token: str | None = typer.Option(None, "--token", envvar="GRACEROLL_TOKEN", help="Bearer token for --server."),
    ca: Path | None = typer.Option(None, "--certificate-authority", envvar="GRACEROLL_CA", help="CA file to trust for --server (default: the data dir's tls.crt)."),
) -> None:
    """graceroll: zero-downtime rolling updates with the semantics of Kubernetes, OpenKruise and BCS."""
    from graceroll.cli.context import CliContext
    from graceroll.engine.paths import default_data_dir

    ctx.obj = CliContext(data_dir=data_dir or default_data_dir(), namespace=namespace, server=server, token=token, ca=ca)


@app.command()
def version() -> None:
    """Print the graceroll version."""
    typer.echo(__version__)


@app.command()
def simulate(
    scenario_file: str | None = typer.Argument(None, metavar="SCENARIO", help="A scenario file (pods, steps, until)."),
    files: list[str] = typer.Option([], "-f", "--filename", help="Manifests to apply in turn, each once the previous rollout completes."),
    output: str = typer.Option("table", "-o", "--output", help="table or json."),
    until: float = typer.Option(3600.0, "--until", help="With -f: stop at this virtual time (seconds)."),
) -> None:
    """Preview a rollout on a virtual clock: timeline, peak pods, availability floor, duration.

    Runs the real controllers against a simulated node. Either a SCENARIO file, or -f files
    (apply each, wait until complete, apply the next).
    """
    from graceroll import scenario as scenario_mod
    from graceroll.cli.simulate_output import summary_lines, table_printer
    from graceroll.simulate import simulate as run

    if output not in ("table", "json"):
        raise GracerollError(f'unknown output format "{output}": use table or json')
    if (scenario_file is None) == (not files):
        raise GracerollError("give either a SCENARIO file or one or more -f manifests")
    sc = scenario_mod.load(scenario_file) if scenario_file else scenario_mod.from_files(files, until)
    on_row = table_printer(typer.echo) if output == "table" else None
    outcome = run(sc, on_row)
    if output == "json":
        typer.echo(json.dumps(outcome.to_json(), indent=2))
    else:
        typer.echo("")
        for line in summary_lines(outcome):
            typer.echo(line)


def _register() -> None:
    from graceroll.cli import dashboard_cmd, engine_cmds, operator_cmd, read_cmds, verify_cmd, wait_cmd
    from graceroll.cli.commands import verbs_app

    app.command()(engine_cmds.up)
    app.command()(engine_cmds.status)
    app.command()(engine_cmds.down)
    app.command()(dashboard_cmd.dashboard)
    for fn in (read_cmds.get, read_cmds.describe, read_cmds.logs, read_cmds.events, read_cmds.delete):
        app.command()(fn)
    app.command()(wait_cmd.wait)
    app.command()(verify_cmd.verify)
    app.add_typer(verbs_app)
    app.add_typer(operator_cmd.operator_app)
    groups = [group.typer_instance for group in verbs_app.registered_groups if group.typer_instance is not None]
    for typer_app in (app, verbs_app, *groups, operator_cmd.operator_app):
        for info in typer_app.registered_commands:
            if info.help is None and info.callback is not None:
                info.help = reflow(inspect.getdoc(info.callback) or "")


def reflow(doc: str) -> str:
    """Each paragraph of a docstring as one line: the help formatter keeps line breaks, so the
    source's wrapping would show as ragged lines at any terminal width other than the source's."""
    return "\n\n".join(" ".join(p.split("\n")) for p in doc.split("\n\n"))


_register()


def main() -> None:
    """Run the CLI; graceroll errors become ``error: …`` on stderr and exit code 1, never a traceback."""
    try:
        argv = hoist_global_options(kubectl_argv(sys.argv[1:]), typer.main.get_command(app))
        app(args=argv, standalone_mode=False)
    except GracerollError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(1)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.TyperException as e:  # usage errors: typer's own message, exit code 2
        show = getattr(e, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(f"error: {e}", err=True)
        sys.exit(int(getattr(e, "exit_code", 2)))
    except Exception as e:  # noqa: BLE001  a bug: still one line and exit code 1, never a traceback
        typer.echo(f"error: internal error: {type(e).__name__}: {e}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
