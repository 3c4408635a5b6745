"""``tkex.tencent.com/v1alpha1`` GameStatefulSet: its shape, defaults and rules.

Shape and defaults: ``bcs-gamestatefulset-operator/pkg/apis/tkex/v1alpha1/types.go`` and
``defaults.go`` at bk-bcs 83deb16. The operator has no validating webhook
for the spec (only one for deletion protection); the rules here are those of the CRD schema (enums,
required fields) plus StatefulSet's own (``ValidateStatefulSetSpec``) where the same field exists,
so that a manifest the real cluster would store but the operator could never act on is refused.

The update type defaults to **OnDelete**, as the Go defaulting does on every sync; the README and
the kubebuilder marker say RollingUpdate, but the shipped CRD has no default (DOC≠CODE, docs/bcs.md).
Canary steps take BCS's three kinds plus graceroll's traffic steps (``api/canary_steps.py``); a
stored step is kept as written (no ``onFailure`` is filled in, so BCS manifests hash as before).
"""

from __future__ import annotations

from typing import Any

from graceroll.api import canary_steps, pod_template, selectors
from graceroll.api import field_checks as fc
from graceroll.api.canary_steps import Canary, HookStep
from graceroll.api.core_v1 import default_object_meta
from graceroll.api.intstr import IntOrStrError, scaled_value
from graceroll.api.kinds import Kind, register
from graceroll.api.kruise_v1alpha1 import ClaimTemplate
from graceroll.api.meta import Obj
from graceroll.api.structure import (
    IntOrString,
    LabelSelector,
    PodTemplateSpec,
    Strict,
    TypedObject,
    child_map,
    map_items,
    set_default,
    validator,
)
from graceroll.errors import FieldError

GROUP = "tkex.tencent.com"
KIND = "GameStatefulSet"

ORDERED_READY = "OrderedReady"
PARALLEL = "Parallel"
POD_MANAGEMENT_POLICIES = [ORDERED_READY, PARALLEL]

ROLLING_UPDATE = "RollingUpdate"
ON_DELETE = "OnDelete"
INPLACE_UPDATE = "InplaceUpdate"
HOT_PATCH_UPDATE = "HotPatchUpdate"
UPDATE_TYPES = [ROLLING_UPDATE, ON_DELETE, INPLACE_UPDATE, HOT_PATCH_UPDATE]

DEFAULT_MAX_UNAVAILABLE = "25%"
NODE_LOST_FORCE_DELETE = "pod.gamestatefulset.bkbcs.tencent.com/node-lost-force-delete"
DELETION_ALLOW_LABEL = "io.tencent.bcs.dev/deletion-allow"

# --- shape ---------------------------------------------------------------------------------------


class HookStrategy(Strict):
    hook: HookStep | None = None
    retry: bool | None = None


class RollingUpdate(Strict):
    """Partition and pace of a GameStatefulSet update."""
    partition: IntOrString | None = None
    """Ordinals at or above the partition are updated: partition 3 of 5 updates pods 3 and 4."""
    maxUnavailable: IntOrString | None = None
    """The most pods that may be unavailable during the update."""
    maxSurge: IntOrString | None = None
    """The most pods above replicas during the update."""


class InPlaceUpdateStrategy(Strict):
    """Parameters of an in-place update."""
    gracePeriodSeconds: int | None = None
    """Seconds between a pod turning NotReady (leaving its Services) and its containers restarting."""


class UpdateStrategy(Strict):
    """UpdateStrategy says how a GameStatefulSet moves its pods to a new revision."""
    type: str | None = None
    """RollingUpdate (default: delete and recreate pods, highest ordinal first), OnDelete (only pods you delete), InplaceUpdate (restart only changed containers) or HotPatchUpdate (tell the running process about the new image)."""
    rollingUpdate: RollingUpdate | None = None
    """Partition and pace of the update."""
    inPlaceUpdateStrategy: InPlaceUpdateStrategy | None = None
    """Parameters of in-place updates."""
    canary: Canary | None = None
    """Steps of an automated canary: partitions, pauses and hooks."""
    paused: bool | None = None
    """When true the update does not progress."""


