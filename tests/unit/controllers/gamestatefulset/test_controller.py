"""The GameStatefulSet controller on a simulated node: seed 000, update order, policies, strategies.

Seed 000 is bk-bcs docs/features/bcs-gamestatefulset-operator/inPlaceUpdate.md.
"""

from __future__ import annotations

from typing import Any

from graceroll.controllers.gamestatefulset import pods as podfacts
from graceroll.controllers.inplace import pod as inplace
from graceroll.node.sim import Behaviour

from .harness import GSCluster, gsts

Obj = dict[str, Any]


def image(pod: Obj) -> str:
    return str(pod["spec"]["containers"][0]["image"])


def restarts(pod: Obj) -> int:
    return int(pod["status"]["containerStatuses"][0]["restartCount"])


def ready(pod: Obj) -> bool:
    return podfacts.is_running_and_ready(pod)


def started(c: GSCluster, **kw: Any) -> GSCluster:
    c.store.create(gsts(**kw))
    assert c.run_until(lambda: c.snapshot().complete)
    return c


def status_counts(c: GSCluster) -> tuple[int, ...]:
    st = c.get()["status"]
    return tuple(st[k] for k in ("replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "updatedReadyReplicas"))


def test_seed_000_inplace_update_partition_3_grace_30() -> None:
    """Pods 3 and 4 restart once, keep their name and age, and are NotReady during the grace period."""
    c = GSCluster(Behaviour(start_seconds=1))
    c.store.create(gsts("gs", 5, "python:3.5", partition=3, grace=30))
    assert c.run_until(lambda: c.snapshot().complete)
    assert c.now == 5.0  # OrderedReady: one pod a second, as the seed's ages (81s … 77s) show
    before = {p["metadata"]["name"]: (p["metadata"]["uid"], p["metadata"]["creationTimestamp"]) for p in c.pods()}
    old_rev = c.get()["status"]["updateRevision"]
    c.set_image("python:latest")
    c.advance(10)
    pod4 = c.pod(4)
    assert not ready(pod4) and image(pod4) == "python:3.5"  # unready, images not yet patched
    assert inplace.condition(pod4)["status"] == "False"  # type: ignore[index]
    assert all(ready(c.pod(o)) for o in range(4))
    assert c.run_until(lambda: c.snapshot().complete)
    assert c.now == 5.0 + 2 * (30 + 1)  # one pod at a time: 30 s grace + 1 s restart each
    pods = c.pods()
    assert {p["metadata"]["name"]: (p["metadata"]["uid"], p["metadata"]["creationTimestamp"]) for p in pods} == before
    assert [(image(p), restarts(p)) for p in pods] == [("python:3.5", 0)] * 3 + [("python:latest", 1)] * 2
    assert status_counts(c) == (5, 5, 3, 2, 2)
    st = c.get()["status"]
    assert st["currentRevision"] == old_rev != st["updateRevision"]
    new_rev = st["updateRevision"]
    assert c.events("SuccessfulUpdatePodInPlace") == [f"successfully update pod gs-{o} in-place(revision {new_rev})" for o in (4, 3)]


def test_partition_0_then_updates_the_rest_highest_first() -> None:
    c = started(GSCluster(), partition=3, grace=0)
    c.set_image("app:v2")
    assert c.run_until(lambda: c.snapshot().complete)
    c.change(lambda gs: gs["spec"]["updateStrategy"]["rollingUpdate"].update(partition=0))
    assert c.run_until(lambda: c.snapshot().complete)
    assert [o for o in (4, 3, 2, 1, 0)] == [int(m.split()[3].rsplit("-", 1)[1]) for m in c.events("SuccessfulUpdatePodInPlace")]
    assert status_counts(c) == (5, 5, 5, 5, 5)
    assert c.get()["status"]["currentRevision"] == c.get()["status"]["updateRevision"]


def test_partition_percent_rounds_down() -> None:
    c = started(GSCluster(), partition="50%")  # 2.5 -> 2: ordinals 2, 3, 4 are updated
    c.set_image("app:v2")
    assert c.run_until(lambda: c.snapshot().complete)
    assert [image(p) for p in c.pods()] == ["app:v1"] * 2 + ["app:v2"] * 3


def test_ordered_ready_creates_one_pod_at_a_time_parallel_all_at_once() -> None:
    ordered = started(GSCluster(Behaviour(start_seconds=2)))
    assert ordered.now == 10.0
    parallel = started(GSCluster(Behaviour(start_seconds=2)), policy="Parallel")
    assert parallel.now == 2.0


def test_parallel_updates_up_to_max_unavailable_at_once() -> None:
    c = started(GSCluster(Behaviour(start_seconds=2)), policy="Parallel", max_unavailable=2, type_="RollingUpdate")
    c.set_image("app:v2")
    assert sorted(c.events("SuccessfulDelete")) == ["delete Pod gs-3 in GameStatefulSet gs successful", "delete Pod gs-4 in GameStatefulSet gs successful"]
    assert c.run_until(lambda: c.snapshot().complete)
    assert [image(p) for p in c.pods()] == ["app:v2"] * 5


def test_rolling_update_recreates_pods_highest_first_keeping_names() -> None:
    c = started(GSCluster(), type_="RollingUpdate")
    uids = [p["metadata"]["uid"] for p in c.pods()]
    c.set_image("app:v2")
    assert c.run_until(lambda: c.snapshot().complete)
    assert [p["metadata"]["name"] for p in c.pods()] == [f"gs-{o}" for o in range(5)]
    assert all(p["metadata"]["uid"] not in uids for p in c.pods())
    assert [m.split()[2] for m in c.events("SuccessfulDelete")] == ["gs-4", "gs-3", "gs-2", "gs-1", "gs-0"]


def test_on_delete_updates_only_pods_the_user_deletes() -> None:
    c = started(GSCluster(), type_="OnDelete")
    c.set_image("app:v2")
    c.advance(30)
    assert [image(p) for p in c.pods()] == ["app:v1"] * 5
    c.store.delete("Pod", "default", "gs-2")
    assert c.run_until(lambda: ready(c.pod(2)) and image(c.pod(2)) == "app:v2")
    assert [image(p) for p in c.pods()] == ["app:v1"] * 2 + ["app:v2"] + ["app:v1"] * 2


def test_hot_patch_changes_the_image_without_a_restart() -> None:
    c = started(GSCluster(), type_="HotPatchUpdate", partition=3)
    c.set_image("app:v2")
    assert c.run_until(lambda: c.snapshot().complete)
    pods = c.pods()
    assert [(image(p), restarts(p)) for p in pods] == [("app:v1", 0)] * 3 + [("app:v2", 0)] * 2
    assert pods[4]["metadata"]["annotations"]["io.kubernetes.hotpatch.container"] == "true"
    assert "hotpatch-update-state" in pods[4]["metadata"]["annotations"]
    assert pods[4]["status"]["containerStatuses"][0]["imageID"] == "sim://app:v2"
    assert len(c.events("SuccessfulUpdatePodHotPatch")) == 2


def test_a_non_image_change_is_refused_in_place_without_fallback() -> None:
    c = started(GSCluster())

    def add_env(gs: Obj) -> None:
        gs["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}]

    c.change(add_env)
    c.advance(20)
    assert c.get()["status"]["updatedReplicas"] == 0
    warnings = c.events("FailedUpdatePodInPlace")
    assert warnings == ["pod gs-4 cannot be updated by InplaceUpdate: only container images may change"]
    assert c.get()["status"]["conditions"][0]["type"] == "FailedUpdate"


def test_scale_in_deletes_the_highest_ordinals_and_keeps_their_claims() -> None:
    c = started(GSCluster(), volumeClaimTemplates=[{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}])
    claims = sorted(pvc["metadata"]["name"] for pvc in c.store.list("PersistentVolumeClaim"))
    assert claims == [f"data-gs-{o}" for o in range(5)]
    pod = c.pod(2)
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "data-gs-2"}} in pod["spec"]["volumes"]
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("gs-2", "gs")
    assert pod["metadata"]["labels"][podfacts.POD_ORDINAL_LABEL] == "2"
    c.change(lambda gs: gs["spec"].update(replicas=3))
    assert c.run_until(lambda: c.snapshot().complete)
    assert [m.split()[2] for m in c.events("SuccessfulDelete")] == ["gs-4", "gs-3"]
    assert len(c.store.list("PersistentVolumeClaim")) == 5  # storage outlives the pods
    c.change(lambda gs: gs["spec"].update(replicas=5))
    assert c.run_until(lambda: c.snapshot().complete)
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "data-gs-4"}} in c.pod(4)["spec"]["volumes"]


