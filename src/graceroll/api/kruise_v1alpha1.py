"""``apps.kruise.io/v1alpha1`` CloneSet: its shape, defaults and the validating webhook's rules.

Defaults: ``openkruise/kruise:apis/apps/defaults/v1alpha1.go`` ``SetDefaultsCloneSet``. Rules:
``pkg/webhook/cloneset/validating/validation.go`` (reference/openkruise.md §1.1), with upstream
messages. Paths are more precise than upstream's where upstream drops list indices (priority
and scatter terms), so that an error names the one term at fault.

Two webhook checks need the cluster and are not made here: that every ``podsToDelete`` name is an
existing, owned, non-terminating pod (the controller ignores names it does not own), and the
feature-gated ``progressDeadlineSeconds`` interplay beyond "greater than minReadySeconds".

``spec.updateStrategy.canary.steps`` is graceroll's extension (upstream CloneSets have no steps):
the GameStatefulSet's step kinds (``api/canary_steps.py``), with Kruise's partition arithmetic.
While steps are set they decide the partition, so ``updateStrategy.partition`` must stay 0.
"""

from __future__ import annotations

import re
from typing import Any

import jsonpatch

from graceroll.api import canary_steps, pod_template, selectors
from graceroll.api import field_checks as fc
from graceroll.api.canary_steps import Canary
from graceroll.api.core_v1 import default_object_meta
from graceroll.api.intstr import IntOrStrError, kruise_scaled_value, partition_replicas
from graceroll.api.kinds import Kind, register
from graceroll.api.meta import Obj
from graceroll.api.structure import (
    FreeMap,
    IntOrString,
    LabelSelector,
    ObjectMeta,
    PodTemplateSpec,
    Strict,
    TypedObject,
    child_map,
    set_default,
    validator,
)
from graceroll.errors import FieldError

GROUP = "apps.kruise.io"
RECREATE = "ReCreate"
IN_PLACE_IF_POSSIBLE = "InPlaceIfPossible"
IN_PLACE_ONLY = "InPlaceOnly"
ON_DELETE = "OnDelete"  # honoured by the controller, refused by the v1alpha1 webhook (as at v1.9.0)
UPDATE_TYPES = [RECREATE, IN_PLACE_IF_POSSIBLE, IN_PLACE_ONLY]
DEFAULT_MAX_UNAVAILABLE = "20%"
MUTABLE_SPEC_FIELDS = (
    "replicas",
    "template",
    "scaleStrategy",
    "updateStrategy",
    "minReadySeconds",
    "lifecycle",
    "revisionHistoryLimit",
    "volumeClaimTemplates",
    "progressDeadlineSeconds",
)

# --- shape ---------------------------------------------------------------------------------------


class LifecycleHook(Strict):
    labelsHandler: dict[str, str] | None = None
    finalizersHandler: list[str] | None = None
    markPodNotReady: bool | None = None


class Lifecycle(Strict):
    preDelete: LifecycleHook | None = None
    inPlaceUpdate: LifecycleHook | None = None
    preNormal: LifecycleHook | None = None


class ScaleStrategy(Strict):
    """How a CloneSet scales."""
    podsToDelete: list[str] | None = None
    """Names of pods to delete first when scaling down (and to replace otherwise)."""
    maxUnavailable: IntOrString | None = None
    """The most pods that may be unavailable while scaling up."""
    disablePVCReuse: bool | None = None
    """When true, the claims of a deleted pod are not reused by its replacement."""


class WeightTerm(Strict):
    weight: int | None = None
    matchSelector: LabelSelector | None = None


class OrderTerm(Strict):
    orderedKey: str | None = None


class PriorityStrategy(Strict):
    weightPriority: list[WeightTerm] | None = None
    orderPriority: list[OrderTerm] | None = None


class ScatterTerm(Strict):
    key: str | None = None
    value: str | None = None


class InPlaceUpdateStrategy(Strict):
    """Parameters of an in-place update."""
    gracePeriodSeconds: int | None = None
    """Seconds between a pod leaving its Services (InPlaceUpdateReady False) and its containers restarting with the new image."""


