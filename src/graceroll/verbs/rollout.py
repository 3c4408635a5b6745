"""``rollout pause|resume|restart|undo|history|status``, as kubectl does them (client side).

Messages and errors are kubectl's (``kubernetes/kubectl:pkg/cmd/rollout``, ``pkg/polymorphichelpers``
objectpauser, objectresumer, objectrestarter, rollback, history, rollout_status). What differs
between kinds goes through ``rollout_kinds.RolloutKind``.
"""

from __future__ import annotations

import math

from graceroll.api.meta import Obj, clone
from graceroll.clock import Clock, format_time
from graceroll.controllers.deployment.util import RESTARTED_AT_ANNOTATION
from graceroll.errors import UsageError
from graceroll.store.base import Store
from graceroll.verbs import rollout_kinds
from graceroll.verbs.rollout_kinds import RolloutKind
from graceroll.verbs.target import Target
from graceroll.verbs.template_text import describe_pod_template


def _resolve(kind: str, name: str, namespace: str, what: str) -> tuple[Target, RolloutKind]:
    target = Target.of(kind, name, namespace)
    impl = rollout_kinds.find(target.kind.kind)
    if impl is None:
        raise UsageError(f'no {what} has been implemented for "{target.kind.kind}"')
    return target, impl


def pause(store: Store, kind: str, name: str, namespace: str = "default") -> str:
    """Freeze the rollout (``spec.paused``): ``deployment.apps/web paused``."""
    target, impl = _resolve(kind, name, namespace, "pauser")
    current = target.get(store)
    if impl.is_paused(current):
        raise UsageError(f'{target.resource} "{name}" is already paused')
    new = clone(current)
    impl.set_paused(new, True)
    target.write(store, current, new)
    return f"{target.display} paused"


def resume(store: Store, kind: str, name: str, namespace: str = "default") -> str:
    """Let a paused rollout go on: ``deployment.apps/web resumed``."""
    target, impl = _resolve(kind, name, namespace, "resumer")
    current = target.get(store)
    if not impl.is_paused(current):
        raise UsageError(f'{target.resource} "{name}" is not paused')
    new = clone(current)
    impl.set_paused(new, False)
    target.write(store, current, new)
    return f"{target.display} resumed"


def restart(store: Store, kind: str, name: str, namespace: str = "default", *, clock: Clock) -> str:
    """Replace every pod by a rollout: stamp ``kubectl.kubernetes.io/restartedAt`` (RFC 3339, whole
    seconds, from ``clock``) on the pod template. A second restart within the same second changes
    nothing and is refused, as kubectl refuses it.
    """
    target, impl = _resolve(kind, name, namespace, "restarter")
    current = target.get(store)
    if impl.is_paused(current):
        raise UsageError(f'{target.resource} "{name}" can\'t restart paused {target.kind.kind.lower()} (run rollout resume first)')
    new = clone(current)
    template = impl.pod_template(new)
    annotations = template.setdefault("metadata", {}).setdefault("annotations", {})
    annotations[RESTARTED_AT_ANNOTATION] = format_time(math.floor(clock.now()))
    if new == current:
        raise UsageError(
            f"failed to create patch for {name}: if restart has already been triggered within the past second, "
            "please wait before attempting to trigger another"
        )
    target.write(store, current, new)
    return f"{target.display} restarted"


def undo(store: Store, kind: str, name: str, to_revision: int = 0, namespace: str = "default") -> str:
    """Go back to ``to_revision`` (0: the one before the current) by copying its template back.

    The controller then treats it as a new rollout to an existing ReplicaSet, whose revision
    becomes the highest (reference/k8s-deployment.md §12.3). Like kubectl, the "skipped" message
    names ``to_revision`` as given, so ``revision 0`` when none was.
    """
    if to_revision < 0:
        raise UsageError(f"unable to find specified revision {to_revision} in history")
    target, impl = _resolve(kind, name, namespace, "rollbacker")
    current = target.get(store)
    revision = impl.find_revision(store, current, to_revision)
    if impl.is_paused(current):
        k = target.kind.kind.lower()
        raise UsageError(
            f"you cannot rollback a paused {k}; resume it first with 'kubectl rollout resume {k}/{name}' and try again"
        )
    if impl.matches(current, revision):
        return f"{target.display} skipped rollback (current template already matches revision {to_revision})"
    target.write(store, current, impl.rolled_back(current, revision))
    return f"{target.display} rolled back"


