"""The simulated node and in-place updates: readiness gates, and a container restarted alone."""

from __future__ import annotations

from typing import Any

import graceroll.api.builtin  # noqa: F401
from graceroll.api.meta import clone
from graceroll.clock import VirtualClock, format_time
from graceroll.controllers.runtime import Manager
from graceroll.node.sim import Behaviour, Behaviours, SimNode, with_gates
from graceroll.store.memory import MemoryStore

Obj = dict[str, Any]


def setup() -> tuple[VirtualClock, MemoryStore, Manager]:
    clock = VirtualClock()
    store = MemoryStore(clock, seed=0)
    node = SimNode(store, clock, Behaviours(Behaviour(start_seconds=2), {"app:v2": Behaviour(start_seconds=5)}))
    return clock, store, Manager(store, clock, [node])


def settle(clock: VirtualClock, manager: Manager, until: float) -> None:
    manager.run_pending()
    while (due := manager.next_due()) is not None and due <= clock.start + until:
        clock.advance_to(due)
        manager.fire_due()
        manager.run_pending()
    clock.advance_to(clock.start + until)


def pod(gate: bool) -> Obj:
    spec: Obj = {"containers": [{"name": "app", "image": "app:v1"}]}
    if gate:
        spec["readinessGates"] = [{"conditionType": "InPlaceUpdateReady"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": spec}


def ready(p: Obj) -> str:
    return str(next(c for c in p["status"]["conditions"] if c["type"] == "Ready")["status"])


def test_ready_waits_for_the_readiness_gate() -> None:
    clock, store, manager = setup()
    store.create(pod(gate=True))
    settle(clock, manager, 10)
    p = store.get("Pod", "default", "p")
    assert ready(p) == "False"
    store.update_status(dict(p, status=dict(p["status"], conditions=p["status"]["conditions"] + [{"type": "InPlaceUpdateReady", "status": "True", "lastTransitionTime": format_time(clock.now())}])))
    settle(clock, manager, 10)
    p = store.get("Pod", "default", "p")
    assert ready(p) == "True"
    assert [c["type"] for c in p["status"]["conditions"]][-1] == "InPlaceUpdateReady"  # kept


def test_pods_without_gates_are_untouched() -> None:
    status = {"conditions": [{"type": "Ready", "status": "True"}]}
    assert with_gates(pod(gate=False), {}, status) is status


def test_an_image_change_restarts_the_container_in_place() -> None:
    clock, store, manager = setup()
    store.create(pod(gate=False))
    settle(clock, manager, 10)
    started = store.get("Pod", "default", "p")["status"]["startTime"]
    p = clone(store.get("Pod", "default", "p"))
    p["spec"]["containers"][0]["image"] = "app:v2"
    store.update(p)
    settle(clock, manager, 12)
    p = store.get("Pod", "default", "p")
    cs = p["status"]["containerStatuses"][0]
    # the old container stopped at 10 s; the new one does not exist yet, so its status stands
    assert (cs["image"], cs["imageID"], cs["restartCount"], cs["ready"]) == ("app:v1", "sim://app:v1", 0, False)
    assert cs["state"]["terminated"]["finishedAt"] == format_time(clock.start + 10)
    assert p["status"]["phase"] == "Running" and ready(p) == "False"
    settle(clock, manager, 15)  # app:v2 starts in 5 s
    p = store.get("Pod", "default", "p")
    cs = p["status"]["containerStatuses"][0]
    assert (cs["image"], cs["imageID"], cs["restartCount"]) == ("app:v2", "sim://app:v2", 1)
    assert cs["lastState"]["terminated"]["finishedAt"] == format_time(clock.start + 10)
    assert cs["ready"] and ready(p) == "True"
    assert p["status"]["startTime"] == started
