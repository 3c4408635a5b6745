"""``set env``: set or remove environment variables in an object's pod template, as kubectl does.

``KEY=VALUE`` sets a variable (replacing a ``valueFrom``), ``KEY-`` removes it; ``containers`` is a
glob over container names, init containers included (kubectl's ``--containers``, default ``*``).
All or nothing: nothing is written unless a container matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from graceroll.api.meta import clone
from graceroll.errors import UsageError
from graceroll.store.base import Store
from graceroll.verbs.record import record
from graceroll.verbs.set_image import pod_containers
from graceroll.verbs.target import Target


def parse_env_args(args: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """``KEY=VALUE`` pairs to set and ``KEY-`` names to remove, refused as kubectl words it."""
    sets: dict[str, str] = {}
    removes: list[str] = []
    for arg in args:
        key, eq, value = arg.partition("=")
        if eq and key:
            sets[key] = value
        elif not eq and arg.endswith("-") and len(arg) > 1:
            removes.append(arg[:-1])
        else:
            raise UsageError(f'environment variables must be of the form key=value or key-: "{arg}"')
    if not sets and not removes:
        raise UsageError("at least one environment variable must be provided")
    if overlap := sorted(set(sets) & set(removes)):
        raise UsageError(f"{overlap[0]} is both set and removed")
    return sets, removes


def set_env(
    store: Store,
    kind: str,
    name: str,
    sets: dict[str, str],
    removes: Sequence[str] = (),
    namespace: str = "default",
    *,
    containers: str = "*",
    change_cause: str | None = None,
) -> str:
    """``deployment.apps/web env updated``; ``""`` when nothing changes (kubectl prints nothing then)."""
    target = Target.of(kind, name, namespace)
    current = target.get(store)
    new = clone(current)
    matched = [c for c in pod_containers(new, target, "set env") if fnmatchcase(str(c.get("name", "")), containers)]
    if not matched:
        raise UsageError(f'unable to find container named "{containers}"')
    for c in matched:
        env = [e for e in c.get("env") or [] if e.get("name") not in removes]
        for key, value in sets.items():
            at = next((i for i, e in enumerate(env) if e.get("name") == key), None)
            if at is None:
                env.append({"name": key, "value": value})
            else:
                env[at] = {"name": key, "value": value}
        if env != (c.get("env") or []):
            if env:
                c["env"] = env
            else:
                c.pop("env", None)
    if new == current:
        return ""
    target.write(store, current, record(new, change_cause))
    return f"{target.display} env updated"
