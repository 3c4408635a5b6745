"""``apps/v1`` kinds: Deployment, ReplicaSet, ControllerRevision — their shape, defaults and rules.

Defaults: ``kubernetes/kubernetes:pkg/apis/apps/v1/defaults.go``. Rules:
``pkg/apis/apps/validation/validation.go`` (reference/k8s-deployment.md §2 and §15).

``spec.minReadySeconds`` is not defaulted: absent means 0, as upstream serializes a zero
``minReadySeconds`` (``omitempty``); readers use ``spec.get("minReadySeconds", 0)``.

Two deliberate differences from upstream, both about reporting more at once: a missing selector
gives only ``spec.selector: Required value`` (upstream adds a template-labels mismatch), and an
invalid selector does not stop the pod template from being validated.
"""

from __future__ import annotations

from typing import Any

from graceroll.api import field_checks as fc
from graceroll.api import pod_template
from graceroll.api.core_v1 import default_object_meta
from graceroll.api.kinds import Kind, register
from graceroll.api.meta import Obj
from graceroll.api.structure import (
    IntOrString,
    LabelSelector,
    PodTemplateSpec,
    Strict,
    TypedObject,
    child_map,
    set_default,
    validator,
)
from graceroll.errors import FieldError

STRATEGY_TYPES = ["Recreate", "RollingUpdate"]
POD_REPLACEMENT_POLICIES = ["TerminationStarted", "TerminationComplete"]

# --- shape ---------------------------------------------------------------------------------------


class RollingUpdateDeployment(Strict):
    """How fast a rolling update goes."""
    maxUnavailable: IntOrString | None = None
    """The most pods that may be unavailable during the update, as a number or a percentage of replicas (rounded down). Defaults to 25%. Cannot be 0 when maxSurge is 0."""
    maxSurge: IntOrString | None = None
    """The most pods that may exist above replicas during the update, as a number or a percentage (rounded up). Defaults to 25%. Cannot be 0 when maxUnavailable is 0."""


class DeploymentStrategy(Strict):
    """DeploymentStrategy describes how to replace existing pods with new ones."""
    type: str | None = None
    """Type of deployment: "Recreate" (stop every old pod, then start the new ones) or "RollingUpdate" (the default: replace them gradually)."""
    rollingUpdate: RollingUpdateDeployment | None = None
    """Parameters of a rolling update; only with type RollingUpdate."""


class DeploymentSpec(Strict):
    """DeploymentSpec is the desired state of a Deployment."""
    replicas: int | None = None
    """Number of desired pods. Defaults to 1."""
    selector: LabelSelector | None = None
    """Label selector of the pods the Deployment manages; must match the template's labels. Cannot be changed."""
    template: PodTemplateSpec | None = None
    """The pods to run. A change of it starts a rollout (a new ReplicaSet); other changes do not."""
    strategy: DeploymentStrategy | None = None
    """The deployment strategy to use to replace existing pods with new ones."""
    minReadySeconds: int | None = None
    """Seconds a new pod must be ready, without a container crashing, to count as available. Defaults to 0."""
    revisionHistoryLimit: int | None = None
    """How many old ReplicaSets to keep for rollbacks. Defaults to 10."""
    paused: bool | None = None
    """Whether the Deployment is paused: a paused Deployment does not roll out template changes, not even the rollout in progress, but still scales."""
    progressDeadlineSeconds: int | None = None
    """Seconds a rollout may go without progress before its Progressing condition turns False (ProgressDeadlineExceeded). Defaults to 600."""
    podReplacementPolicy: str | None = None


class DeploymentModel(TypedObject):
    """Deployment runs a number of identical pods and rolls a new pod template out by scaling a new ReplicaSet up and the old ones down, within maxSurge and maxUnavailable."""
    spec: DeploymentSpec | None = None
    """The desired state of the Deployment."""


class ReplicaSetSpec(Strict):
    """ReplicaSetSpec is the desired state of a ReplicaSet."""
    replicas: int | None = None
    """Number of desired pods. Defaults to 1."""
    minReadySeconds: int | None = None
    """Seconds a new pod must be ready to count as available."""
    selector: LabelSelector | None = None
    """Label selector of the pods; must match the template's labels."""
    template: PodTemplateSpec | None = None
    """The pods to create."""


class ReplicaSetModel(TypedObject):
    """ReplicaSet keeps a number of pods made from its template running. Deployments own and scale them."""
    spec: ReplicaSetSpec | None = None
    """The desired state of the ReplicaSet."""