def history(store: Store, kind: str, name: str, revision: int | None = None, namespace: str = "default") -> str:
    """The ``REVISION  CHANGE-CAUSE`` table, or with ``revision`` that revision's pod template.

    The text is what kubectl prints minus its final newline: ``deployment.apps/web `` (with the
    trailing space), a newline, then the table (which ends in a newline).
    """
    if revision is not None and revision < 0:
        raise UsageError(f"revision must be a positive integer: {revision}")
    target, impl = _resolve(kind, name, namespace, "history viewer")
    revisions = impl.history(store, target.get(store))
    header = f"{target.display} "
    if not revisions:
        return header + "\nNo rollout history found."
    if revision:
        found = revisions.get(revision)
        if found is None:
            raise UsageError("unable to find the specified revision")
        return f"{target.display} with revision #{revision}\n" + describe_pod_template(found.template)
    rows = [("REVISION", "CHANGE-CAUSE")] + [(str(n), revisions[n].change_cause or "<none>") for n in sorted(revisions)]
    return header + "\n" + tabulate(rows)


def tabulate(rows: list[tuple[str, str]]) -> str:
    """Go's tabwriter with kubectl's settings (minwidth 0, padding 2, pad ' '): the first column is
    as wide as its widest cell plus two; the last column is not padded.
    """
    width = max(len(r[0]) for r in rows) + 2
    return "".join(f"{first.ljust(width)}{second}\n" for first, second in rows)


def status_message(obj: Obj, revision: int = 0) -> tuple[str, bool]:
    """``rollout status`` for one read of ``obj``: (message, done); the message has no final newline.

    Raises ``RolloutFailed`` once the progress deadline was exceeded, and ``UsageError`` when
    ``revision`` is given and is not the running one.
    """
    if revision < 0:
        raise UsageError(f"revision must be a positive integer: {revision}")
    impl = rollout_kinds.find(str(obj.get("kind")))
    if impl is None:
        raise UsageError(f'no status viewer has been implemented for "{obj.get("kind")}"')
    return impl.status(obj, revision)


def status(store: Store, kind: str, name: str, revision: int = 0, namespace: str = "default") -> tuple[str, bool]:
    """``status_message`` of the stored object."""
    target, _ = _resolve(kind, name, namespace, "status viewer")
    return status_message(target.get(store), revision)


def cancel(store: Store, kind: str, name: str, namespace: str = "default") -> str:
    """Abandon the update in progress and go back to the version before it (BCS Mesos deployments;
    a GameStatefulSet or CloneSet goes back to its stable revision, skipping the canary steps)."""
    target, impl = _resolve(kind, name, namespace, "canceller")
    if isinstance(impl, rollout_kinds.CloneSetRollout):
        current = target.get(store)
        stable = impl.stable_revision(store, current)
        if impl.matches(current, stable):
            return f"{target.display} skipped cancel (already at the stable revision)"
        target.write(store, current, impl.rolled_back(current, stable))
        return f"{target.display} rolled back to the stable revision"
    if not isinstance(impl, rollout_kinds.MesosDeploymentRollout):
        raise UsageError(f'no canceller has been implemented for "{target.kind.kind}": use "rollout undo"')
    current = target.get(store)
    phase = (current.get("status") or {}).get("phase")
    if phase not in ("Update", "UpdatePaused", "UpdateSuspend"):
        raise UsageError(f'{target.resource} "{name}" is {phase}: there is no update to cancel')
    new = clone(current)
    rollout_kinds.request_control(new, "cancel")
    target.write(store, current, new)
    return f"{target.display} update cancelled"
