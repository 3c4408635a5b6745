"""``graceroll wait``: block until objects meet a condition, or are gone (``kubectl wait``)."""

from __future__ import annotations

from typing import Any

import typer

from graceroll.api import kinds, selectors
from graceroll.cli.context import CliContext
from graceroll.cli.read_cmds import split_refs
from graceroll.cli.waiting import (
    FOR_FORMS,
    Deadline,
    Target,
    WaitFailed,
    WaitFor,
    await_state,
    parse_duration,
    parse_for,
    predicate,
)
from graceroll.errors import GracerollError, NotFound, UsageError


def wait(
    ctx: typer.Context,
    resource: str | None = typer.Argument(None, metavar="KIND[/NAME]", help="KIND/NAME, KIND followed by names, or KIND with -l or --all."),
    names: list[str] = typer.Argument(None, metavar="NAME", help="More names, or more KIND/NAME objects."),
    for_: str = typer.Option(..., "--for", help=f"What to wait for: {FOR_FORMS}."),
    timeout: str = typer.Option("30s", "--timeout", help="How long to wait (30s, 2m, 1h, or seconds); 0 checks once, negative waits without limit."),
    selector: str | None = typer.Option(None, "-l", "--selector", help="Every object of KIND matching this label selector."),
    all_: bool = typer.Option(False, "--all", help="Every object of KIND in the namespace."),
    all_namespaces: bool = typer.Option(False, "-A", "--all-namespaces", help="With -l or --all: in every namespace."),
) -> None:
    """Wait until objects meet a condition, or are deleted; print each one as it does.

    --for=condition=Ready (status.conditions), --for=condition=Ready=false, --for=delete,
    --for=jsonpath='{.status.readyReplicas}'=3, or --for=jsonpath='{.status.phase}' (the field is
    set). Exits 1 with "timed out waiting for the condition on KIND/NAME" once --timeout has run out.
    """
    c: CliContext = ctx.obj
    cond = parse_for(for_)
    deadline = Deadline.after(c.clock, parse_duration(timeout))
    targets = find_targets(c.store, c.namespace, cond, resource, names or [], selector, all_, all_namespaces)
    failures: list[str] = []
    for target in targets:
        if target.obj is None:  # named, and not there: gone already, or an error
            if cond.mode != "delete":
                failures.append(target.missing)
            continue
        try:
            await_state(c.store, c.clock, target, predicate(cond), deadline)
        except WaitFailed as e:
            failures.append(str(e))
            continue
        typer.echo(f"{target.printed} condition met")
    if failures:
        raise GracerollError("\n".join(failures))


def find_targets(
    store: Any,
    namespace: str,
    cond: WaitFor,
    resource: str | None,
    names: list[str],
    selector: str | None,
    all_: bool,
    all_namespaces: bool,
) -> list[Target]:
    """The objects named or selected, in order, each as found now (a named one that is missing
    has no object, and the lookup's message)."""
    if resource is None:
        raise UsageError("you must provide one or more resources by argument")
    refs = split_refs(resource, names)
    named = [(k, n) for k, n in refs if n is not None]
    if selector is not None or all_:
        if named:
            raise UsageError("name cannot be provided when a selector or --all is specified")
        sel = selectors.parse(selector) if selector else None
        ns = None if all_namespaces else namespace
        found = [o for k, _ in refs for o in store.list(k.kind, ns, sel)]
        if not found and cond.mode != "delete":
            raise GracerollError("no matching resources found")
        return [_listed(o) for o in found]
    if len(named) < len(refs):
        raise UsageError(f'resource(s) were provided, but no name was specified (use "{resource}/NAME", "{resource} NAME", -l or --all)')
    return [_named(store, k, namespace, n) for k, n in named]


def _listed(obj: dict[str, Any]) -> Target:
    md = obj["metadata"]
    return Target(kinds.by_kind(obj["kind"]), md.get("namespace") or "", md["name"], obj)


def _named(store: Any, kind: kinds.Kind, namespace: str, name: str) -> Target:
    try:
        return Target(kind, namespace, name, store.get(kind.kind, namespace, name))
    except NotFound as e:
        return Target(kind, namespace, name, None, missing=str(e))
