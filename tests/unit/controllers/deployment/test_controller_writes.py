"""The Deployment controller's writes, in order, for one reconcile (house rule 22).

Upstream's ``reconcileOldReplicaSets`` makes the unhealthy cleanup and the scale-down of
available old pods two separate scalings, each with its own ``ScalingReplicaSet`` event
(kubernetes/kubernetes:pkg/controller/deployment/rolling.go).
"""

from __future__ import annotations

from typing import Any

import graceroll.api.builtin  # noqa: F401
from graceroll.api.meta import clone, owner_reference
from graceroll.clock import VirtualClock
from graceroll.controllers.deployment import util
from graceroll.controllers.deployment.controller import DeploymentController
from graceroll.store.memory import MemoryStore

from ..harness import deployment
from ..recording import WriteRecorder

Obj = dict[str, Any]


def replica_set(store: MemoryStore, d: Obj, template: Obj, revision: str, replicas: int, available: int) -> Obj:
    hash_ = util.compute_hash(template, None)
    tpl = clone(template)
    tpl["metadata"]["labels"][util.POD_TEMPLATE_HASH_LABEL] = hash_
    selector = clone(d["spec"]["selector"])
    selector["matchLabels"][util.POD_TEMPLATE_HASH_LABEL] = hash_
    rs = store.create(
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": util.replica_set_name(d["metadata"]["name"], hash_),
                "namespace": "default",
                "labels": dict(tpl["metadata"]["labels"]),
                "ownerReferences": [owner_reference(d)],
                "annotations": {
                    util.REVISION_ANNOTATION: revision,
                    util.DESIRED_REPLICAS_ANNOTATION: "10",
                    util.MAX_REPLICAS_ANNOTATION: "13",
                },
            },
            "spec": {"replicas": replicas, "minReadySeconds": 0, "selector": selector, "template": tpl},
        }
    )
    status = {"replicas": replicas, "readyReplicas": available, "availableReplicas": available, "observedGeneration": 1}
    return store.update_status(dict(rs, status=status))


def test_unhealthy_cleanup_then_scale_down_are_two_writes_and_two_events() -> None:
    clock = VirtualClock()
    store = MemoryStore(clock, seed=0)
    d = store.create(deployment(replicas=10, image="app:v2", max_surge=3, max_unavailable=2))
    v1 = clone(d["spec"]["template"])
    v1["spec"]["containers"][0]["image"] = "app:v1"
    old = replica_set(store, d, v1, "1", replicas=10, available=8)
    clock.advance_to(clock.now() + 60)  # the new RS is the younger one
    new = replica_set(store, d, d["spec"]["template"], "2", replicas=3, available=3)
    d = store.update(dict(d, metadata=dict(d["metadata"], annotations={util.REVISION_ANNOTATION: "2"})))
    progressing = {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "lastUpdateTime": "2024-01-01T00:00:00Z", "lastTransitionTime": "2024-01-01T00:00:00Z"}
    store.update_status(dict(d, status={"conditions": [progressing]}))
    recorder = WriteRecorder(store)
    DeploymentController(recorder, clock).reconcile(("default", "web"))
    old_name = old["metadata"]["name"]
    assert recorder.writes == [
        ("update", "ReplicaSet", old_name, ""),
        ("create", "Event", f"ScalingReplicaSet: Scaled down replica set {old_name} to 8 from 10", ""),
        ("update", "ReplicaSet", old_name, ""),
        ("create", "Event", f"ScalingReplicaSet: Scaled down replica set {old_name} to 5 from 8", ""),
        ("update", "Deployment", "web", "status"),
    ]
    assert store.get("ReplicaSet", "default", old_name)["spec"]["replicas"] == 5
    assert store.get("ReplicaSet", "default", new["metadata"]["name"])["spec"]["replicas"] == 3