class UpdateStrategy(Strict):
    """UpdateStrategy says how a CloneSet moves its pods to a new revision."""
    type: str | None = None
    """ReCreate (default: delete and create pods), InPlaceIfPossible (update images in place, else recreate) or InPlaceOnly (refuse changes that cannot be made in place)."""
    partition: IntOrString | None = None
    """How many pods (a number, or a percentage of replicas) keep the old revision: 5 replicas with partition 3 update 2 pods."""
    maxUnavailable: IntOrString | None = None
    """The most pods that may be unavailable during the update (number or percentage). Defaults to 20%."""
    maxSurge: IntOrString | None = None
    """The most pods above replicas during the update (number or percentage). Defaults to 0."""
    paused: bool | None = None
    """When true no pod is updated; scaling goes on."""
    priorityStrategy: PriorityStrategy | None = None
    """The order in which pods are updated (by label weights or an ordered key)."""
    scatterStrategy: list[ScatterTerm] | None = None
    """Label key/value pairs whose pods are spread out over the update order."""
    inPlaceUpdateStrategy: InPlaceUpdateStrategy | None = None
    """Parameters of in-place updates."""
    canary: Canary | None = None
    """graceroll's extension: canary steps (partition, pause, hook, trafficWeight, trafficHeaderRoute), run in order; while set they decide the partition."""


class ClaimTemplate(Strict):
    apiVersion: str | None = None
    kind: str | None = None
    metadata: ObjectMeta | None = None
    spec: FreeMap | None = None
    status: Any = None


class CloneSetSpec(Strict):
    """CloneSetSpec is the desired state of a CloneSet."""
    replicas: int | None = None
    """Number of desired pods. Defaults to 1."""
    selector: LabelSelector | None = None
    """Label selector of the pods; must match the template's labels."""
    template: PodTemplateSpec | None = None
    """The pods to run; a change starts an update (in place when updateStrategy allows)."""
    volumeClaimTemplates: list[ClaimTemplate] | None = None
    """Claims made for each pod, kept for a pod created again with its name."""
    scaleStrategy: ScaleStrategy | None = None
    """How the CloneSet scales."""
    updateStrategy: UpdateStrategy | None = None
    """How the CloneSet updates pods to a new revision."""
    revisionHistoryLimit: int | None = None
    """How many old revisions to keep. Defaults to 10."""
    minReadySeconds: int | None = None
    """Seconds a new or updated pod must be ready to count as available."""
    lifecycle: Lifecycle | None = None
    """Hooks (labels, finalizers) that hold a pod before it is deleted or updated in place."""
    progressDeadlineSeconds: int | None = None


class CloneSetModel(TypedObject):
    """CloneSet (OpenKruise) manages a set of identical pods like a Deployment, but can update pods in place (only the changed containers restart, same pod, IP and volumes) and keeps old-revision pods by partition."""
    spec: CloneSetSpec | None = None
    """The desired state of the CloneSet."""


# --- defaults ------------------------------------------------------------------------------------


def default_cloneset(obj: Obj) -> None:
    """``SetDefaultsCloneSet``: an in-place type gets an (empty) inPlaceUpdateStrategy, so grace is 0."""
    default_object_meta(obj)
    spec = child_map(obj, "spec")
    if spec is None:
        return
    set_default(spec, "replicas", 1)
    set_default(spec, "revisionHistoryLimit", 10)
    template = child_map(spec, "template")
    if template is not None:
        pod_template.default_template(template)
    strategy = child_map(spec, "updateStrategy")
    if strategy is None:
        return
    if not strategy.get("type"):
        strategy["type"] = RECREATE
    elif strategy["type"] in (IN_PLACE_IF_POSSIBLE, IN_PLACE_ONLY):
        child_map(strategy, "inPlaceUpdateStrategy")
    set_default(strategy, "partition", 0)
    set_default(strategy, "maxUnavailable", DEFAULT_MAX_UNAVAILABLE)
    set_default(strategy, "maxSurge", 0)
    canary = strategy.get("canary")
    if isinstance(canary, dict) and isinstance(canary.get("steps"), list):
        canary_steps.default_on_failure(canary["steps"])


# --- rules ---------------------------------------------------------------------------------------


def _cloneset_rules(obj: Obj) -> list[FieldError]:
    errs = fc.object_meta(obj.get("metadata"), fc.is_dns1123_subdomain)
    return errs + cloneset_spec(obj.get("spec") or {}, "spec")


