"""``scale``: set ``spec.replicas`` of an object that has the scale subresource (``spec.instance`` of a
BCS Mesos deployment)."""

from __future__ import annotations

from graceroll.api.meta import clone
from graceroll.errors import UsageError
from graceroll.store.base import Store
from graceroll.verbs.record import record
from graceroll.verbs.target import Target

REPLICAS_REQUIRED = "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0"


def scale(
    store: Store,
    kind: str,
    name: str,
    replicas: int,
    namespace: str = "default",
    *,
    change_cause: str | None = None,
) -> str:
    """``deployment.apps/web scaled`` (also when the count was already right, as kubectl says it)."""
    if replicas < 0:
        raise UsageError(REPLICAS_REQUIRED)
    target = Target.of(kind, name, namespace)
    field = target.kind.replicas_field
    if not field:
        raise UsageError(f'{target.resource} "{name}" cannot be scaled: {target.kind.plural} have no spec.replicas')
    current = target.get(store)
    new = clone(current)
    new.setdefault("spec", {})[field] = replicas
    if new != current:
        target.write(store, current, record(new, change_cause))
    return f"{target.display} scaled"
