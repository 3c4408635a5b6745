"""What the CloneSet controller asks about one pod (reference §2.3, §1.3, §1.4).

"Ready" in Kruise's sense (``IsPodUpdateReady``) adds the in-place gate to the Ready condition;
"available" adds the lifecycle state and minReadySeconds on top. A specified-delete pod is one the
user (label or ``podsToDelete``) or a ReCreate update asked to go.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from graceroll.api.meta import CONTROLLER_REVISION_HASH
from graceroll.controllers import lifecycle, podutil
from graceroll.controllers.inplace import pod as inplace

Obj = dict[str, Any]

POD_TEMPLATE_HASH = "pod-template-hash"
INSTANCE_ID_LABEL = "apps.kruise.io/cloneset-instance-id"
SPECIFIED_DELETE_LABEL = "apps.kruise.io/specified-delete"
EXCLUDE_PREPARING_DELETE_LABEL = "apps.kruise.io/cloneset-scaling-exclude-preparing-delete"
DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"


def revision(pod: Obj) -> str:
    return str((pod["metadata"].get("labels") or {}).get(CONTROLLER_REVISION_HASH, ""))


def short_hash(rev: str) -> str:
    return rev.rsplit("-", 1)[-1]


def equal_to_revision(pod: Obj, rev: str) -> bool:
    """``EqualToRevisionHash``: the full revision name, or the same short hash."""
    own = revision(pod)
    return bool(own) and (own == rev or short_hash(own) == short_hash(rev))


def is_updated_for_scale(pod: Obj, update_revision: str, preparing_update_as_update: bool = False) -> bool:
    """Scale's notion of "updated" (gate ``PreparingUpdateAsUpdate``, off by default)."""
    if preparing_update_as_update and lifecycle.state(pod) == lifecycle.PREPARING_UPDATE:
        return True
    return equal_to_revision(pod, update_revision)


def is_specified_delete(pod: Obj, pods_to_delete: Collection[str] = ()) -> bool:
    return SPECIFIED_DELETE_LABEL in (pod["metadata"].get("labels") or {}) or pod["metadata"]["name"] in pods_to_delete


def is_scheduled(pod: Obj) -> bool:
    """Has a node: ``spec.nodeName``, or (the simulated node, which never sets it) PodScheduled=True."""
    if (pod.get("spec") or {}).get("nodeName"):
        return True
    c = inplace.condition(pod, "PodScheduled")
    return c is not None and c.get("status") == "True"


def is_update_ready(pod: Obj) -> bool:
    """``IsPodUpdateReady(minReady=0)``: Running, Ready, and the in-place gate open. Lifecycle ignored."""
    return podutil.phase(pod) == "Running" and podutil.is_ready(pod) and inplace.gate_open(pod)


def is_available(pod: Obj, min_ready_seconds: int, now: float) -> bool:
    """``sync.IsPodAvailable``: lifecycle Normal (or none), Running, Ready long enough, gate open."""
    if lifecycle.state(pod) not in ("", lifecycle.NORMAL):
        return False
    if not is_update_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    since = podutil.ready_since(pod)
    # Upstream compares strictly (``Before``); on a virtual clock the boundary instant itself is
    # taken as available, so that pods turn available at whole seconds, as Deployments' do.
    return since is not None and since + min_ready_seconds <= now


def deletion_cost(pod: Obj) -> int:
    try:
        value = int((pod["metadata"].get("annotations") or {}).get(DELETION_COST_ANNOTATION, "0"))
    except ValueError:
        return 0
    return value if -(2**31) <= value < 2**31 else 0