def cloneset_spec(spec: Obj, path: str) -> list[FieldError]:
    """``validateCloneSetSpec`` in upstream order."""
    replicas = spec.get("replicas")
    errs = fc.non_negative(f"{path}.replicas", replicas)
    errs += _selector_and_template(spec, path)
    errs += _claim_templates(spec.get("volumeClaimTemplates") or [], f"{path}.volumeClaimTemplates")
    errs += scale_strategy(spec.get("scaleStrategy") or {}, f"{path}.scaleStrategy")
    errs += update_strategy(spec.get("updateStrategy") or {}, replicas if replicas is not None else 1, f"{path}.updateStrategy")
    errs += lifecycle(spec.get("lifecycle") or {}, f"{path}.lifecycle")
    min_ready = spec.get("minReadySeconds")
    errs += fc.non_negative(f"{path}.minReadySeconds", min_ready)
    errs += fc.non_negative(f"{path}.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None and deadline != fc.MAX_INT32 and deadline <= (min_ready or 0):
        errs.append(fc.invalid(f"{path}.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
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
            errs.append(fc.invalid(f"{path}.selector", sel, "empty selector is not valid for a CloneSet."))
        elif not sel_errs and all(isinstance(e, dict) for e in sel.get("matchExpressions") or ()):
            matcher = sel
    template = spec.get("template")
    if template is None:
        return errs + [fc.required(f"{path}.template")]
    claims = [str((c.get("metadata") or {}).get("name")) for c in spec.get("volumeClaimTemplates") or () if isinstance(c, dict)]
    errs += pod_template.replicated_template(template, matcher, f"{path}.template", claims)
    # replicated_template words the activeDeadlineSeconds error for ReplicaSets; CloneSet's own text:
    return [
        fc.invalid(e.path, (template.get("spec") or {}).get("activeDeadlineSeconds"), "activeDeadlineSeconds in CloneSet is not Supported")
        if e.path.endswith(".spec.activeDeadlineSeconds") and e.type == "Forbidden"
        else e
        for e in errs
    ]


def _claim_templates(claims: list[Any], path: str) -> list[FieldError]:
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


def _int_or_percent(path: str, value: object, what: str, total: int) -> tuple[int, list[FieldError]]:
    """The webhook's parse (Kruise's float-percent helper, rounding up); errors name the field."""
    try:
        n = kruise_scaled_value(value if isinstance(value, (int, str)) else None, total, True)
    except IntOrStrError as e:
        return 0, [fc.invalid(path, value, f"failed getValueFromIntOrPercent for {what}: {e}")]
    if n < 0:
        return n, [fc.invalid(path, value, f"{what} should not be negative")]
    return n, []


def scale_strategy(strategy: Obj, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, name in enumerate(strategy.get("podsToDelete") or ()):
        if name in seen:
            errs.append(fc.duplicate(f"{path}.podsToDelete[{i}]", name))
        seen.add(name)
    if strategy.get("maxUnavailable") is not None:
        errs += _int_or_percent(f"{path}.maxUnavailable", strategy["maxUnavailable"], "maxUnavailable", 1)[1]
    return errs


def update_strategy(strategy: Obj, replicas: int, path: str) -> list[FieldError]:
    """``validateUpdateStrategy``: a known type, a parseable partition, and room to make progress."""
    kind = strategy.get("type")
    errs: list[FieldError] = []
    if kind not in UPDATE_TYPES:
        errs.append(fc.not_supported(f"{path}.type", kind or "", UPDATE_TYPES))
    partition = strategy.get("partition")
    errs += partition_errors(f"{path}.partition", partition, replicas)
    steps = (strategy.get("canary") or {}).get("steps") or []
    if steps and partition not in (None, 0, "0%"):
        errs.append(fc.forbidden(f"{path}.partition", "the canary steps set the partition: leave it 0, or use a partition step"))
    errs += canary_steps.canary_steps(steps, replicas, f"{path}.canary.steps", partition_errors)
    max_unavailable = max_surge = 0
    if strategy.get("maxUnavailable") is not None:
        max_unavailable, e1 = _int_or_percent(f"{path}.maxUnavailable", strategy["maxUnavailable"], "maxUnavailable", replicas)
        errs += e1
    if strategy.get("maxSurge") is not None:
        max_surge, e2 = _int_or_percent(f"{path}.maxSurge", strategy["maxSurge"], "maxSurge", replicas)
        errs += e2
        if kind == IN_PLACE_ONLY and max_surge > 0:
            errs.append(fc.invalid(f"{path}.maxSurge", strategy["maxSurge"], "can not use maxSurge with strategy type InPlaceOnly"))
    if replicas > 0 and max_unavailable < 1 and max_surge < 1:
        errs.append(
            fc.invalid(
                f"{path}.maxUnavailable",
                strategy.get("maxUnavailable"),
                "maxUnavailable and maxSurge should not both be less than 1",
            )
        )
    errs += priority_strategy(strategy.get("priorityStrategy"), f"{path}.priorityStrategy")
    errs += scatter_strategy(strategy.get("scatterStrategy") or [], f"{path}.scatterStrategy")
    grace = (strategy.get("inPlaceUpdateStrategy") or {}).get("gracePeriodSeconds")
    errs += fc.non_negative(f"{path}.inPlaceUpdateStrategy.gracePeriodSeconds", grace)
    return errs


def partition_errors(path: str, partition: object, replicas: int) -> list[FieldError]:
    """A partition (``updateStrategy.partition``, or a canary partition step): Kruise's
    float percents, never negative."""
    if partition is None:
        return []
    value = partition if isinstance(partition, (int, str)) else None
    try:
        if partition_replicas(value, replicas) < 0 or (isinstance(partition, int) and partition < 0):
            return [fc.invalid(path, partition, "partition should not be negative")]
    except IntOrStrError as e:
        return [fc.invalid(path, partition, f"failed getValueFromIntOrPercent for partition: {e}")]
    return []


def priority_strategy(strategy: Obj | None, path: str) -> list[FieldError]:
    if not strategy:
        return []
    weights = strategy.get("weightPriority") or []
    orders = strategy.get("orderPriority") or []
    errs: list[FieldError] = []
    if weights and orders:
        errs.append(fc.invalid(path, strategy, "only one of weightPriority and orderPriority can be used"))
    for i, term in enumerate(weights):
        if not isinstance(term, dict):
            continue
        p = f"{path}.weightPriority[{i}]"
        weight = term.get("weight") or 0
        if not 0 <= weight <= 100:
            errs.append(fc.invalid(f"{p}.weight", weight, "weight must be valid number in the range 1-100"))
        sel = term.get("matchSelector") or {}
        if fc.selector_is_empty(sel):
            errs.append(fc.required(f"{p}.matchSelector", "selector can not be empty"))
        elif fc.label_selector(f"{p}.matchSelector", sel):
            errs.append(fc.invalid(f"{p}.matchSelector", sel, "invalid selector"))
    for i, term in enumerate(orders):
        if isinstance(term, dict) and not term.get("orderedKey"):
            errs.append(fc.invalid(f"{path}.orderPriority[{i}].orderedKey", term.get("orderedKey") or "", "order key can not be empty"))
    return errs


def scatter_strategy(terms: list[Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, term in enumerate(terms):
        if not isinstance(term, dict):
            continue
        if not term.get("key"):
            errs.append(fc.required(f"{path}[{i}].key", "key should not be empty"))
        ident = f"{term.get('key') or ''}:{term.get('value') or ''}"
        if ident in seen:
            errs.append(fc.invalid(f"{path}[{i}]", term, "duplicated key=value"))
        seen.add(ident)
    return errs


def lifecycle(spec: Obj, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for key in ("preDelete", "inPlaceUpdate", "preNormal"):
        hook = spec.get(key)
        if not isinstance(hook, dict):
            continue
        errs += fc.label_map(f"{path}.{key}.labelsHandler", hook.get("labelsHandler"))
        for i, f in enumerate(hook.get("finalizersHandler") or ()):
            errs += fc.messages(f"{path}.{key}.finalizersHandler[{i}]", f, fc.is_qualified_name(f))
    return errs


# --- updates -------------------------------------------------------------------------------------

_IMAGE_OP = re.compile(r"^/containers/\d+/image$")


def only_images_changed(old_spec: Obj, new_spec: Obj) -> bool:
    """Whether the JSON patch from one pod spec to the other only replaces container images."""
    ops = jsonpatch.make_patch(old_spec, new_spec).patch
    return all(op["op"] == "replace" and _IMAGE_OP.match(op["path"]) for op in ops)


def cloneset_update(new: Obj, old: Obj) -> list[FieldError]:
    """``validateCloneSetUpdate``: only the listed spec fields may change; InPlaceOnly allows only images."""
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    fixed_new = {k: v for k, v in new_spec.items() if k not in MUTABLE_SPEC_FIELDS}
    fixed_old = {k: v for k, v in old_spec.items() if k not in MUTABLE_SPEC_FIELDS}
    errs: list[FieldError] = []
    if fc.immutable("spec", fixed_new, fixed_old):
        allowed = ", ".join(f"'{k}'" for k in MUTABLE_SPEC_FIELDS)
        errs.append(fc.forbidden("spec", f"updates to cloneset spec for fields other than {allowed} are forbidden"))
    if (new_spec.get("updateStrategy") or {}).get("type") == IN_PLACE_ONLY:
        old_pod = (old_spec.get("template") or {}).get("spec") or {}
        new_pod = (new_spec.get("template") or {}).get("spec") or {}
        if not only_images_changed(old_pod, new_pod):  # upstream's text (validateCloneSetUpdate)
            errs.append(fc.forbidden("spec.template", "forbid to update fields in template other than image, when updateStrategy type is InPlaceOnly"))
    return errs


def label_selector_text(obj: Obj) -> str:
    """``status.labelSelector``: the selector as a string, for the scale subresource (and HPA)."""
    return str(selectors.from_label_selector((obj.get("spec") or {}).get("selector")))


validate_cloneset = validator(CloneSetModel, _cloneset_rules)

CLONESET = register(
    Kind(
        GROUP,
        "v1alpha1",
        "CloneSet",
        "clonesets",
        ("clone",),
        scalable=True,
        default=default_cloneset,
        validate=validate_cloneset,
        validate_update=cloneset_update,
    )
)
