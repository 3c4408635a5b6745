"""``onFailure: Abort``: a failed hook step sends the workload back to its stable revision.

What ``rollout cancel`` does, made by the controller: the stable revision's pod template is written
back, so the stored spec says what runs and the failed revision is not tried again by itself. The
next pass sees the stable revision as the update revision, which skips every step (``reset``);
the abandoned canary's pods get no traffic until they are gone (``traffic.abandoned``). Argo
Rollouts instead keeps the new template and marks the rollout aborted until someone retries or
reverts it.
"""

from __future__ import annotations

from graceroll.api.meta import Obj, clone
from graceroll.controllers.canary.state import CanaryState
from graceroll.controllers.events import WARNING, EventRecorder
from graceroll.store.base import Store

ROLLOUT_ABORTED = "RolloutAborted"  # Argo Rollouts' reason


def abort(store: Store, events: EventRecorder, workload: Obj, stable_template: Obj, state: CanaryState, phase: str | None) -> Obj:
    """Write the stable template back; the event names the step, its run and the revision."""
    new = clone(workload)
    new.pop("status", None)
    new["spec"]["template"] = clone(stable_template)
    written = store.update(new)
    message = f"canary step {state.step_index} (HookRun {state.hook_run}) ended {phase}: back to the stable revision {state.revision}"
    events.record(workload, WARNING, ROLLOUT_ABORTED, message)
    return written
