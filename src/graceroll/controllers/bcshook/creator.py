"""Creating a workload's HookRun from its HookTemplate, with the Events the BCS operators record.

Used for pod hooks and canary steps (GameStatefulSet, CloneSet) and for a Deployment's judge. A
missing template or an arg left without a value is a Warning event and no run; a name taken by
an older run gets ``.1``, ``.2`` … as upstream's ``createHookRun`` does.
"""

from __future__ import annotations

from collections.abc import Mapping

from graceroll.api.meta import Obj
from graceroll.controllers.bcshook import runs
from graceroll.controllers.events import NORMAL, WARNING, EventRecorder
from graceroll.errors import AlreadyExists
from graceroll.store.base import Store

CREATE_HOOK_RUN = "SuccessfulCreateHookRun"
FAILED_CREATE_HOOK_RUN = "FailedCreateHookRun"
MAX_NAME_SUFFIX = 100


class RunCreator:
    def __init__(self, store: Store, events: EventRecorder) -> None:
        self.store = store
        self.events = events

    def create(self, owner: Obj, hook: Obj, name: str, labels: Mapping[str, str], args: list[Obj]) -> Obj | None:
        """The new run, owned by ``owner``; None (with a Warning event) when it cannot be made."""
        ns = owner["metadata"]["namespace"]
        template = self.store.try_get("HookTemplate", ns, hook["templateName"])
        if template is None:
            self.events.record(owner, WARNING, FAILED_CREATE_HOOK_RUN, f'HookTemplate "{hook["templateName"]}" not found')
            return None
        try:
            run = runs.build(template, owner, name, labels, args)
        except runs.ArgsError as e:
            self.events.record(owner, WARNING, FAILED_CREATE_HOOK_RUN, f"HookRun {name}: {e}")
            return None
        for n in range(MAX_NAME_SUFFIX):
            run["metadata"]["name"] = name if n == 0 else f"{name}.{n}"
            try:
                created = self.store.create(run)
            except AlreadyExists:
                continue
            self.events.record(owner, NORMAL, CREATE_HOOK_RUN, f"create HookRun {created['metadata']['name']}")
            return created
        return None
