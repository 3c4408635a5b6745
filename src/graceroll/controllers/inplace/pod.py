"""An in-place update on one pod: start it, move it along, tell when it is done.

The pod's readiness gate ``InPlaceUpdateReady`` is the handshake with the node: setting it False
takes the pod out of Service endpoints before anything changes (reference §3.3); with a grace
period the images are patched only ``gracePeriodSeconds`` later, measured from the
``updateTimestamp`` of the ``apps.kruise.io/inplace-update-state`` annotation. The node restarts
the changed containers; the update is complete once every changed container reports a new
``imageID`` (§3.5: restart counts are not used). Then the gate goes back to True.

All functions are pure: they return a ``PodWrite`` with the new pod object (metadata and spec,
written through the main endpoint) and/or the new status (status endpoint), and leave the
writing to the caller.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graceroll.api.meta import CONTROLLER_REVISION_HASH, clone
from graceroll.clock import format_time, parse_time
from graceroll.controllers.inplace.spec import UpdateSpec, apply_metadata_patch

Obj = dict[str, Any]

READINESS_GATE = "InPlaceUpdateReady"
STATE_ANNOTATION = "apps.kruise.io/inplace-update-state"
GRACE_ANNOTATION = "apps.kruise.io/inplace-update-grace"
LEGACY_STATE_ANNOTATION = "inplace-update-state"  # read, and removed on the next update
LEGACY_GRACE_ANNOTATION = "inplace-update-grace"
START_REASON = "StartInPlaceUpdate"
GATES_NOT_READY = "ReadinessGatesNotReady"


@dataclass(frozen=True)
class PodWrite:
    """The writes one step makes to a pod; ``requeue_after``: when to look at it again."""

    pod: Obj | None = None  # the new object, written through the main endpoint
    status: Obj | None = None  # the new status, written through the status endpoint
    requeue_after: float | None = None

    @property
    def changed(self) -> bool:
        return self.pod is not None or self.status is not None


# --- readiness gate ------------------------------------------------------------------------------


def has_gate(pod: Obj) -> bool:
    return any(g.get("conditionType") == READINESS_GATE for g in (pod.get("spec") or {}).get("readinessGates") or ())


def add_gate(pod_spec: Obj) -> None:
    """Every pod a CloneSet creates carries the gate, whatever its update type (§1.4)."""
    gates = pod_spec.setdefault("readinessGates", [])
    if not any(g.get("conditionType") == READINESS_GATE for g in gates):
        gates.append({"conditionType": READINESS_GATE})


def condition(pod: Obj, type_: str = READINESS_GATE) -> Obj | None:
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == type_:
            return c  # type: ignore[no-any-return]
    return None


def gate_open(pod: Obj) -> bool:
    """The ``InPlaceUpdateReady`` condition is absent or True (what ``IsPodUpdateReady`` asks)."""
    c = condition(pod)
    return c is None or c.get("status") == "True"


def _set_condition(status: Obj, new: Obj) -> None:
    conds = status.setdefault("conditions", [])
    for i, c in enumerate(conds):
        if c.get("type") == new["type"]:
            conds[i] = new
            return
    conds.append(new)


# --- state annotation ----------------------------------------------------------------------------


def read_state(pod: Obj) -> Obj | None:
    ann = pod["metadata"].get("annotations") or {}
    text = ann.get(STATE_ANNOTATION, ann.get(LEGACY_STATE_ANNOTATION))
    if text is None:
        return None
    try:
        state = json.loads(text)
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


def read_grace(pod: Obj) -> UpdateSpec | None:
    ann = pod["metadata"].get("annotations") or {}
    text = ann.get(GRACE_ANNOTATION, ann.get(LEGACY_GRACE_ANNOTATION))
    return None if text is None else UpdateSpec.from_json(text)


def _state_json(state: Obj) -> str:
    order = (
        "revision",
        "updateTimestamp",
        "lastContainerStatuses",
        "updateEnvFromMetadata",
        "updateResources",
        "updateImages",
        "nextContainerImages",
        "nextContainerRefMetadata",
        "nextContainerResources",
        "preCheckBeforeNext",
        "containerBatchesRecord",
    )
    ordered = {k: state[k] for k in order if state.get(k)}
    ordered.update({k: v for k, v in state.items() if k not in ordered and v})
    return json.dumps(ordered, separators=(",", ":"))


# --- the three verbs -----------------------------------------------------------------------------


def start(
    pod: Obj,
    spec: UpdateSpec,
    revision_labels: Mapping[str, str],
    now: float,
    mutate: Callable[[Obj], None] | None = None,
) -> PodWrite:
    """Begin an in-place update (upstream ``realControl.Update``).

    Status: ``InPlaceUpdateReady=False`` (and Ready False at once if the containers were ready).
    Object: revision labels, ``mutate`` (CloneSet: lifecycle ``Updating``), the state annotation,
    and either the new images now (no grace) or the grace annotation holding the spec.
    """
    status = clone(pod.get("status") or {})
    ts = format_time(now)
    if has_gate(pod):
        _set_condition(status, {"type": READINESS_GATE, "status": "False", "reason": START_REASON, "lastTransitionTime": ts})
        cr = condition(pod, "ContainersReady")
        if cr is not None and cr.get("status") == "True":
            _set_condition(
                status,
                {"type": "Ready", "status": "False", "reason": GATES_NOT_READY, "message": f"corresponding condition of pod readiness gate \"{READINESS_GATE}\" does not exist.", "lastTransitionTime": ts},
            )
    new = clone(pod)
    new.pop("status", None)
    md = new["metadata"]
    md.setdefault("labels", {}).update(revision_labels)
    if mutate is not None:
        mutate(new)
    ann = md.setdefault("annotations", {})
    ann.pop(LEGACY_STATE_ANNOTATION, None)
    ann.pop(LEGACY_GRACE_ANNOTATION, None)
    state: Obj = {"revision": spec.revision, "updateTimestamp": ts, "updateImages": bool(spec.container_images)}
    if spec.update_env_from_metadata:
        state["updateEnvFromMetadata"] = True
    if spec.grace_seconds <= 0:
        _patch(new, pod, spec, state, now)
        ann.pop(GRACE_ANNOTATION, None)
    else:
        ann[GRACE_ANNOTATION] = spec.to_json()
    ann[STATE_ANNOTATION] = _state_json(state)
    return PodWrite(new, status if status != (pod.get("status") or {}) else None, float(spec.grace_seconds) if spec.grace_seconds > 0 else None)


def _patch(new: Obj, old: Obj, spec: UpdateSpec, state: Obj, now: float) -> None:
    """Patch one batch into ``new``: images, metadata; remember the old imageIDs to detect completion."""
    changed = []
    for c in new["spec"].get("containers") or ():
        if c.get("name") in spec.container_images:
            c["image"] = spec.container_images[c["name"]]
            changed.append(c["name"])
    for name, meta in spec.container_ref_metadata.items():
        for kind in ("labels", "annotations"):
            new["metadata"].setdefault(kind, {}).update((meta or {}).get(kind) or {})
        if name not in changed:
            changed.append(name)
    apply_metadata_patch(new["metadata"], spec.meta_data_patch)
    last = state.setdefault("lastContainerStatuses", {})
    for cs in (old.get("status") or {}).get("containerStatuses") or ():
        if cs.get("name") in spec.container_images:
            last[cs["name"]] = {"imageID": cs.get("imageID", "")}
    if changed:
        state.setdefault("containerBatchesRecord", []).append({"timestamp": format_time(now), "containers": changed})


def refresh(pod: Obj, now: float) -> PodWrite:
    """Move a pod along (upstream ``Refresh``), in this order:

    1. grace pending: still within the grace period -> come back when it ends (rounded up to whole
       seconds); over -> patch the images now and drop the grace annotation; a newer revision
       label meanwhile -> just drop the annotation;
    2. an update in flight that is not complete -> nothing; complete with a next batch waiting
       -> patch that batch;
    3. otherwise open the readiness gate (this also initialises it on a newly created pod).
    """
    grace = read_grace(pod)
    if grace is not None:
        new = clone(pod)
        new.pop("status", None)
        ann = new["metadata"]["annotations"]
        ann.pop(GRACE_ANNOTATION, None)
        ann.pop(LEGACY_GRACE_ANNOTATION, None)
        if (pod["metadata"].get("labels") or {}).get(CONTROLLER_REVISION_HASH) != grace.revision:
            return PodWrite(new)
        pending = read_state(pod) or {"revision": grace.revision, "updateTimestamp": format_time(now)}
        started = parse_time(pending["updateTimestamp"]) if pending.get("updateTimestamp") else now
        remaining = started + grace.grace_seconds - now
        if remaining > 0:
            return PodWrite(requeue_after=float(math.ceil(remaining - 1e-9)))
        _patch(new, pod, grace, pending, now)
        ann[STATE_ANNOTATION] = _state_json(pending)
        return PodWrite(new)
    state = read_state(pod)
    if state is not None:
        if not containers_completed(pod, state):
            return PodWrite()
        if state.get("nextContainerImages") or state.get("nextContainerRefMetadata"):
            required = ((state.get("preCheckBeforeNext") or {}).get("containersRequiredReady")) or []
            ready = {cs.get("name"): bool(cs.get("ready")) for cs in (pod.get("status") or {}).get("containerStatuses") or ()}
            if not all(ready.get(name) for name in required):
                return PodWrite()
            return PodWrite(_next_batch(pod, state, now))
    if not has_gate(pod):
        return PodWrite()
    c = condition(pod)
    if c is not None and c.get("status") == "True" and not c.get("reason") and not c.get("message"):
        return PodWrite()
    status = clone(pod.get("status") or {})
    _set_condition(status, {"type": READINESS_GATE, "status": "True", "lastTransitionTime": format_time(now)})
    return PodWrite(status=status)


def _next_batch(pod: Obj, state: Obj, now: float) -> Obj:
    new = clone(pod)
    new.pop("status", None)
    spec = UpdateSpec(
        revision=str(state.get("revision") or ""),
        container_images=dict(state.pop("nextContainerImages", None) or {}),
        container_ref_metadata=dict(state.pop("nextContainerRefMetadata", None) or {}),
    )
    state.pop("nextContainerResources", None)
    state.pop("preCheckBeforeNext", None)
    _patch(new, pod, spec, state, now)
    new["metadata"]["annotations"][STATE_ANNOTATION] = _state_json(state)
    return new


def containers_completed(pod: Obj, state: Obj) -> bool:
    """Every container changed so far reports a new imageID (``checkContainersUpdateCompleted``).

    An unchanged imageID still counts when the node already reports the new image name (a retag
    of the same image); images without a tag compare as ``:latest``.
    """
    wanted = {}
    for c in (pod.get("spec") or {}).get("containers") or ():
        image = str(c.get("image") or "")
        wanted[c.get("name")] = image if ":" in image else f"{image}:latest"
    pending: dict[str, Obj] = dict(state.get("lastContainerStatuses") or {})
    for cs in (pod.get("status") or {}).get("containerStatuses") or ():
        if cs.get("name") not in pending:
            continue
        old = pending.pop(cs["name"])
        if old.get("imageID") == cs.get("imageID") and wanted.get(cs.get("name"), "") != cs.get("image"):
            return False
    return not pending


def is_completed(pod: Obj) -> bool:
    """``DefaultCheckInPlaceUpdateCompleted``: no grace pending, no batch waiting, containers done.

    Containers restarted for env-from-metadata are taken as done: graceroll has no kruise-daemon
    to report their new environment hashes.
    """
    if read_grace(pod) is not None:
        return False
    state = read_state(pod)
    if state is None:
        return True
    if state.get("nextContainerImages") or state.get("nextContainerRefMetadata") or state.get("nextContainerResources"):
        return False
    return containers_completed(pod, state)
