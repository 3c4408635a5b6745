"""The API access each controller needs on a real cluster, and the ClusterRole rules it adds up to.

Read from what the controllers do through the store (``controllers/cloneset``, ``gamestatefulset``,
``hookrun``, and the shared ``inplace``, ``history``, ``bcshook`` and ``events`` pieces) and from
how the cluster store (``store/kube.py``) turns that into requests: every kind the operator
watches for a controller (``operator/run.py`` ``WATCHES``) is listed and watched by an informer;
other reads are GETs; ``update`` is a PUT and ``update_status`` a PUT to ``<plural>/status``
(nothing is PATCHed); Events are only created, also for custom resources that fail graceroll's
validation (the Warning that stands in for an admission webhook's rejection).

Two needs come from the API server rather than from the controllers' own calls:

* ``<owner plural>/finalizers`` update: every pod, ControllerRevision and HookRun a workload
  creates carries an ownerReference with ``blockOwnerDeletion: true``, which clusters running the
  ``OwnerReferencesPermissionEnforcement`` admission plugin allow only to whoever may update the
  owner's finalizers.
* The HookRun controller's ``kubernetes`` provider gets and updates the object a template names
  (args ``Kind``, ``PodName``, ``PodNamespace``). graceroll resolves that kind in its own registry
  and defaults it to Pod, which is what BCS's hooks annotate; the role grants pods only. A template
  that names another kind needs a rule added by hand (docs/operator.md).

The scale subresource is not granted: no controller scales a workload; it exists for users and
autoscalers, who bring their own permissions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graceroll.api.apps_v1 import CONTROLLER_REVISION
from graceroll.api.core_v1 import EVENT, POD
from graceroll.api.core_v1_claims import PERSISTENT_VOLUME_CLAIM
from graceroll.api.kinds import Kind
from graceroll.api.kruise_v1alpha1 import CLONESET
from graceroll.api.tkex_hooks import HOOK_RUN, HOOK_TEMPLATE
from graceroll.api.tkex_v1alpha1 import GAME_STATEFUL_SET

Obj = dict[str, Any]
READ = ("get", "list", "watch")
MANAGE = READ + ("create", "update", "delete")


@dataclass(frozen=True)
class Need:
    """Verbs on one kind's resource, or on one of its subresources."""

    kind: Kind
    verbs: tuple[str, ...]
    subresource: str = ""

    @property
    def resource(self) -> str:
        return f"{self.kind.plural}/{self.subresource}" if self.subresource else self.kind.plural


def _workload(kind: Kind) -> tuple[Need, ...]:
    """A workload controller: its own kind (it writes spec fields it owns), status, owned pods."""
    return (
        Need(kind, READ + ("update",)),
        Need(kind, ("update",), "status"),
        Need(kind, ("update",), "finalizers"),
        Need(POD, MANAGE),
        Need(POD, ("update",), "status"),  # the InPlaceUpdateReady readiness gate
        Need(CONTROLLER_REVISION, MANAGE),
        Need(EVENT, ("create",)),
    )


NEEDS: dict[str, tuple[Need, ...]] = {
    # spec.scaleStrategy.podsToDelete is pruned of pods that are gone; claims are watched for it;
    # canary hook steps (graceroll's extension) run HookRuns as the GameStatefulSet's do
    "cloneset": _workload(CLONESET) + (Need(PERSISTENT_VOLUME_CLAIM, READ), Need(HOOK_TEMPLATE, READ), Need(HOOK_RUN, MANAGE)),
    # spec.updateStrategy.paused mirrors canary pauses; retry flags are reset
    "gamestatefulset": _workload(GAME_STATEFUL_SET)
    + (
        Need(PERSISTENT_VOLUME_CLAIM, READ + ("create",)),  # volumeClaimTemplates; claims outlive the set
        Need(HOOK_TEMPLATE, READ),
        Need(HOOK_RUN, MANAGE),  # created from templates, terminated, deleted when stale or retried
    ),
    "hookrun": (
        Need(HOOK_RUN, READ),
        Need(HOOK_RUN, ("update",), "status"),
        Need(POD, ("get", "update")),  # the kubernetes provider (a GET when pods are not watched)
        Need(EVENT, ("create",)),  # invalid HookRuns are reported with a Warning event
    ),
}


def allowed(controllers: Iterable[str]) -> dict[tuple[str, str], set[str]]:
    """(API group, resource) → verbs, over the chosen controllers."""
    out: dict[tuple[str, str], set[str]] = {}
    for c in controllers:
        for need in NEEDS[c]:
            out.setdefault((need.kind.group, need.resource), set()).update(need.verbs)
    return out


def rules(controllers: Iterable[str]) -> list[Obj]:
    """PolicyRules: one per API group and verb set, everything sorted (stable output)."""
    grouped: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (group, resource), verbs in sorted(allowed(controllers).items()):
        grouped.setdefault((group, tuple(sorted(verbs))), []).append(resource)
    out = [{"apiGroups": [group], "resources": resources, "verbs": list(verbs)} for (group, verbs), resources in grouped.items()]
    return sorted(out, key=lambda r: (r["apiGroups"], r["resources"]))
