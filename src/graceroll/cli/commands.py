"""The object-changing verbs on the command line: ``apply``, ``scale``, ``set image``, ``patch``, ``rollout``.

``verbs_app`` is a Typer app meant to be added to the main app without a name (its commands become
top-level commands). Commands read ``ctx.obj``: anything with ``store``, ``clock``, ``cwd`` (the base
of relative ``-f`` paths) and ``namespace``. They print kubectl's lines on stdout; a graceroll error
becomes ``error: <message>`` on stderr and exit code 1, never a traceback.

``run_command(ctx_obj, argv)`` runs one command line without a terminal (the simulator's
``run: scale deployment/frontend --replicas 30``): it returns what the command would print and
raises the graceroll error instead of exiting.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from graceroll.cli import rollout_progress
from graceroll.errors import GracerollError, UsageError
from graceroll.verbs import apply as apply_verb
from graceroll.verbs import patch as patch_verb
from graceroll.verbs import rollout
from graceroll.verbs import scale as scale_verb
from graceroll.verbs import set_env as set_env_verb
from graceroll.verbs import set_image as set_image_verb

PROG = "graceroll"
_SINK = "graceroll.verbs.output"  # ctx.meta key: a list collecting output instead of printing it

verbs_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)
set_app = typer.Typer(help="Set specific features on objects.", no_args_is_help=True)
rollout_app = typer.Typer(help="Manage the rollout of a workload.", no_args_is_help=True)
verbs_app.add_typer(set_app, name="set")
verbs_app.add_typer(rollout_app, name="rollout")

F = TypeVar("F", bound=Callable[..., Any])


# ---- plumbing ----------------------------------------------------------------------------------
def _verb(fn: F) -> F:
    """Print what the verb returns; turn errors into ``error: …`` and exit 1 (or re-raise for run_command)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        ctx: typer.Context = kwargs["ctx"]  # Typer passes every parameter by keyword
        sink: list[str] | None = ctx.meta.get(_SINK)
        try:
            result = fn(*args, **kwargs)
        except GracerollError as e:
            if sink is not None:
                raise
            typer.echo(f"error: {e}", err=True)
            raise SystemExit(1) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # Typer's own signals and usage errors: Typer reports them
        except Exception as e:  # never a traceback: a bug still ends as one line and exit code 1
            if sink is not None:
                raise
            typer.echo(f"error: internal error: {type(e).__name__}: {e}", err=True)
            raise SystemExit(1) from None
        lines = result if isinstance(result, list) else [result]
        for line in lines:
            if not line:
                continue
            if sink is not None:
                sink.append(line)
            else:
                typer.echo(line)

    return wrapper  # type: ignore[return-value]


def warning(message: str) -> None:
    """``Warning: …`` on stderr, as kubectl prints an API server's warnings."""
    typer.echo(f"Warning: {message}", err=True)


def split_target(resource: str, name: str | None) -> tuple[str, str]:
    """``KIND/NAME`` or ``KIND NAME`` → (kind, name)."""
    kind, sep, rest = resource.partition("/")
    if sep:
        if not kind or not rest:
            raise UsageError(f'arguments in resource/name form must have a single resource and name (got "{resource}")')
        if name is not None:
            raise UsageError(
                "there is no need to specify a resource type as a separate argument when passing arguments in "
                f'resource/name form (e.g. "deployment/web" instead of "deployment deployment/web"; got "{resource} {name}")'
            )
        return kind, rest
    if name is None:
        raise UsageError(f'resource(s) were provided, but no name was specified (use "{resource}/NAME" or "{resource} NAME")')
    return resource, name


def change_cause(ctx: typer.Context) -> str:
    """The command line as kubectl records it for ``--record``: arguments, then ``--flag=value`` for
    every option given on the command line (``graceroll scale deployment/web --replicas=3 --record=true``).
    """
    parts = [ctx.command_path]
    flags = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        source = ctx.get_parameter_source(param.name or "")
        if param.param_type_name == "argument":
            parts += [str(v) for v in value] if isinstance(value, (list, tuple)) else [] if value is None else [str(value)]
        elif param.param_type_name == "option" and source is not None and source.name == "COMMANDLINE":
            flag = max((o for o in param.opts if o.startswith("--")), key=len, default=param.opts[0])
            for v in value if isinstance(value, (list, tuple)) else [value]:
                flags.append(f"{flag}={_flag_value(v)}")
    return " ".join(parts + flags)


def _flag_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def run_command(ctx_obj: Any, argv: list[str]) -> str:
    """Run one verb command line against ``ctx_obj``; its output (lines joined by newlines).

    Raises the graceroll error the command met, or ``UsageError`` for a command line that does
    not parse.
    """
    command = typer.main.get_command(verbs_app)
    out: list[str] = []
    try:
        with command.make_context(PROG, list(argv), obj=ctx_obj) as ctx:
            ctx.meta[_SINK] = out
            command.invoke(ctx)
    except typer.Exit:  # --help: nothing to report
        pass
    except typer.TyperException as e:  # the command line does not parse
        raise UsageError(e.format_message()) from None
    except typer.Abort:
        raise UsageError("aborted") from None
    return "\n".join(out)


