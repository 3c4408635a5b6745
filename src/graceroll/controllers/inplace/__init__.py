"""In-place update of pods, shared by CloneSet and (later) GameStatefulSet.

Upstream: ``openkruise/kruise:pkg/util/inplaceupdate`` (reference/openkruise.md §3). Three verbs,
all pure over pod dicts: ``spec.calculate`` decides whether a template change can be made in
place and what it is; ``pod.start`` begins one on a pod; ``pod.refresh`` moves a pod along
(grace period over, next container batch, readiness gate back to True). ``pod.is_completed`` is
the completion check. The caller writes the returned objects; nothing here touches a store.
"""
