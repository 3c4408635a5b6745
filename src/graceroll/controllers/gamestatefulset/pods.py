"""A GameStatefulSet pod's identity, storage and health (upstream ``game_stateful_set_control.go``, ``game_stateful_set_utils.go``).

Pods are ``<set>-<ordinal>``, labelled with their name, ordinal and revision, and get
``hostname=<pod>`` / ``subdomain=<serviceName>``. Each volume claim template gives every ordinal a
PersistentVolumeClaim ``<claim>-<set>-<ordinal>``, mounted by name: the claim outlives the pod,
so a recreated pod finds the same storage. Every pod carries the ``InPlaceUpdateReady`` readiness
gate, whatever the update type, so that it is not Ready before the controller has seen it.
"""

from __future__ import annotations

import re
from typing import Any

from graceroll.api.meta import CONTROLLER_REVISION_HASH, clone, owner_reference
from graceroll.controllers import podutil
from graceroll.controllers.inplace import pod as inplace

Obj = dict[str, Any]

POD_NAME_LABEL = "gamestatefulset.kubernetes.io/pod-name"
POD_ORDINAL_LABEL = "gamestatefulset.kubernetes.io/pod-ordinal"
_ORDINAL = re.compile(r"^(.*)-(\d+)$")


def ordinal(pod: Obj) -> int:
    """The ordinal in the pod's name; -1 for a name that has none."""
    m = _ORDINAL.match(pod["metadata"]["name"])
    return int(m.group(2)) if m else -1


def pod_name(set_name: str, ordinal_: int) -> str:
    return f"{set_name}-{ordinal_}"


def claim_name(claim: str, set_name: str, ordinal_: int) -> str:
    return f"{claim}-{set_name}-{ordinal_}"


def revision(pod: Obj) -> str:
    return str((pod["metadata"].get("labels") or {}).get(CONTROLLER_REVISION_HASH, ""))


def is_terminating(pod: Obj) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def is_failed(pod: Obj) -> bool:
    return podutil.phase(pod) == "Failed"


def is_running_and_ready(pod: Obj) -> bool:
    """Running and Ready, and not in the middle of an in-place update (its gate closed)."""
    return podutil.phase(pod) == "Running" and podutil.is_ready(pod) and inplace.gate_open(pod)


def is_healthy(pod: Obj) -> bool:
    return is_running_and_ready(pod) and not is_terminating(pod)


def new_pod(gs: Obj, template: Obj, revision_name: str, ordinal_: int) -> Obj:
    """``newVersionedGameStatefulSetPod``: the template at ``revision_name`` with the pod's identity."""
    tpl = clone(template)
    md = tpl.get("metadata") or {}
    set_name = gs["metadata"]["name"]
    name = pod_name(set_name, ordinal_)
    labels = dict(md.get("labels") or {})
    labels[CONTROLLER_REVISION_HASH] = revision_name
    pod: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": gs["metadata"]["namespace"],
            "labels": labels,
            "annotations": dict(md.get("annotations") or {}),
            "ownerReferences": [owner_reference(gs)],
        },
        "spec": tpl.get("spec") or {},
    }
    set_identity(gs, pod, ordinal_)
    set_storage(gs, pod, ordinal_)
    inplace.add_gate(pod["spec"])
    return pod


def set_identity(gs: Obj, pod: Obj, ordinal_: int) -> None:
    name = pod_name(gs["metadata"]["name"], ordinal_)
    labels = pod["metadata"].setdefault("labels", {})
    labels[POD_NAME_LABEL] = name
    labels[POD_ORDINAL_LABEL] = str(ordinal_)
    pod["spec"]["hostname"] = name
    service = (gs.get("spec") or {}).get("serviceName")
    if service:
        pod["spec"]["subdomain"] = service


def identity_matches(gs: Obj, pod: Obj) -> bool:
    """``identityMatches`` + ``storageMatches``: the labels, hostname and claims a pod must keep."""
    probe = clone(pod)
    set_identity(gs, probe, ordinal(pod))
    set_storage(gs, probe, ordinal(pod))
    return bool(probe["metadata"].get("labels") == pod["metadata"].get("labels") and probe["spec"] == pod["spec"])


def set_storage(gs: Obj, pod: Obj, ordinal_: int) -> None:
    """Mount each claim template's per-ordinal claim under the template's name (replacing a volume of that name)."""
    claims = claims_for(gs, ordinal_)
    if not claims:
        return
    mounted = {c["metadata"]["annotations"][CLAIM_TEMPLATE_ANNOTATION]: c["metadata"]["name"] for c in claims}
    volumes = [v for v in pod["spec"].get("volumes") or () if v.get("name") not in mounted]
    for template_name, claim in mounted.items():
        volumes.append({"name": template_name, "persistentVolumeClaim": {"claimName": claim}})
    pod["spec"]["volumes"] = volumes


CLAIM_TEMPLATE_ANNOTATION = "gamestatefulset.kubernetes.io/claim-template"


def claims_for(gs: Obj, ordinal_: int) -> list[Obj]:
    """The PersistentVolumeClaims of one ordinal; labelled with the selector's matchLabels, as upstream."""
    spec = gs.get("spec") or {}
    set_name = gs["metadata"]["name"]
    match = ((spec.get("selector") or {}).get("matchLabels")) or {}
    out = []
    for template in spec.get("volumeClaimTemplates") or ():
        md = template.get("metadata") or {}
        labels = dict(md.get("labels") or {})
        labels.update(match)
        out.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {
                    "name": claim_name(md["name"], set_name, ordinal_),
                    "namespace": gs["metadata"]["namespace"],
                    "labels": labels,
                    "annotations": {CLAIM_TEMPLATE_ANNOTATION: md["name"]},
                },
                "spec": clone(template.get("spec") or {}),
            }
        )
    return out
