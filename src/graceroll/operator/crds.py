"""CustomResourceDefinitions for the custom kinds the operator's controllers read and write.

Everything that names a kind (group, version, plural, short names, scope, the status and scale
subresources) comes from the kind registry, so a CRD cannot drift from what graceroll itself
serves. The schemas keep ``spec`` and ``status`` open (``x-kubernetes-preserve-unknown-fields``):
graceroll defaults and validates objects itself when it reads them, so the API server need not.
One part is spelled out: ``spec.updateStrategy.canary.steps`` of the CloneSet (graceroll's
extension, which a cluster would otherwise take on trust) and of the GameStatefulSet, from
``api/canary_steps.steps_schema``, so the API server refuses a malformed step as graceroll does
and fills a CloneSet hook step's ``onFailure``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graceroll.api.canary_steps import steps_schema
from graceroll.api.kinds import Kind
from graceroll.api.kruise_v1alpha1 import CLONESET
from graceroll.api.tkex_hooks import HOOK_RUN, HOOK_TEMPLATE
from graceroll.api.tkex_v1alpha1 import GAME_STATEFUL_SET

Obj = dict[str, Any]
API_VERSION = "apiextensions.k8s.io/v1"
STATUS_REPLICAS_PATH = ".status.replicas"
LABEL_SELECTOR_PATH = ".status.labelSelector"  # both scalable kinds write status.labelSelector

# The custom kinds each controller needs served: the GameStatefulSet and CloneSet controllers
# create HookRuns from HookTemplates; the HookRun controller runs them (users apply the templates).
KINDS_BY_CONTROLLER: dict[str, tuple[Kind, ...]] = {
    "cloneset": (CLONESET, HOOK_TEMPLATE, HOOK_RUN),  # canary hook steps (graceroll's extension)
    "gamestatefulset": (GAME_STATEFUL_SET, HOOK_TEMPLATE, HOOK_RUN),
    "hookrun": (HOOK_TEMPLATE, HOOK_RUN),
}


@dataclass(frozen=True)
class Column:
    """One ``additionalPrinterColumns`` entry; priority 1 shows only with ``-o wide``."""

    name: str
    json_path: str
    type: str
    priority: int = 0

    def to_json(self) -> Obj:
        out: Obj = {"name": self.name, "jsonPath": self.json_path, "type": self.type}
        if self.priority:
            out["priority"] = self.priority
        return out


_AGE = Column("AGE", ".metadata.creationTimestamp", "date")
_WIDE = (
    Column("CONTAINERS", ".spec.template.spec.containers[*].name", "string", 1),
    Column("IMAGES", ".spec.template.spec.containers[*].image", "string", 1),
    Column("SELECTOR", LABEL_SELECTOR_PATH, "string", 1),
)

# The columns of graceroll's own tables (printers/kruise.py, printers/bcs.py) without NAME, which
# kubectl always prints first; the tests hold the two to the same headers and values.
COLUMNS: dict[str, tuple[Column, ...]] = {
    CLONESET.kind: (
        Column("DESIRED", ".spec.replicas", "integer"),
        Column("UPDATED", ".status.updatedReplicas", "integer"),
        Column("UPDATED_READY", ".status.updatedReadyReplicas", "integer"),
        Column("READY", ".status.readyReplicas", "integer"),
        Column("TOTAL", ".status.replicas", "integer"),
        _AGE,
        *_WIDE,
    ),
    GAME_STATEFUL_SET.kind: (
        Column("REPLICAS", ".status.replicas", "integer"),
        Column("READYREPLICAS", ".status.readyReplicas", "integer"),
        Column("CURRENTREPLICAS", ".status.currentReplicas", "integer"),
        Column("UPDATEDREPLICAS", ".status.updatedReplicas", "integer"),
        Column("UPDATEDREADY_REPLICAS", ".status.updatedReadyReplicas", "integer"),
        _AGE,
        *_WIDE,
    ),
    HOOK_RUN.kind: (Column("PHASE", ".status.phase", "string"), _AGE),
}


CANARY_KINDS = (CLONESET, GAME_STATEFUL_SET)  # kinds with spec.updateStrategy.canary.steps


def kinds_for(controllers: tuple[str, ...]) -> list[Kind]:
    """The custom kinds the chosen controllers need, each once, in the order first needed."""
    out: list[Kind] = []
    for c in controllers:
        out += [k for k in KINDS_BY_CONTROLLER[c] if k not in out]
    return out


def schema(kind: Kind) -> Obj:
    """A structural schema that leaves the body to graceroll's own defaulting and validation."""
    open_object: Obj = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    properties: Obj = {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": dict(open_object),
    }
    if kind in CANARY_KINDS:
        canary = {"type": "object", "properties": {"steps": steps_schema(on_failure_default=kind is CLONESET)}}
        strategy = dict(open_object, properties={"canary": canary})
        properties["spec"] = dict(open_object, properties={"updateStrategy": strategy})
    if kind.has_status:
        properties["status"] = dict(open_object)
    return {"type": "object", "properties": properties}


def subresources(kind: Kind) -> Obj:
    out: Obj = {}
    if kind.has_status:
        out["status"] = {}
    if kind.scalable:
        out["scale"] = {
            "specReplicasPath": f".spec.{kind.replicas_field}",
            "statusReplicasPath": STATUS_REPLICAS_PATH,
            "labelSelectorPath": LABEL_SELECTOR_PATH,
        }
    return out


def crd(kind: Kind, labels: dict[str, str]) -> Obj:
    names: Obj = {"kind": kind.kind, "listKind": f"{kind.kind}List", "plural": kind.plural, "singular": kind.kind.lower()}
    if kind.short_names:
        names["shortNames"] = list(kind.short_names)
    version: Obj = {"name": kind.version, "served": True, "storage": True, "schema": {"openAPIV3Schema": schema(kind)}}
    if sub := subresources(kind):
        version["subresources"] = sub
    if columns := COLUMNS.get(kind.kind):
        version["additionalPrinterColumns"] = [c.to_json() for c in columns]
    return {
        "apiVersion": API_VERSION,
        "kind": "CustomResourceDefinition",
        "metadata": {"name": kind.resource, "labels": dict(labels)},
        "spec": {
            "group": kind.group,
            "names": names,
            "scope": "Namespaced" if kind.namespaced else "Cluster",
            "versions": [version],
        },
    }
