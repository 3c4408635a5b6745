"""``run_operator`` against a stand-in cluster: CloneSets and GameStatefulSets roll out, update in
place, invalid objects are refused with a Warning, and a restarted operator picks up where the
cluster is."""

from __future__ import annotations

from typing import Any

from graceroll.api.meta import clone
from graceroll.errors import Conflict

from .conftest import Env

NS = "default"
Obj = dict[str, Any]


def cloneset(name: str, replicas: int, image: str, update_type: str = "InPlaceIfPossible") -> Obj:
    return {
        "apiVersion": "apps.kruise.io/v1alpha1",
        "kind": "CloneSet",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "replicas": replicas,
            "updateStrategy": {"type": update_type, "maxUnavailable": 1},
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": image}]}},
        },
    }


def gamestatefulset(name: str, replicas: int, image: str, partition: int) -> Obj:
    return {
        "apiVersion": "tkex.tencent.com/v1alpha1",
        "kind": "GameStatefulSet",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "serviceName": name,
            "podManagementPolicy": "Parallel",
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": image}]}},
            "updateStrategy": {"type": "InplaceUpdate", "rollingUpdate": {"partition": partition}},
        },
    }


def is_ready(pod: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in pod.get("status", {}).get("conditions") or [])


def image_of(pod: Obj) -> str:
    return str(pod["spec"]["containers"][0]["image"])


def pods(env: Env, app: str) -> list[Obj]:
    return [p for p in env.rest.list("Pod", NS) if (p["metadata"].get("labels") or {}).get("app") == app and not p["metadata"].get("deletionTimestamp")]


def ready_pods(env: Env, app: str, count: int, image: str) -> list[Obj] | None:
    found = pods(env, app)
    ok = len(found) == count and all(is_ready(p) and image_of(p) == image for p in found)
    return found if ok else None


def set_image(env: Env, kind: str, name: str, image: str, attempts: int = 5) -> None:
    """Read, change, write; the operator may write the object in between (its spec defaults, a
    paused flag), so a conflict is retried on the newer version, as a client must."""
    for attempt in range(attempts):
        obj = clone(env.rest.get(kind, NS, name))
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = image
        try:
            env.rest.update(obj)
            return
        except Conflict:
            if attempt == attempts - 1:
                raise


def status_of(env: Env, kind: str, name: str) -> Obj:
    return dict(env.rest.get(kind, NS, name).get("status") or {})


def test_cloneset_rolls_out_and_updates_in_place(env: Env) -> None:
    env.start_operator()
    env.rest.create(cloneset("web", 3, "demo:v1"))

    before = env.wait_for("3 Ready pods", lambda: ready_pods(env, "web", 3, "demo:v1"))
    env.wait_for("readyReplicas 3", lambda: status_of(env, "CloneSet", "web").get("readyReplicas") == 3)
    set_image(env, "CloneSet", "web", "demo:v2")

    after = env.wait_for("3 Ready pods on demo:v2", lambda: ready_pods(env, "web", 3, "demo:v2"))
    env.wait_for(
        "updatedReplicas 3",
        lambda: (s := status_of(env, "CloneSet", "web")).get("updatedReplicas") == 3 and s.get("updatedReadyReplicas") == 3,
    )
    assert {(p["metadata"]["name"], p["metadata"]["uid"]) for p in after} == {(p["metadata"]["name"], p["metadata"]["uid"]) for p in before}
    assert all(p["status"]["containerStatuses"][0]["restartCount"] >= 1 for p in after)  # restarted in place, not recreated


def test_gamestatefulset_updates_in_place_from_the_partition_up(env: Env) -> None:
    env.start_operator()
    env.rest.create(gamestatefulset("game", 4, "demo:v1", partition=2))
    before = {p["metadata"]["name"]: p["metadata"]["uid"] for p in env.wait_for("4 Ready pods", lambda: ready_pods(env, "game", 4, "demo:v1"))}
    assert sorted(before) == ["game-0", "game-1", "game-2", "game-3"]

    set_image(env, "GameStatefulSet", "game", "demo:v2")
    env.wait_for("2 updated replicas", lambda: status_of(env, "GameStatefulSet", "game").get("updatedReplicas") == 2)
    env.wait_for("ordinals 2 and 3 Ready on demo:v2", lambda: all(is_ready(p) and image_of(p) == "demo:v2" for p in pods(env, "game") if p["metadata"]["name"] in ("game-2", "game-3")))

    now = {p["metadata"]["name"]: p for p in pods(env, "game")}
    assert {n: p["metadata"]["uid"] for n, p in now.items()} == before  # same pods: in place
    assert {n: image_of(p) for n, p in now.items()} == {"game-0": "demo:v1", "game-1": "demo:v1", "game-2": "demo:v2", "game-3": "demo:v2"}


def test_an_invalid_cloneset_gets_a_warning_and_is_left_alone(env: Env) -> None:
    env.start_operator()
    env.rest.create(cloneset("bad", 2, "demo:v1", update_type="Bogus"))
    warning = env.wait_for(
        "a Warning event on the invalid CloneSet",
        lambda: [e for e in env.rest.list("Event", NS) if e["involvedObject"]["name"] == "bad" and e["type"] == "Warning"],
    )
    assert "spec.updateStrategy.type" in warning[0]["message"] and "Unsupported value" in warning[0]["message"]
    assert warning[0]["involvedObject"]["kind"] == "CloneSet"

    env.rest.create(cloneset("good", 1, "demo:v1"))  # created after: once it is served, "bad" was seen and skipped
    env.wait_for("the valid CloneSet's pod", lambda: ready_pods(env, "good", 1, "demo:v1"))
    assert pods(env, "bad") == []
    assert status_of(env, "CloneSet", "bad") == {}
    assert len([e for e in env.rest.list("Event", NS) if e["involvedObject"]["name"] == "bad"]) == 1  # once per resourceVersion


def test_a_restarted_operator_catches_up_with_changes_made_while_it_was_down(env: Env) -> None:
    first = env.start_operator()
    env.rest.create(cloneset("api", 2, "demo:v1"))
    env.wait_for("2 Ready pods", lambda: ready_pods(env, "api", 2, "demo:v1"))
    first.stop()

    scaled = clone(env.rest.get("CloneSet", NS, "api"))
    scaled["spec"]["replicas"] = 3
    env.rest.update(scaled)
    gone = pods(env, "api")[0]["metadata"]
    env.rest.delete("Pod", NS, gone["name"], grace_period_seconds=0)

    env.start_operator()
    found = env.wait_for("3 Ready pods after the restart", lambda: ready_pods(env, "api", 3, "demo:v1"))
    assert gone["uid"] not in {p["metadata"]["uid"] for p in found}
    env.wait_for("readyReplicas 3", lambda: status_of(env, "CloneSet", "api").get("readyReplicas") == 3)


def test_the_operator_can_be_limited_to_some_controllers(env: Env) -> None:
    env.start_operator(controllers=("gamestatefulset", "hookrun"))
    env.rest.create(cloneset("kruise-owned", 1, "demo:v1"))
    env.rest.create(gamestatefulset("ours", 1, "demo:v1", partition=0))
    env.wait_for("the GameStatefulSet's pod", lambda: ready_pods(env, "ours", 1, "demo:v1"))
    assert pods(env, "kruise-owned") == []
