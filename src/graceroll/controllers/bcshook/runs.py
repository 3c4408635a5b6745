"""Building HookRuns from HookTemplates, and finding the one that guards a pod or a canary step.

Upstream ``kubernetes/common/util/hook``. Labels and name prefixes are
upstream's. Args: the template's declared args are filled (or overridden) by the supplied ones;
supplied args the template does not declare are kept only when their name contains one of the
automatic names (``PodName``, ``PodContainer[0]``, ..., and graceroll's ``CanaryRevision`` and
``StableRevision``); a declared arg left without a value is an error, and no HookRun is created.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graceroll.api.meta import clone, owner_reference

Obj = dict[str, Any]

TYPE_LABEL = "hookrun-type"
REVISION_LABEL = "workload-revision"
INSTANCE_LABEL = "instance-id"
STEP_INDEX_LABEL = "canary-step-index"

CANARY_STEP = "canary-step"
PRE_DELETE = "pre-delete-step"
PRE_INPLACE = "pre-inplace-step"
POST_INPLACE = "post-inplace-step"
NAME_PREFIX = {PRE_DELETE: "predelete", PRE_INPLACE: "preinplace", POST_INPLACE: "postinplace"}

POD_NAME, POD_NAMESPACE, POD_IP, HOST_IP = "PodName", "PodNamespace", "PodIP", "HostIP"
POD_CONTAINER, MODIFIED_CONTAINER = "PodContainer", "ModifiedContainer"
# graceroll's: what a canary step's (or a Deployment judge's) run compares, as revision label values
CANARY_REVISION, STABLE_REVISION = "CanaryRevision", "StableRevision"
AUTOMATIC_ARGS = (POD_NAME, POD_NAMESPACE, POD_IP, HOST_IP, POD_CONTAINER, MODIFIED_CONTAINER, CANARY_REVISION, STABLE_REVISION)

COMPLETED_PHASES = ("Successful", "Failed", "Error", "Inconclusive")
DELETING_ANNOTATION = "io.tencent.bcs.dev/game-pod-deleting"


class ArgsError(ValueError):
    """A template arg has no value: the HookRun cannot be created until the workload supplies it."""


def phase(run: Obj) -> str:
    return str((run.get("status") or {}).get("phase") or "Pending")


def is_completed(run: Obj) -> bool:
    return phase(run) in COMPLETED_PHASES


def pod_args(pod: Obj, modified: Iterable[str] = ()) -> list[Obj]:
    """The automatic args of a pod's hook: name, namespace, IPs, container names (and changed ones)."""
    status = pod.get("status") or {}
    args = [
        {"name": POD_NAME, "value": pod["metadata"]["name"]},
        {"name": POD_NAMESPACE, "value": pod["metadata"].get("namespace", "")},
        {"name": POD_IP, "value": status.get("podIP", "")},
        {"name": HOST_IP, "value": status.get("hostIP", "")},
    ]
    for i, c in enumerate((pod.get("spec") or {}).get("containers") or ()):
        args.append({"name": f"{POD_CONTAINER}[{i}]", "value": c.get("name", "")})
    for i, name in enumerate(modified):
        args.append({"name": f"{MODIFIED_CONTAINER}[{i}]", "value": name})
    return args


def merge_args(declared: list[Obj], supplied: list[Obj]) -> list[Obj]:
    """The run's args (see the module docstring); raises ``ArgsError`` naming a missing value."""
    given = {a.get("name"): a.get("value") for a in supplied if a.get("name")}
    out: list[Obj] = []
    for arg in declared:
        name = arg.get("name")
        value = given.get(name, arg.get("value"))
        if value is None:
            raise ArgsError(f'args.{name} was not resolved')
        out.append({"name": name, "value": value})
    names = {a["name"] for a in out}
    for name, value in given.items():
        if name not in names and value is not None and any(auto in str(name) for auto in AUTOMATIC_ARGS):
            out.append({"name": name, "value": value})
    return out


def build(
    template: Obj,
    owner: Obj,
    name: str,
    labels: Mapping[str, str],
    supplied: list[Obj],
) -> Obj:
    """A HookRun copying the template's metrics and policy, owned by the workload."""
    spec = template.get("spec") or {}
    run_spec: Obj = {"metrics": clone({"m": spec.get("metrics") or []})["m"], "args": merge_args(list(spec.get("args") or []), supplied)}
    if spec.get("policy"):
        run_spec["policy"] = spec["policy"]
    return {
        "apiVersion": "tkex.tencent.com/v1alpha1",
        "kind": "HookRun",
        "metadata": {
            "name": name,
            "namespace": owner["metadata"]["namespace"],
            "labels": dict(labels),
            "ownerReferences": [owner_reference(owner)],
        },
        "spec": run_spec,
    }


def pod_labels(hook_type: str, revision: str, instance: str) -> dict[str, str]:
    return {TYPE_LABEL: hook_type, REVISION_LABEL: revision, INSTANCE_LABEL: instance}


def pod_run_name(hook_type: str, revision: str, instance: str, template: str) -> str:
    return f"{NAME_PREFIX[hook_type]}-{revision}-{instance}-{template}"


def canary_labels(revision: str, index: int) -> dict[str, str]:
    return {TYPE_LABEL: CANARY_STEP, REVISION_LABEL: revision, STEP_INDEX_LABEL: str(index)}


def canary_run_name(revision: str, index: int, template: str) -> str:
    return f"canary-{revision}-step{index}-{template}"


def find(runs: Iterable[Obj], labels: Mapping[str, str]) -> Obj | None:
    """The newest run carrying every label in ``labels``."""
    found = [r for r in runs if all((r["metadata"].get("labels") or {}).get(k) == v for k, v in labels.items())]
    return max(found, key=lambda r: int(r["metadata"].get("resourceVersion") or 0)) if found else None


def of_type(runs: Iterable[Obj], hook_type: str) -> list[Obj]:
    return [r for r in runs if (r["metadata"].get("labels") or {}).get(TYPE_LABEL) == hook_type]