# ---- commands ----------------------------------------------------------------------------------
@verbs_app.command()
@_verb
def apply(
    ctx: typer.Context,
    filename: list[str] = typer.Option(..., "-f", "--filename", help="Manifest file, directory, or - for stdin (repeatable)."),
    record: bool = typer.Option(False, "--record", help="Write this command line to the kubernetes.io/change-cause annotation."),
) -> list[str]:
    """Create or update objects from manifests (three-way merge with the last applied manifest)."""
    c = ctx.obj
    objs = [o for f in filename for o in apply_verb.read_manifests(f, Path(c.cwd), warn=warning)]
    return apply_verb.apply(c.store, objs, change_cause=change_cause(ctx) if record else None, namespace=c.namespace)


@verbs_app.command()
@_verb
def scale(
    ctx: typer.Context,
    resource: str = typer.Argument(..., metavar="KIND/NAME", help="KIND/NAME, or KIND followed by NAME."),
    name: str | None = typer.Argument(None, metavar="NAME"),
    replicas: int | None = typer.Option(None, "--replicas", help="The new number of replicas."),
    record: bool = typer.Option(False, "--record", help="Write this command line to the kubernetes.io/change-cause annotation."),
) -> str:
    """Set the number of replicas of a Deployment (or any kind with spec.replicas)."""
    if replicas is None:
        raise UsageError(scale_verb.REPLICAS_REQUIRED)
    kind, obj_name = split_target(resource, name)
    return scale_verb.scale(
        ctx.obj.store, kind, obj_name, replicas, ctx.obj.namespace, change_cause=change_cause(ctx) if record else None
    )