class GameStatefulSetSpec(Strict):
    """GameStatefulSetSpec is the desired state of a GameStatefulSet."""
    replicas: int | None = None
    """Number of desired pods (ordinals 0 to replicas-1). Defaults to 1."""
    selector: LabelSelector | None = None
    """Label selector of the pods; must match the template's labels."""
    template: PodTemplateSpec | None = None
    """The pods to run; a change starts an update."""
    volumeClaimTemplates: list[ClaimTemplate] | None = None
    """Claims made for each ordinal; an ordinal created again finds its data."""
    serviceName: str | None = None
    """The headless Service that governs the pods' network identity."""
    podManagementPolicy: str | None = None
    """OrderedReady (default: one ordinal at a time, in order) or Parallel."""
    updateStrategy: UpdateStrategy | None = None
    """How pods are moved to a new revision."""
    preDeleteUpdateStrategy: HookStrategy | None = None
    """A hook (HookTemplate) that must pass before a pod is deleted."""
    preInplaceUpdateStrategy: HookStrategy | None = None
    """A hook that must pass before a pod is updated in place."""
    postInplaceUpdateStrategy: HookStrategy | None = None
    """A hook run after a pod was updated in place."""
    revisionHistoryLimit: int | None = None
    """How many old revisions to keep."""


class GameStatefulSetModel(TypedObject):
    """GameStatefulSet (BCS) runs pods with stable names <name>-<ordinal>, updated by ordinal, in place or hot-patched, gated by hooks and canary steps."""
    spec: GameStatefulSetSpec | None = None
    """The desired state of the GameStatefulSet."""


# --- defaults ------------------------------------------------------------------------------------


def default_game_stateful_set(obj: Obj) -> None:
    """``SetDefaults_GameStatefulSet``: OnDelete when no type is given; the rolling numbers always."""
    default_object_meta(obj)
    spec = child_map(obj, "spec")
    if spec is None:
        return
    set_default(spec, "replicas", 1)
    set_default(spec, "podManagementPolicy", ORDERED_READY)
    set_default(spec, "revisionHistoryLimit", 10)
    template = child_map(spec, "template")
    if template is not None:
        pod_template.default_template(template)
    strategy = child_map(spec, "updateStrategy")
    if strategy is None:
        return
    set_default(strategy, "type", ON_DELETE)
    if strategy["type"] != ON_DELETE:
        rolling = child_map(strategy, "rollingUpdate")
        if rolling is not None:
            set_default(rolling, "partition", 0)
            set_default(rolling, "maxUnavailable", DEFAULT_MAX_UNAVAILABLE)
            set_default(rolling, "maxSurge", 0)
    if strategy["type"] == INPLACE_UPDATE:
        grace = child_map(strategy, "inPlaceUpdateStrategy")
        if grace is not None:
            set_default(grace, "gracePeriodSeconds", 0)
    for claim in map_items(spec, "volumeClaimTemplates"):
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")


# --- rules ---------------------------------------------------------------------------------------


def _rules(obj: Obj) -> list[FieldError]:
    errs = fc.object_meta(obj.get("metadata"), fc.is_dns1123_subdomain)
    return errs + game_stateful_set_spec(obj.get("spec") or {}, "spec")