class ControllerRevisionModel(TypedObject):
    """ControllerRevision records one revision of a workload's pod template (CloneSet, GameStatefulSet history)."""
    data: Any = None
    """The recorded state."""
    revision: int | None = None
    """The revision number."""


# --- defaults ------------------------------------------------------------------------------------


def default_deployment(obj: Obj) -> None:
    default_object_meta(obj)
    spec = child_map(obj, "spec")
    if spec is None:
        return
    set_default(spec, "replicas", 1)
    strategy = child_map(spec, "strategy")
    if strategy is not None:
        set_default(strategy, "type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = child_map(strategy, "rollingUpdate")
            if rolling is not None:
                set_default(rolling, "maxUnavailable", "25%")
                set_default(rolling, "maxSurge", "25%")
    set_default(spec, "revisionHistoryLimit", 10)
    set_default(spec, "progressDeadlineSeconds", 600)
    template = child_map(spec, "template")
    if template is not None:
        pod_template.default_template(template)


def default_replicaset(obj: Obj) -> None:
    default_object_meta(obj)
    spec = child_map(obj, "spec")
    if spec is None:
        return
    set_default(spec, "replicas", 1)
    template = child_map(spec, "template")
    if template is not None:
        pod_template.default_template(template)


def default_controller_revision(obj: Obj) -> None:
    default_object_meta(obj)


# --- rules ---------------------------------------------------------------------------------------


def _deployment_rules(obj: Obj) -> list[FieldError]:
    errs = fc.object_meta(obj.get("metadata"), fc.is_dns1123_subdomain)
    return errs + deployment_spec(obj.get("spec") or {}, "spec")


def deployment_spec(spec: Obj, path: str) -> list[FieldError]:
    """``ValidateDeploymentSpec``, in upstream order (the first error is the one tests look at)."""
    errs = fc.non_negative(f"{path}.replicas", spec.get("replicas"))
    errs += _selector_and_template(spec, path)
    errs += deployment_strategy(spec.get("strategy") or {}, f"{path}.strategy")
    min_ready = spec.get("minReadySeconds")
    errs += fc.non_negative(f"{path}.minReadySeconds", min_ready)
    errs += fc.non_negative(f"{path}.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        errs += fc.non_negative(f"{path}.progressDeadlineSeconds", deadline)
        if deadline <= (min_ready or 0):
            errs.append(
                fc.invalid(
                    f"{path}.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"
                )
            )
    policy = spec.get("podReplacementPolicy")
    if policy is not None and policy not in POD_REPLACEMENT_POLICIES:
        errs.append(fc.not_supported(f"{path}.podReplacementPolicy", policy, POD_REPLACEMENT_POLICIES))
    return errs


def _selector_and_template(spec: Obj, path: str) -> list[FieldError]:
    """The selector must be present, valid and non-empty, and must select the template's labels."""
    sel = spec.get("selector")
    errs: list[FieldError] = []
    matcher = None
    if sel is None:
        errs.append(fc.required(f"{path}.selector"))
    else:
        sel_errs = fc.label_selector(f"{path}.selector", sel)
        errs += sel_errs
        if fc.selector_is_empty(sel):
            errs.append(fc.invalid(f"{path}.selector", sel, "empty selector is invalid for deployment"))
        elif sel_errs:
            errs.append(fc.invalid(f"{path}.selector", sel, "invalid label selector"))
        elif all(isinstance(e, dict) for e in sel.get("matchExpressions") or ()):  # else: a structural error
            matcher = sel
    return errs + pod_template.replicated_template(spec.get("template"), matcher, f"{path}.template")


def deployment_strategy(strategy: Obj, path: str) -> list[FieldError]:
    kind = strategy.get("type")
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            return [
                fc.forbidden(
                    f"{path}.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"
                )
            ]
        return []
    if kind == "RollingUpdate":
        if rolling is None:
            return [fc.required(f"{path}.rollingUpdate", "this should be defaulted and never be nil")]
        return rolling_update(rolling, f"{path}.rollingUpdate")
    return [fc.not_supported(f"{path}.type", kind or "", STRATEGY_TYPES)]


def rolling_update(rolling: Obj, path: str) -> list[FieldError]:
    """``ValidateRollingUpdateDeployment``: not both 0; maxUnavailable at most 100%, maxSurge uncapped."""
    mu, ms = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    errs = fc.positive_int_or_percent(f"{path}.maxUnavailable", mu)
    errs += fc.positive_int_or_percent(f"{path}.maxSurge", ms)
    if fc.int_or_percent_value(mu) == 0 and fc.int_or_percent_value(ms) == 0:
        errs.append(
            fc.invalid(
                f"{path}.maxUnavailable", mu if mu is not None else 0, "may not be 0 when `maxSurge` is 0"
            )
        )
    return errs + fc.not_more_than_100_percent(f"{path}.maxUnavailable", mu)


def _replicaset_rules(obj: Obj) -> list[FieldError]:
    """``ValidateReplicaSetSpec`` (its empty-selector message says "deployment" upstream too)."""
    spec = obj.get("spec") or {}
    errs = fc.object_meta(obj.get("metadata"), fc.is_dns1123_subdomain)
    errs += fc.non_negative("spec.replicas", spec.get("replicas"))
    errs += fc.non_negative("spec.minReadySeconds", spec.get("minReadySeconds"))
    return errs + _selector_and_template(spec, "spec")


def _controller_revision_rules(obj: Obj) -> list[FieldError]:
    errs = fc.object_meta(obj.get("metadata"), fc.is_dns1123_subdomain)
    if obj.get("data") is None:
        errs.append(fc.required("data", "data is mandatory"))
    return errs + fc.non_negative("revision", obj.get("revision"))


def selector_update(new: Obj, old: Obj) -> list[FieldError]:
    """apps/v1 selectors are immutable: changing one would orphan every existing pod."""
    return fc.immutable(
        "spec.selector", (new.get("spec") or {}).get("selector"), (old.get("spec") or {}).get("selector")
    )


def controller_revision_update(new: Obj, old: Obj) -> list[FieldError]:
    return fc.immutable("data", new.get("data"), old.get("data"))


# --- status (ValidateDeploymentStatus / ValidateDeploymentStatusUpdate) ---------------------------


def deployment_status(status: Obj, path: str = "status") -> list[FieldError]:
    """The invariants a controller must keep in status; not run by admission, which ignores status."""
    counts = {k: v for k, v in status.items() if isinstance(v, int) and not isinstance(v, bool)}
    errs: list[FieldError] = []
    for key in (
        "observedGeneration",
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
        "unavailableReplicas",
        "terminatingReplicas",
        "collisionCount",
    ):
        errs += fc.non_negative(f"{path}.{key}", counts.get(key))
    replicas = counts.get("replicas", 0)
    for key in ("updatedReplicas", "readyReplicas", "availableReplicas"):
        if counts.get(key, 0) > replicas:
            errs.append(fc.invalid(f"{path}.{key}", counts[key], "cannot be greater than status.replicas"))
    if counts.get("availableReplicas", 0) > counts.get("readyReplicas", 0):
        errs.append(
            fc.invalid(
                f"{path}.availableReplicas",
                counts["availableReplicas"],
                "cannot be greater than readyReplicas",
            )
        )
    return errs


def deployment_status_update(new: Obj, old: Obj, path: str = "status") -> list[FieldError]:
    """``collisionCount`` never goes down, and once set is never unset (pod-template hashes depend on it)."""
    errs = deployment_status(new, path)
    before, after = old.get("collisionCount"), new.get("collisionCount")
    if isinstance(before, int) and (not isinstance(after, int) or after < before):
        errs.append(fc.invalid(f"{path}.collisionCount", after, "cannot be decremented"))
    return errs


validate_deployment = validator(DeploymentModel, _deployment_rules)
validate_replicaset = validator(ReplicaSetModel, _replicaset_rules)
validate_controller_revision = validator(ControllerRevisionModel, _controller_revision_rules)

DEPLOYMENT = register(
    Kind(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        ("deploy",),
        generation_tracks_annotations=True,
        scalable=True,
        default=default_deployment,
        validate=validate_deployment,
        validate_update=selector_update,
    )
)
REPLICASET = register(
    Kind(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        ("rs",),
        scalable=True,
        default=default_replicaset,
        validate=validate_replicaset,
        validate_update=selector_update,
    )
)
CONTROLLER_REVISION = register(
    Kind(
        "apps",
        "v1",
        "ControllerRevision",
        "controllerrevisions",
        (),
        has_status=False,
        default=default_controller_revision,
        validate=validate_controller_revision,
        validate_update=controller_revision_update,
    )
)
