"""Step 2 of ``Update()``: bring every pod's state up to date, even while paused (reference §2.11).

Per pod, in one write: the in-place refresh (grace over, next batch, readiness gate), then the
lifecycle transition, then a missing ``pod-template-hash`` label. Transitions:

* PreparingNormal -> Normal: scheduled and no preNormal hook, or the preNormal hook all present;
* PreparingUpdate already at the update revision (template rolled back meanwhile) -> Updated if a
  lifecycle is set and the inPlaceUpdate hook is not all present, else Normal;
* Updating -> the same choice, once the in-place update is complete;
* Updated -> Normal when there is no lifecycle or no inPlaceUpdate hook, or it is all present.
"""

from __future__ import annotations

from typing import Any

from graceroll.api.meta import clone
from graceroll.controllers import lifecycle
from graceroll.controllers.cloneset import pods as podfacts
from graceroll.controllers.inplace import pod as inplace

Obj = dict[str, Any]


def next_state(cs: Obj, pod: Obj, update_revision: str) -> str | None:
    hooks = (cs.get("spec") or {}).get("lifecycle")
    in_place_hook = (hooks or {}).get("inPlaceUpdate")
    state = lifecycle.state(pod)
    after_update = lifecycle.UPDATED if hooks and not lifecycle.is_all_hooked(in_place_hook, pod) else lifecycle.NORMAL
    if state == lifecycle.PREPARING_NORMAL:
        pre_normal = (hooks or {}).get("preNormal")
        if pre_normal:
            return lifecycle.NORMAL if lifecycle.is_all_hooked(pre_normal, pod) else None
        return lifecycle.NORMAL if podfacts.is_scheduled(pod) else None
    if state == lifecycle.PREPARING_UPDATE:
        return after_update if podfacts.equal_to_revision(pod, update_revision) else None
    if state == lifecycle.UPDATING:
        return after_update if inplace.is_completed(pod) else None
    done_with_hook = not hooks or not in_place_hook or lifecycle.is_all_hooked(in_place_hook, pod)
    return lifecycle.NORMAL if state == lifecycle.UPDATED and done_with_hook else None


def refresh_pod(cs: Obj, pod: Obj, update_revision: str, now: float) -> inplace.PodWrite:
    step = inplace.refresh(pod, now)
    obj = step.pod
    seen = dict(obj if obj is not None else pod, status=step.status if step.status is not None else pod.get("status") or {})
    state = next_state(cs, seen, update_revision)
    labels = seen["metadata"].get("labels") or {}
    rev = podfacts.revision(seen)
    needs_hash = bool(rev) and podfacts.POD_TEMPLATE_HASH not in labels
    if state is not None or needs_hash:
        obj = clone(obj if obj is not None else pod)
        obj.pop("status", None)
        if state is not None:
            lifecycle.set_state(obj, state, now)
        if needs_hash:
            obj["metadata"].setdefault("labels", {})[podfacts.POD_TEMPLATE_HASH] = podfacts.short_hash(rev)
    return inplace.PodWrite(obj, step.status, step.requeue_after)
