"""Builders for CloneSet tests: a CloneSet dict, pods in a given state, the reference's pod tokens."""

from __future__ import annotations

from typing import Any

from graceroll.api.meta import CONTROLLER_REVISION_HASH
from graceroll.clock import format_time
from graceroll.controllers import lifecycle
from graceroll.controllers.cloneset import pods as podfacts
from graceroll.controllers.cloneset.diff import PodFacts

Obj = dict[str, Any]
NEW, OLD = "new_rev", "old_rev"
STATES = {"Normal": lifecycle.NORMAL, "Updating": lifecycle.UPDATING, "PrepUpd": lifecycle.PREPARING_UPDATE, "PrepDel": lifecycle.PREPARING_DELETE}


def cloneset(replicas: int | None, partition: Any = None, max_unavailable: Any = None, max_surge: Any = None, **strategy: Any) -> Obj:
    """``createTestCloneSet``: only what is given is set (absent fields take the controller's defaults)."""
    st: Obj = dict(strategy)
    for key, value in (("partition", partition), ("maxUnavailable", max_unavailable), ("maxSurge", max_surge)):
        if value is not None:
            st[key] = value
    spec: Obj = {"updateStrategy": st, "selector": {"matchLabels": {"app": "demo"}}, "template": {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "c1", "image": "foo1"}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps.kruise.io/v1alpha1", "kind": "CloneSet", "metadata": {"name": "demo", "namespace": "default", "uid": "cs-uid", "generation": 1}, "spec": spec}


def pod(name: str, rev: str = NEW, state: str = lifecycle.NORMAL, ready: bool = True, specified_delete: bool = False, phase: str | None = None, labels: Obj | None = None, ready_since: float = 0.0) -> Obj:
    """``createTestPod``: Running and Ready (or no status at all), at a revision, in a lifecycle state."""
    md_labels: Obj = {CONTROLLER_REVISION_HASH: rev, **(labels or {})}
    if state:
        md_labels[lifecycle.STATE_LABEL] = state
    if specified_delete:
        md_labels[podfacts.SPECIFIED_DELETE_LABEL] = "true"
    p: Obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default", "labels": md_labels}, "spec": {"containers": [{"name": "c1", "image": "foo1"}]}}
    if ready:
        p["status"] = {"phase": phase or "Running", "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": format_time(ready_since)}]}
    elif phase:
        p["status"] = {"phase": phase}
    return p


def parse_pods(text: str) -> list[tuple[str, str, bool, bool]]:
    """``"2×N/Normal/R+SD, O/PrepDel/U"`` -> (revision, lifecycle state, ready, specified delete) per pod."""
    out = []
    for token in filter(None, (t.strip() for t in text.split(","))):
        count = 1
        if "×" in token:
            n, token = token.split("×")
            count = int(n)
        sd = token.endswith("+SD")
        rev, state, ready = token.removesuffix("+SD").split("/")
        out += [(NEW if rev == "N" else OLD, STATES[state], ready == "R", sd)] * count
    return out


def facts(text: str, preparing_update_as_update: bool = False) -> list[PodFacts]:
    return [
        PodFacts(
            updated=rev == NEW or (preparing_update_as_update and state == lifecycle.PREPARING_UPDATE),
            state=state,
            specified_delete=sd,
            available=ready and state == lifecycle.NORMAL,
        )
        for rev, state, ready, sd in parse_pods(text)
    ]
