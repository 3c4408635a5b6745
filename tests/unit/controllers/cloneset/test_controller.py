"""The CloneSet controller end to end on a simulated node: seed 001, pause, specified deletion,
InPlaceOnly, ReCreate and maxSurge."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.api.admission import admit
from graceroll.api.meta import clone
from graceroll.controllers.cloneset import pods as podfacts
from graceroll.controllers.inplace import pod as inplace
from graceroll.errors import Invalid
from graceroll.node.sim import Behaviour

from .harness import CloneSetCluster, cloneset

Obj = dict[str, Any]


def image(pod: Obj) -> str:
    return str(pod["spec"]["containers"][0]["image"])


def restarts(pod: Obj) -> int:
    return int(pod["status"]["containerStatuses"][0]["restartCount"])


def set_spec(c: CloneSetCluster, **changes: Any) -> None:
    def change(cs: Obj) -> None:
        st = cs["spec"]["updateStrategy"]
        for key, value in changes.items():
            if key == "image":
                cs["spec"]["template"]["spec"]["containers"][0]["image"] = value
            elif key == "replicas":
                cs["spec"]["replicas"] = value
            else:
                st[key] = value

    new = clone(c.get())
    change(new)
    c.store.update(admit(new, c.get()))
    c.manager.run_pending()


def seed_cluster() -> CloneSetCluster:
    c = CloneSetCluster(Behaviour(start_seconds=6), {"nginx:1.19.6-alpine": Behaviour(start_seconds=27)})
    c.store.create(cloneset("web", 5, "nginx:alpine", grace=10))
    assert c.run_until(lambda: c.snapshot().complete)
    assert c.now == 6.0
    return c


def test_seed_001_partition_3_updates_exactly_two_pods_in_place() -> None:
    c = seed_cluster()
    names = [p["metadata"]["name"] for p in c.pods()]
    old_rev = c.get()["status"]["updateRevision"]
    set_spec(c, image="nginx:1.19.6-alpine", partition=3)
    assert c.run_until(lambda: c.snapshot().complete)
    # one pod at a time (maxUnavailable 20% of 5 = 1): 10 s grace + 27 s start, twice
    assert c.now == 6.0 + 2 * 37
    pods = c.pods()
    assert [p["metadata"]["name"] for p in pods] == names  # in place: same pods
    new_rev = c.get()["status"]["updateRevision"]
    updated = [p for p in pods if podfacts.revision(p) == new_rev]
    kept = [p for p in pods if podfacts.revision(p) == old_rev]
    assert len(updated) == 2 and len(kept) == 3
    assert all(image(p) == "nginx:1.19.6-alpine" and restarts(p) == 1 for p in updated)
    assert all(image(p) == "nginx:alpine" and restarts(p) == 0 for p in kept)
    st = c.get()["status"]
    assert (st["replicas"], st["readyReplicas"], st["availableReplicas"]) == (5, 5, 5)
    assert (st["updatedReplicas"], st["updatedReadyReplicas"], st["expectedUpdatedReplicas"]) == (2, 2, 2)
    assert st["currentRevision"] == old_rev != new_rev
    assert c.events("SuccessfulUpdatePodInPlace") == [
        f"successfully update pod {p['metadata']['name']} in-place(revision {new_rev})" for p in sorted(updated, key=_updated_at)
    ]
    assert sorted(c.events("SuccessfulCreate")) == [f"succeed to create pod {n}" for n in names]
    assert c.events("SuccessfulDelete") == []

    set_spec(c, partition=0)
    assert c.run_until(lambda: c.snapshot().complete)
    assert c.now == 80.0 + 3 * 37
    pods = c.pods()
    assert [p["metadata"]["name"] for p in pods] == names
    assert all(image(p) == "nginx:1.19.6-alpine" and restarts(p) == 1 for p in pods)
    st = c.get()["status"]
    assert st["currentRevision"] == st["updateRevision"] == new_rev


def _updated_at(pod: Obj) -> str:
    state = inplace.read_state(pod) or {}
    return str(state.get("updateTimestamp"))


def test_grace_period_keeps_the_old_image_while_the_pod_is_taken_out_of_service() -> None:
    c = seed_cluster()
    set_spec(c, image="nginx:1.19.6-alpine", partition=3)
    target = next(p for p in c.pods() if podfacts.revision(p) == c.get()["status"]["updateRevision"])
    name = target["metadata"]["name"]
    c.advance(9)  # within the 10 s grace period
    pod = c.store.get("Pod", "default", name)
    assert image(pod) == "nginx:alpine"
    assert inplace.condition(pod)["status"] == "False"  # type: ignore[index]
    assert next(x for x in pod["status"]["conditions"] if x["type"] == "Ready")["status"] == "False"
    assert pod["metadata"]["labels"]["lifecycle.apps.kruise.io/state"] == "Updating"
    assert inplace.GRACE_ANNOTATION in pod["metadata"]["annotations"]
    c.advance(1)  # grace over: the image is patched, the old container stops
    pod = c.store.get("Pod", "default", name)
    assert image(pod) == "nginx:1.19.6-alpine"
    assert inplace.GRACE_ANNOTATION not in pod["metadata"]["annotations"]
    cs = pod["status"]["containerStatuses"][0]
    # until the new container exists the kubelet reports the old one: the update is not complete
    assert (cs["image"], cs["imageID"], cs["restartCount"]) == ("nginx:alpine", "sim://nginx:alpine", 0)
    assert "terminated" in cs["state"] and not cs["ready"]
    assert pod["status"]["phase"] == "Running"
    c.advance(26)
    pod = c.store.get("Pod", "default", name)
    assert pod["metadata"]["labels"]["lifecycle.apps.kruise.io/state"] == "Updating"
    assert inplace.condition(pod)["status"] == "False"  # type: ignore[index]
    c.advance(1)  # 27 s after the patch the new container runs
    pod = c.store.get("Pod", "default", name)
    cs = pod["status"]["containerStatuses"][0]
    assert (cs["image"], cs["imageID"], cs["restartCount"]) == ("nginx:1.19.6-alpine", "sim://nginx:1.19.6-alpine", 1)
    assert inplace.condition(pod)["status"] == "True"  # type: ignore[index]
    assert pod["metadata"]["labels"]["lifecycle.apps.kruise.io/state"] == "Normal"
    assert next(x for x in pod["status"]["conditions"] if x["type"] == "Ready")["status"] == "True"


def test_paused_stops_updates_but_scale_out_uses_the_update_revision() -> None:
    c = seed_cluster()
    old = {p["metadata"]["name"] for p in c.pods()}
    set_spec(c, image="nginx:1.18.0", replicas=10, paused=True)
    c.advance(120)
    pods = c.pods()
    assert len(pods) == 10
    new_rev = c.get()["status"]["updateRevision"]
    assert {p["metadata"]["name"] for p in pods if podfacts.revision(p) == new_rev} == {p["metadata"]["name"] for p in pods} - old
    assert all(image(p) == "nginx:alpine" and restarts(p) == 0 for p in pods if p["metadata"]["name"] in old)
    assert c.events("SuccessfulUpdatePodInPlace") == []
    assert not c.snapshot().complete
    set_spec(c, paused=False)
    assert c.run_until(lambda: c.snapshot().complete)
    assert all(image(p) == "nginx:1.18.0" for p in c.pods())
    assert {p["metadata"]["name"] for p in c.pods()} >= old


def test_specified_deletion_replaces_the_pod_and_prunes_the_list() -> None:
    c = CloneSetCluster()
    c.store.create(cloneset("web", 3, type_="ReCreate"))
    assert c.run_until(lambda: c.snapshot().complete)
    victim = c.pods()[0]["metadata"]["name"]
    cs = clone(c.get())
    cs["spec"]["scaleStrategy"] = {"podsToDelete": [victim]}
    c.store.update(admit(cs, c.get()))
    c.manager.run_pending()
    names = {p["metadata"]["name"] for p in c.pods()}
    assert victim not in names and len(names) == 3
    assert c.events("SuccessfulDelete") == [f"succeed to delete pod {victim}"]
    assert c.run_until(lambda: c.snapshot().complete)
    c.advance(5)  # the victim's grace period: the name is dropped once the pod is gone
    assert c.get()["spec"]["scaleStrategy"]["podsToDelete"] == []


def test_specified_deletion_with_max_surge_creates_the_replacement_first() -> None:
    """D22–D25: maxUnavailable 0, maxSurge 1: create, wait until ready, then delete."""
    c = CloneSetCluster(Behaviour(start_seconds=5))
    c.store.create(cloneset("web", 5, type_="ReCreate", max_unavailable=0, max_surge=1))
    assert c.run_until(lambda: c.snapshot().complete)
    victim = c.pods()[0]
    labelled = clone(victim)
    labelled["metadata"]["labels"][podfacts.SPECIFIED_DELETE_LABEL] = "true"
    c.store.update(labelled)
    c.manager.run_pending()
    assert len(c.pods()) == 6 and victim["metadata"]["name"] in {p["metadata"]["name"] for p in c.pods()}
    c.advance(5)
    assert len(c.pods()) == 5 and victim["metadata"]["name"] not in {p["metadata"]["name"] for p in c.pods()}


def test_in_place_only_refuses_a_non_image_change() -> None:
    c = CloneSetCluster()
    c.store.create(cloneset("web", 3, type_="InPlaceOnly"))
    assert c.run_until(lambda: c.snapshot().complete)
    new = clone(c.get())
    new["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}]
    with pytest.raises(Invalid, match="spec.template: Forbidden: forbid to update fields in template other than image, when updateStrategy type is InPlaceOnly"):
        admit(new, c.get())
    # A change that got past admission anyway (written straight to the store) is refused per pod.
    before = {p["metadata"]["name"]: podfacts.revision(p) for p in c.pods()}
    c.store.update(new)
    c.manager.run_pending()
    c.advance(30)
    assert {p["metadata"]["name"]: podfacts.revision(p) for p in c.pods()} == before
    cond = next(x for x in c.get()["status"]["conditions"] if x["type"] == "FailedUpdate")
    assert "can not update in-place" in cond["message"]


def test_in_place_if_possible_recreates_on_a_non_image_change() -> None:
    c = CloneSetCluster()
    c.store.create(cloneset("web", 3))
    assert c.run_until(lambda: c.snapshot().complete)
    old = {p["metadata"]["name"] for p in c.pods()}
    new = clone(c.get())
    new["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}]
    c.store.update(admit(new, c.get()))
    assert c.run_until(lambda: c.snapshot().complete)
    assert not old & {p["metadata"]["name"] for p in c.pods()}
    assert len(c.events("SuccessfulUpdatePodReCreate")) == 3


def test_recreate_replaces_pods_within_max_unavailable() -> None:
    c = CloneSetCluster(Behaviour(start_seconds=2))
    c.store.create(cloneset("web", 5, type_="ReCreate", max_unavailable=2))
    assert c.run_until(lambda: c.snapshot().complete)
    old = {p["metadata"]["name"] for p in c.pods()}

    def check() -> None:
        s = c.snapshot()
        assert s.available >= 3 and s.pods <= 5

    set_spec(c, image="app:v2")
    check()
    assert c.run_until(lambda: c.snapshot().complete, each=check)
    pods = c.pods()
    assert not old & {p["metadata"]["name"] for p in pods}
    assert all(image(p) == "app:v2" and restarts(p) == 0 for p in pods)
    assert len(c.events("SuccessfulUpdatePodReCreate")) == 5


def test_max_surge_in_place_creates_a_surge_pod_then_removes_an_old_one() -> None:
    """D26–D29: with maxSurge 1 an old surplus and a new deficit use a surge pod first."""
    c = CloneSetCluster(Behaviour(start_seconds=2))
    c.store.create(cloneset("web", 5, max_unavailable=1, max_surge=1))
    assert c.run_until(lambda: c.snapshot().complete)
    peak = [0]

    def check() -> None:
        peak[0] = max(peak[0], len(c.pods()))
        assert len(c.pods()) <= 6

    set_spec(c, image="app:v2", partition=3)
    check()
    assert c.run_until(lambda: c.snapshot().complete, each=check)
    assert peak[0] == 6
    new_rev = c.get()["status"]["updateRevision"]
    assert sum(1 for p in c.pods() if podfacts.revision(p) == new_rev) == 2
    assert len(c.pods()) == 5


def test_simulation_is_deterministic() -> None:
    def run() -> list[str]:
        c = seed_cluster()
        set_spec(c, image="nginx:1.19.6-alpine", partition=0)
        assert c.run_until(lambda: c.snapshot().complete)
        return [p["metadata"]["name"] for p in c.pods()] + c.events("SuccessfulUpdatePodInPlace")

    assert run() == run()
