"""``CheckDelete`` / ``CheckInplace``: may this pod be deleted (or updated in place) now?

Upstream ``kubernetes/common/bcs-hook/{predelete,preinplace}``:

1. a pod that is not Running goes at once (there is nothing to drain);
2. no hook configured: it goes;
3. its HookRun (by type, the pod's revision and its instance id) is looked up; none yet: the
   caller creates one and the pod waits;
4. Successful: it goes; any other phase: it waits. A Failed/Error/Inconclusive run keeps it
   waiting for good, until ``retry: true`` or a new template clears the run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graceroll.controllers import podutil
from graceroll.controllers.bcshook import runs as hookruns

Obj = dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    start: bool = False  # no run yet: create one (the pod waits this pass)
    run: str = ""  # the guarding run's name
    phase: str = ""  # its phase, when the pod waits on it


ALLOWED = Verdict(True)


def check(hook_type: str, hook: Obj | None, pod: Obj, revision: str, instance: str, runs: Iterable[Obj]) -> Verdict:
    if podutil.phase(pod) != "Running" or not hook:
        return ALLOWED
    run = hookruns.find(runs, hookruns.pod_labels(hook_type, revision, instance))
    if run is None:
        return Verdict(False, start=True)
    current = hookruns.phase(run)
    if current == "Successful":
        return Verdict(True, run=run["metadata"]["name"], phase=current)
    return Verdict(False, run=run["metadata"]["name"], phase=current)
