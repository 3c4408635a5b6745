"""Reading commands: ``get``, ``describe``, ``logs``, ``events``, and ``delete``."""

from __future__ import annotations

import sys
from typing import Any

import typer

import graceroll.printers.builtin
import graceroll.printers.describe_builtin  # noqa: F401
from graceroll.api import kinds, selectors
from graceroll.cli.context import CliContext
from graceroll.cli.output import check_format, dump
from graceroll.cli.waiting import (
    Deadline,
    Target,
    WaitFor,
    await_state,
    parse_bool,
    parse_duration,
    predicate,
)
from graceroll.errors import NotFound, UsageError
from graceroll.printers.describe import describe as describe_text
from graceroll.printers.tables import render
from graceroll.store.deletion import PROPAGATIONS

Obj = dict[str, Any]
ALL = ("Pod", "Service", "Deployment", "ReplicaSet")  # kubectl's order for the "all" category


def split_refs(resource: str, names: list[str]) -> list[tuple[kinds.Kind, str | None]]:
    """``deploy web``, ``deploy/web``, ``deploy,rs``, ``all`` → (kind, name or None) pairs."""
    if "/" in resource:
        refs = [resource, *names]
        out: list[tuple[kinds.Kind, str | None]] = []
        for r in refs:
            k, sep, n = r.partition("/")
            if not sep or not n:
                raise UsageError(f'there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (got "{r}")')
            out.append((kinds.resolve(k), n))
        return out
    types = [kinds.by_kind(k) for k in ALL] if resource == "all" else [kinds.resolve(t) for t in resource.split(",")]
    if names:
        return [(t, n) for t in types for n in names]
    return [(t, None) for t in types]


def get(
    ctx: typer.Context,
    resource: str = typer.Argument(..., help="KIND, KIND/NAME, a comma list of kinds, or all."),
    names: list[str] = typer.Argument(None, help="Object names."),
    output: str = typer.Option("table", "-o", "--output", help="table, wide, json, yaml or name."),
    selector: str | None = typer.Option(None, "-l", "--selector", help="Label selector (a=b,c!=d,e in (f,g))."),
    watch: bool = typer.Option(False, "-w", "--watch", help="After listing, print changes as they happen."),
    all_namespaces: bool = typer.Option(False, "-A", "--all-namespaces", help="Every namespace."),
) -> None:
    """Show objects as a table (the usual kubectl columns) or as JSON/YAML."""
    c: CliContext = ctx.obj
    fmt = check_format(output)
    sel = selectors.parse(selector) if selector else None
    ns = None if all_namespaces else c.namespace
    refs = split_refs(resource, names or [])
    objs: list[Obj] = []
    for kind, name in refs:
        if name is not None:
            objs.append(c.store.get(kind.kind, c.namespace, name))
        else:
            objs.extend(c.store.list(kind.kind, ns, sel))
    single = all(n is not None for _, n in refs) and len(refs) == 1
    if fmt in ("table", "wide"):
        now = c.clock.now()
        kinds_seen: list[str] = []
        for o in objs:
            if o["kind"] not in kinds_seen:
                kinds_seen.append(o["kind"])
        blocks = [
            render(
                [o for o in objs if o["kind"] == k],
                now,
                wide=fmt == "wide",
                with_kind=len({kind.kind for kind, _ in refs}) > 1,
                with_namespace=all_namespaces and kinds.by_kind(k).namespaced,
            )
            for k in kinds_seen
        ]
        if blocks:
            typer.echo("\n\n".join(blocks))
        elif not watch:
            typer.echo(f"No resources found in {ns or 'any'} namespace.", err=True)
    else:
        typer.echo(dump(objs, fmt, single))
    if watch:
        if len(refs) != 1:
            raise UsageError("watch is only supported on individual resources and resource collections")
        kind, name = refs[0]
        for ev in c.store.watch(kind.kind, ns, name, resource_version=str(max((int(o["metadata"].get("resourceVersion", 0)) for o in objs), default=0))):
            if sel is not None and not sel.matches(ev.object["metadata"].get("labels") or {}):
                continue
            if fmt in ("table", "wide"):
                row = render([ev.object], c.clock.now(), wide=fmt == "wide", with_namespace=all_namespaces and kind.namespaced)
                typer.echo(row.splitlines()[1])
            else:
                typer.echo(dump([ev.object], fmt, True))


def describe(
    ctx: typer.Context,
    resource: str = typer.Argument(..., help="KIND, KIND/NAME or a comma list of kinds."),
    names: list[str] = typer.Argument(None, help="Object names (default: every object of the kind)."),
) -> None:
    """Show an object in detail, with its recent events."""
    c: CliContext = ctx.obj
    refs = split_refs(resource, names or [])
    objs: list[Obj] = []
    for kind, name in refs:
        objs.extend([c.store.get(kind.kind, c.namespace, name)] if name else c.store.list(kind.kind, c.namespace))
    if not objs:
        raise NotFound(refs[0][0].plural, "")
    events = c.store.list("Event", c.namespace)
    texts = []
    for o in objs:
        uid = o["metadata"].get("uid")
        mine = [e for e in events if (e.get("involvedObject") or {}).get("uid") == uid]
        texts.append(describe_text(o, mine, c.clock.now()))
    typer.echo("\n\n\n".join(texts))