def game_stateful_set_spec(spec: Obj, path: str) -> list[FieldError]:
    replicas = spec.get("replicas")
    errs = fc.non_negative(f"{path}.replicas", replicas)
    errs += _selector_and_template(spec, path)
    service = spec.get("serviceName")
    if not service:
        errs.append(fc.required(f"{path}.serviceName"))
    else:
        errs += fc.name_errors(f"{path}.serviceName", service, fc.is_dns1123_label)
    policy = spec.get("podManagementPolicy")
    if policy not in POD_MANAGEMENT_POLICIES:
        errs.append(fc.not_supported(f"{path}.podManagementPolicy", policy or "", POD_MANAGEMENT_POLICIES))
    errs += _claims(spec.get("volumeClaimTemplates") or [], f"{path}.volumeClaimTemplates")
    total = replicas if isinstance(replicas, int) else 1
    errs += update_strategy(spec.get("updateStrategy") or {}, total, f"{path}.updateStrategy")
    for key in ("preDeleteUpdateStrategy", "preInplaceUpdateStrategy", "postInplaceUpdateStrategy"):
        hook_strategy = spec.get(key)
        if isinstance(hook_strategy, dict):
            if hook_strategy.get("hook") is None:
                errs.append(fc.required(f"{path}.{key}.hook"))
            else:
                errs += canary_steps.hook_step(hook_strategy["hook"], f"{path}.{key}.hook")
    errs += fc.non_negative(f"{path}.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
    return errs


def _selector_and_template(spec: Obj, path: str) -> list[FieldError]:
    sel = spec.get("selector")
    errs: list[FieldError] = []
    matcher = None
    if sel is None:
        errs.append(fc.required(f"{path}.selector"))
    else:
        sel_errs = fc.label_selector(f"{path}.selector", sel)
        errs += sel_errs
        if fc.selector_is_empty(sel):
            errs.append(fc.invalid(f"{path}.selector", sel, "empty selector is invalid for gamestatefulset"))
        elif not sel_errs and all(isinstance(e, dict) for e in sel.get("matchExpressions") or ()):
            matcher = sel
    if spec.get("template") is None:
        return errs + [fc.required(f"{path}.template")]
    return errs + pod_template.replicated_template(spec["template"], matcher, f"{path}.template", claim_names(spec))


def _claims(claims: list[Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, claim in enumerate(claims):
        if not isinstance(claim, dict):
            continue
        name = (claim.get("metadata") or {}).get("name") or ""
        if not name:
            errs.append(fc.required(f"{path}[{i}].metadata.name"))
        elif name in names:
            errs.append(fc.duplicate(f"{path}[{i}].metadata.name", name))
        else:
            errs += fc.name_errors(f"{path}[{i}].metadata.name", name, fc.is_dns1123_subdomain)
        names.add(name)
    return errs


def _int_or_percent(path: str, value: object, total: int) -> list[FieldError]:
    if value is None:
        return []
    if isinstance(value, str):
        msgs = fc.is_percent(value)
        if msgs:
            return fc.messages(path, value, msgs)
    try:
        n = scaled_value(value if isinstance(value, (int, str)) else None, total, True)
    except IntOrStrError as e:
        return [fc.invalid(path, value, str(e))]
    return [fc.invalid(path, value, fc.NEGATIVE)] if n < 0 else []


def update_strategy(strategy: Obj, replicas: int, path: str) -> list[FieldError]:
    kind = strategy.get("type")
    errs: list[FieldError] = []
    if kind not in UPDATE_TYPES:
        errs.append(fc.not_supported(f"{path}.type", kind or "", UPDATE_TYPES))
    rolling = strategy.get("rollingUpdate") or {}
    for key in ("partition", "maxUnavailable", "maxSurge"):
        errs += _int_or_percent(f"{path}.rollingUpdate.{key}", rolling.get(key), replicas)
    errs += fc.not_more_than_100_percent(f"{path}.rollingUpdate.maxUnavailable", rolling.get("maxUnavailable"))
    grace = (strategy.get("inPlaceUpdateStrategy") or {}).get("gracePeriodSeconds")
    errs += fc.non_negative(f"{path}.inPlaceUpdateStrategy.gracePeriodSeconds", grace)
    steps = (strategy.get("canary") or {}).get("steps") or []
    return errs + canary_steps.canary_steps(steps, replicas, f"{path}.canary.steps", _int_or_percent)


def label_selector_text(obj: Obj) -> str:
    """``status.labelSelector``, for the scale subresource (and HPA)."""
    return str(selectors.from_label_selector((obj.get("spec") or {}).get("selector")))


validate_game_stateful_set = validator(GameStatefulSetModel, _rules)

GAME_STATEFUL_SET = register(
    Kind(
        GROUP,
        "v1alpha1",
        KIND,
        "gamestatefulsets",
        ("gsts",),
        scalable=True,
        default=default_game_stateful_set,
        validate=validate_game_stateful_set,
    )
)


def claim_names(spec: Obj) -> list[str]:
    """The names ``volumeClaimTemplates`` give the pods' volumes."""
    return [str((c.get("metadata") or {}).get("name")) for c in spec.get("volumeClaimTemplates") or () if isinstance(c, dict)]
