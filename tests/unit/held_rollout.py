"""A Deployment held mid-rollout on the simulated cluster: 4 replicas of app:v1, then app:v2 that
never turns ready, maxSurge 1 / maxUnavailable 0, so it stays at 4 desired, 1 updated, 4 ready."""

from __future__ import annotations

from graceroll.node.sim import Behaviour

from .controllers.harness import Cluster, deployment


def held_cluster() -> Cluster:
    c = Cluster(images={"app:v2": Behaviour(never_ready=True)})
    c.store.create(deployment(replicas=4, max_surge=1, max_unavailable=0))
    assert c.run_until(lambda: c.snapshot().complete)
    c.edit("web", lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image="app:v2"))
    c.advance(30)
    return c