def _target_and_pairs(args: list[str], verb: str, is_pair: Callable[[str], bool]) -> tuple[tuple[str, str], list[str]]:
    """``KIND/NAME`` or ``KIND NAME``, and the arguments after it that ``is_pair`` tells apart."""
    refs = [a for a in args if not is_pair(a)]
    if not refs:
        raise UsageError("one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if len(refs) > 2:
        raise UsageError(f"{verb} changes one object at a time (got {', '.join(refs)})")
    return split_target(refs[0], refs[1] if len(refs) == 2 else None), [a for a in args if is_pair(a)]


@set_app.command("image")
@_verb
def set_image(
    ctx: typer.Context,
    args: list[str] = typer.Argument(..., metavar="KIND/NAME CONTAINER=IMAGE...", help="The object, then container=image pairs (* = all containers)."),
    record: bool = typer.Option(False, "--record", help="Write this command line to the kubernetes.io/change-cause annotation."),
) -> str:
    """Change container images in a pod template."""
    (kind, obj_name), pairs = _target_and_pairs(args, "set image", lambda a: "=" in a)
    images: dict[str, str] = {}
    for pair in pairs:
        container, _, image = pair.partition("=")
        if not container or not image:
            raise UsageError(f'invalid image update "{pair}": use CONTAINER=IMAGE')
        images[container] = image
    return set_image_verb.set_image(
        ctx.obj.store, kind, obj_name, images, ctx.obj.namespace, change_cause=change_cause(ctx) if record else None
    )


@set_app.command("env")
@_verb
def set_env(
    ctx: typer.Context,
    args: list[str] = typer.Argument(..., metavar="KIND/NAME KEY=VALUE... KEY-...", help="The object, then variables to set (KEY=VALUE) or remove (KEY-)."),
    containers: str = typer.Option("*", "-c", "--containers", help="The containers to change: a name or a glob (init containers included)."),
    record: bool = typer.Option(False, "--record", help="Write this command line to the kubernetes.io/change-cause annotation."),
) -> str:
    """Set or remove environment variables in a pod template (a rollout follows, as with kubectl)."""
    (kind, obj_name), pairs = _target_and_pairs(args, "set env", lambda a: "=" in a or (a.endswith("-") and len(a) > 1))
    sets, removes = set_env_verb.parse_env_args(pairs)
    return set_env_verb.set_env(
        ctx.obj.store, kind, obj_name, sets, removes, ctx.obj.namespace, containers=containers, change_cause=change_cause(ctx) if record else None
    )


@verbs_app.command()
@_verb
def patch(
    ctx: typer.Context,
    resource: str = typer.Argument(..., metavar="KIND/NAME", help="KIND/NAME, or KIND followed by NAME."),
    name: str | None = typer.Argument(None, metavar="NAME"),
    patch_text: str | None = typer.Option(None, "-p", "--patch", help="The patch (JSON, or YAML)."),
    patch_file: str | None = typer.Option(None, "--patch-file", help="A file holding the patch."),
    patch_type: str = typer.Option("strategic", "--type", help="json, merge or strategic."),
    record: bool = typer.Option(False, "--record", help="Write this command line to the kubernetes.io/change-cause annotation."),
) -> str:
    """Change fields of an object with a JSON, merge or strategic merge patch."""
    if (patch_text is None) == (patch_file is None):
        raise UsageError("must specify exactly one of --patch or --patch-file")
    if patch_file is not None:
        path = Path(patch_file)
        try:
            patch_text = (path if path.is_absolute() else Path(ctx.obj.cwd) / path).read_text()
        except OSError as e:
            raise UsageError(f"unable to read patch file {patch_file}: {e.strerror or e}") from None
    kind, obj_name = split_target(resource, name)
    return patch_verb.patch(
        ctx.obj.store,
        kind,
        obj_name,
        patch_text or "",
        patch_type,
        ctx.obj.namespace,
        change_cause=change_cause(ctx) if record else None,
    )


_TARGET = typer.Argument(..., metavar="KIND/NAME", help="KIND/NAME, or KIND followed by NAME.")
_NAME = typer.Argument(None, metavar="NAME")


@rollout_app.command("pause")
@_verb
def rollout_pause(ctx: typer.Context, resource: str = _TARGET, name: str | None = _NAME) -> str:
    """Stop a rollout where it is; template changes wait until resume."""
    kind, obj_name = split_target(resource, name)
    return rollout.pause(ctx.obj.store, kind, obj_name, ctx.obj.namespace)


@rollout_app.command("resume")
@_verb
def rollout_resume(ctx: typer.Context, resource: str = _TARGET, name: str | None = _NAME) -> str:
    """Let a paused rollout go on."""
    kind, obj_name = split_target(resource, name)
    return rollout.resume(ctx.obj.store, kind, obj_name, ctx.obj.namespace)


@rollout_app.command("cancel")
@_verb
def rollout_cancel(ctx: typer.Context, resource: str = _TARGET, name: str | None = _NAME) -> str:
    """Abandon the update in progress and restore the previous version (BCS Mesos deployments)."""
    kind, obj_name = split_target(resource, name)
    return rollout.cancel(ctx.obj.store, kind, obj_name, ctx.obj.namespace)


@rollout_app.command("restart")
@_verb
def rollout_restart(ctx: typer.Context, resource: str = _TARGET, name: str | None = _NAME) -> str:
    """Replace every pod through a rollout."""
    kind, obj_name = split_target(resource, name)
    return rollout.restart(ctx.obj.store, kind, obj_name, ctx.obj.namespace, clock=ctx.obj.clock)


@rollout_app.command("undo")
@_verb
def rollout_undo(
    ctx: typer.Context,
    resource: str = _TARGET,
    name: str | None = _NAME,
    to_revision: int = typer.Option(0, "--to-revision", help="The revision to go back to (0: the previous one)."),
) -> str:
    """Roll back to an earlier revision."""
    kind, obj_name = split_target(resource, name)
    return rollout.undo(ctx.obj.store, kind, obj_name, to_revision, ctx.obj.namespace)


@rollout_app.command("history")
@_verb
def rollout_history(
    ctx: typer.Context,
    resource: str = _TARGET,
    name: str | None = _NAME,
    revision: int = typer.Option(0, "--revision", help="Show this revision's pod template."),
) -> str:
    """List the revisions of a workload, or show one."""
    kind, obj_name = split_target(resource, name)
    return rollout.history(ctx.obj.store, kind, obj_name, revision, ctx.obj.namespace)


@rollout_app.command("status")
@_verb
def rollout_status(
    ctx: typer.Context,
    resource: str = _TARGET,
    name: str | None = _NAME,
    revision: int = typer.Option(0, "--revision", help="Fail unless this is the running revision."),
    watch: bool = typer.Option(True, "--watch/--no-watch", "-w", help="Follow the rollout until it completes or fails."),
    timeout: float = typer.Option(0, "--timeout", help="With --watch: give up after this many seconds (0: no limit)."),
) -> list[str]:
    """Show where the rollout is; with --watch (default) follow it to the end.

    Exits 1 when the rollout exceeded its progress deadline or the timeout ran out.
    """
    kind, obj_name = split_target(resource, name)
    store, ns = ctx.obj.store, ctx.obj.namespace
    if not watch or ctx.meta.get(_SINK) is not None:
        return [rollout.status(store, kind, obj_name, revision, ns)[0]]
    clock = ctx.obj.clock
    deadline = clock.monotonic() + timeout if timeout > 0 else None
    last = ""
    bars = rollout_progress.LiveStatus(store, kind, obj_name, ns) if rollout_progress.on_terminal() else None
    try:
        while True:  # bounded by the rollout's own end, its progress deadline, or --timeout
            message, done = rollout.status(store, kind, obj_name, revision, ns)
            if bars is not None:
                bars.update(message)
            elif message != last:
                typer.echo(message)
                last = message
            if done:
                return []
            if deadline is not None and clock.monotonic() >= deadline:
                raise GracerollError(f"timed out waiting for the rollout of {kind}/{obj_name} after {timeout:g}s")
            clock.block(0.5)
    finally:
        if bars is not None:
            bars.close()
