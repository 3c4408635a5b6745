"""The dashboard's buttons: each runs the verb the CLI runs, so messages and refusals are the CLI's.

Which buttons a kind gets (``ACTIONS``) follows what its rollout verbs support; "promote" is the
kind's own way to let a held rollout go on: a GameStatefulSet's canary resume, a CloneSet's
canary resume when it has canary steps (graceroll's extension), else its partition to 0
(``kubectl patch`` as users do it). "cancel" goes back to the stable revision. A button that
does not apply now (resume while not paused) is still sent and refused by the verb with its usual
message.
"""

from __future__ import annotations

from collections.abc import Callable

from graceroll.controllers.canary import state as canary
from graceroll.errors import UsageError
from graceroll.store.base import Store
from graceroll.verbs import patch as patch_verb
from graceroll.verbs import rollout
from graceroll.verbs.target import Target

Verb = Callable[[Store, str, str, str], str]


def _promote_cloneset(store: Store, kind: str, name: str, namespace: str) -> str:
    if canary.steps_of(Target.of(kind, name, namespace).get(store)["spec"]):
        return rollout.resume(store, kind, name, namespace)
    return patch_verb.patch(store, kind, name, {"spec": {"updateStrategy": {"partition": 0}}}, "merge", namespace)


VERBS: dict[str, Verb] = {
    "pause": rollout.pause,
    "resume": rollout.resume,
    "undo": lambda store, kind, name, ns: rollout.undo(store, kind, name, 0, ns),
    "cancel": rollout.cancel,
}
ACTIONS: dict[str, dict[str, Verb]] = {
    "Deployment": {a: VERBS[a] for a in ("pause", "resume", "undo")},
    "CloneSet": {a: VERBS[a] for a in ("pause", "resume", "undo")} | {"promote": _promote_cloneset, "cancel": VERBS["cancel"]},
    "GameStatefulSet": {"promote": rollout.resume, "undo": VERBS["undo"], "cancel": VERBS["cancel"]},
    "MesosDeployment": {a: VERBS[a] for a in ("pause", "resume", "cancel")},
}


def actions_for(kind: str) -> list[str]:
    return list(ACTIONS.get(kind, {}))


def run(store: Store, action: str, kind: str, namespace: str, name: str) -> str:
    """Run ``action`` on the workload; the verb's message (``deployment.apps/web paused``)."""
    verb = ACTIONS.get(kind, {}).get(action)
    if verb is None:
        raise UsageError(f'action: Unsupported value: "{action}": {kind} supports {", ".join(actions_for(kind)) or "none"}')
    return verb(store, kind, name, namespace)
