"""Pod counts kept up to date from store events, so a view's snapshot costs its groups, not its pods.

Each pod event moves that pod's contribution (``WorkloadView.pod_facts``) out of its old group
and into its new one: O(1) per write. The simulator takes a snapshot after every write, and
rescanning a 1,000-pod CloneSet each time would make a rollout quadratic.
"""

from __future__ import annotations

from collections.abc import Mapping

from graceroll.api.meta import controller_ref
from graceroll.store.base import WatchEvent
from graceroll.workload.base import PodFacts, Tally, WorkloadView, add

_EMPTY: Tally = {}


class PodTally:
    def __init__(self, views: list[WorkloadView]) -> None:
        self._by_owner_kind = {v.pod_owner: v for v in views if v.pod_owner is not None}
        self._pods: dict[str, tuple[str, PodFacts]] = {}  # pod uid -> (owner uid, what it counted as)
        self._tallies: dict[str, Tally] = {}

    def counts(self, owner_uid: str) -> Mapping[str, list[int]]:
        return self._tallies.get(owner_uid, _EMPTY)

    def observe(self, event: WatchEvent) -> bool:
        """Account for one pod event; True if it was a pod some view counts."""
        pod = event.object
        ref = controller_ref(pod)
        view = self._by_owner_kind.get(str(ref.get("kind"))) if ref is not None else None
        if view is None and not self._pods:
            return False  # the common case of a Deployment's pod, at the cost of one look-up
        uid = pod["metadata"].get("uid", "")
        before = self._pods.pop(uid, None)
        if before is not None:
            add(self._tallies[before[0]], before[1], -1)
        if view is None or ref is None:
            return before is not None
        facts = None if event.type == "DELETED" else view.pod_facts(pod)
        if facts is not None:
            owner = str(ref.get("uid", ""))
            self._pods[uid] = (owner, facts)
            add(self._tallies.setdefault(owner, {}), facts, 1)
        return True