def events(ctx: typer.Context, for_: str | None = typer.Option(None, "--for", help="Only events of KIND/NAME.")) -> None:
    """List events, oldest first."""
    c: CliContext = ctx.obj
    evs = c.store.list("Event", c.namespace)
    if for_:
        kind, _, name = for_.partition("/")
        k = kinds.resolve(kind)
        evs = [e for e in evs if e["involvedObject"]["kind"] == k.kind and e["involvedObject"]["name"] == name]
    evs.sort(key=lambda e: (e.get("lastTimestamp") or "", int(e["metadata"].get("resourceVersion") or 0)))
    if not evs:
        typer.echo(f"No events found in {c.namespace} namespace.", err=True)
        return
    typer.echo(render(evs, c.clock.now()))


def logs(
    ctx: typer.Context,
    pod: str = typer.Argument(..., help="POD or pod/POD."),
    container: str | None = typer.Option(None, "-c", "--container", help="The container (default: the pod's only or first one)."),
    follow: bool = typer.Option(False, "-f", "--follow", help="Keep printing new lines until the container's run ends."),
    tail: int | None = typer.Option(None, "--tail", help="Only the last N lines (-1: all)."),
    previous: bool = typer.Option(False, "-p", "--previous", help="The previous run of the container (before its last restart)."),
    since: str | None = typer.Option(None, "--since", help="Only lines newer than this duration (5s, 2m, 1h)."),
    since_time: str | None = typer.Option(None, "--since-time", help="Only lines at or after this RFC 3339 time."),
    timestamps: bool = typer.Option(False, "--timestamps", help="Put each line's time (RFC 3339) in front of it."),
    limit_bytes: int | None = typer.Option(None, "--limit-bytes", help="Print at most this many bytes."),
) -> None:
    """Print a container's log (the options of kubectl logs)."""
    c: CliContext = ctx.obj
    name = pod.split("/", 1)[1] if pod.startswith(("pod/", "pods/", "po/")) else pod
    options: dict[str, str] = {}
    if previous:
        options["previous"] = "true"
    if since is not None and since_time is not None:
        raise UsageError("at most one of --since-time and --since may be given")
    if since is not None:
        seconds = parse_duration(since, "--since")
        if seconds <= 0:
            raise UsageError(f'--since must be a positive duration (got "{since}")')
        options["sinceSeconds"] = str(max(1, int(seconds)))
    if since_time is not None:
        options["sinceTime"] = since_time
    if timestamps:
        options["timestamps"] = "true"
    if limit_bytes is not None:
        options["limitBytes"] = str(limit_bytes)
    for chunk in c.store.logs(c.namespace, name, container, None if tail is None or tail < 0 else tail, follow, options):
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()


def delete(
    ctx: typer.Context,
    resource: str | None = typer.Argument(None, help="KIND or KIND/NAME."),
    names: list[str] = typer.Argument(None, help="Object names."),
    filename: list[str] = typer.Option([], "-f", "--filename", help="Delete the objects in these manifests."),
    grace_period: int | None = typer.Option(None, "--grace-period", help="Seconds for pods to stop (default: their own)."),
    cascade: str = typer.Option("background", "--cascade", help="background, foreground (the owner goes after what it owns) or orphan (keep dependents)."),
    wait: str = typer.Option("true", "--wait", metavar="BOOL", help="Return only once the objects are gone (--wait=false: once deletion is requested)."),
    timeout: str = typer.Option("0s", "--timeout", help="With --wait: give up after this long (30s, 2m, 1h, or seconds; 0: no limit)."),
) -> None:
    """Delete objects (and, unless --cascade=orphan, what they own); wait until they are gone.

    Pods stop gracefully, so deleting one takes up to its grace period; --wait=false returns while
    they are still terminating.
    """
    c: CliContext = ctx.obj
    propagation = next((p for p in PROPAGATIONS if p.lower() == cascade), None)
    if propagation is None:
        raise UsageError(f'--cascade must be background, foreground or orphan (got "{cascade}")')
    waiting = parse_bool(wait, "--wait")
    limit = parse_duration(timeout)
    targets: list[tuple[kinds.Kind, str]] = []
    if filename:
        from graceroll.api.loader import load_path

        for f in filename:
            for o in load_path(str(c.cwd / f) if f != "-" else f):
                targets.append((kinds.by_kind(o["kind"]), o["metadata"]["name"]))
    elif resource:
        refs = split_refs(resource, names or [])
        for k, n in refs:
            if n is None:
                raise UsageError("resource(s) were provided, but no name was specified")
            targets.append((k, n))
    else:
        raise UsageError("you must provide one or more resources by argument or filename")
    terminating: list[Target] = []
    for k, n in targets:
        left = c.store.delete(k.kind, c.namespace, n, grace_period, propagation)
        typer.echo(f'{k.qualified} "{n}" deleted')
        if left is not None:  # marked for deletion (grace period, finalizers), not yet gone
            terminating.append(Target(k, c.namespace, n, left))
    if not waiting:
        return
    deadline = Deadline.after(c.clock, limit if limit > 0 else None)
    for t in terminating:
        # A new object under the same name (a StatefulSet-style pod) means this one is gone.
        await_state(c.store, c.clock, t, predicate(WaitFor("delete"), t.obj["metadata"].get("uid") if t.obj else None), deadline)