def test_the_surge_ordinal_stays_while_an_old_pod_is_still_terminating() -> None:
    """Upstream's current revision is the oldest one any pod has, terminating pods included, and the
    surge ordinals exist while it is not the update revision: the extra pod goes only once the last
    old pod is gone (its 5 s grace period), never while it is still stopping."""
    c = started(GSCluster(Behaviour(start_seconds=2)), policy="Parallel", type_="RollingUpdate", max_surge=1, max_unavailable=1)
    old = c.get()["status"]["currentRevision"]
    seen: list[tuple[bool, bool]] = []

    def look() -> None:
        names = {p["metadata"]["name"]: p for p in c.store.list("Pod", "default")}
        some_old = any(p["metadata"]["labels"].get("controller-revision-hash") == old for p in names.values())
        surge = names.get("gs-5")
        seen.append((some_old, surge is not None and not surge["metadata"].get("deletionTimestamp")))

    c.set_image("app:v2")
    assert c.run_until(lambda: c.snapshot().complete, each=look)
    first = next(i for i, (_, surge) in enumerate(seen) if surge)
    assert all(surge for some_old, surge in seen[first:] if some_old)
    assert c.get()["status"]["currentRevision"] == c.get()["status"]["updateRevision"]


def test_the_current_revision_counts_terminating_pods() -> None:
    from graceroll.controllers.gamestatefulset import status as gstatus

    revisions = [{"metadata": {"name": n}, "revision": i} for i, n in enumerate(("old", "new"), 1)]
    old_stopping = {"metadata": {"labels": {"controller-revision-hash": "old"}, "deletionTimestamp": "2026-01-01T00:00:00Z"}}
    new_pod = {"metadata": {"labels": {"controller-revision-hash": "new"}}}
    assert gstatus.current_revision([old_stopping, new_pod], revisions, "new") == "old"
    assert gstatus.current_revision([new_pod], revisions, "new") == "new"


def test_parallel_max_surge_adds_ordinals_during_the_rollout_then_removes_them() -> None:
    c = started(GSCluster(Behaviour(start_seconds=2)), policy="Parallel", type_="RollingUpdate", max_surge=1, max_unavailable=1)
    peak: list[int] = []
    c.set_image("app:v2")
    assert c.run_until(lambda: c.snapshot().complete, each=lambda: peak.append(len(c.pods())))
    assert max(peak) == 6 and "create Pod gs-5 in GameStatefulSet gs successful" in c.events("SuccessfulCreate")
    assert c.run_until(lambda: c.store.try_get("Pod", "default", "gs-5") is None)  # the surge pod stops after the rollout
    assert [p["metadata"]["name"] for p in c.pods()] == [f"gs-{o}" for o in range(5)]
    assert status_counts(c) == (5, 5, 5, 5, 5)
