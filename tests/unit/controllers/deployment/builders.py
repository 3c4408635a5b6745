"""Short builders for Deployment-controller vectors: make_d(replicas, ms, mu), make_rs(name, replicas, available)."""

from __future__ import annotations

from typing import Any

from graceroll.controllers.deployment import util

Obj = dict[str, Any]
TEMPLATE = {"metadata": {"labels": {"app": "foo"}}, "spec": {"containers": [{"name": "c", "image": "foo:1"}]}}


def make_d(
    replicas: int = 10,
    ms: Any = 1,
    mu: Any = 1,
    strategy: str = "RollingUpdate",
    status_replicas: int = 0,
    pds: int | None = 600,
    generation: int = 1,
) -> Obj:
    spec: Obj = {"replicas": replicas, "selector": {"matchLabels": {"app": "foo"}}, "template": TEMPLATE}
    if strategy == "RollingUpdate":
        ru: Obj = {}
        if ms is not None:
            ru["maxSurge"] = ms
        if mu is not None:
            ru["maxUnavailable"] = mu
        spec["strategy"] = {"type": strategy, "rollingUpdate": ru}
    else:
        spec["strategy"] = {"type": strategy}
    if pds is not None:
        spec["progressDeadlineSeconds"] = pds
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "foo", "namespace": "default", "uid": "d-uid", "generation": generation},
        "spec": spec,
        "status": {"replicas": status_replicas},
    }


def make_rs(
    name: str,
    replicas: int,
    available: int = 0,
    created: str = "2017-01-01T00:00:00Z",
    annotations: dict[str, str] | None = None,
    status_replicas: int | None = None,
    revision: str | None = None,
) -> Obj:
    ann = dict(annotations or {})
    if revision is not None:
        ann[util.REVISION_ANNOTATION] = revision
    md: Obj = {"name": name, "namespace": "default", "uid": f"{name}-uid", "creationTimestamp": created, "generation": 1}
    if ann:
        md["annotations"] = ann
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": md,
        "spec": {"replicas": replicas, "template": TEMPLATE},
        "status": {
            "replicas": replicas if status_replicas is None else status_replicas,
            "availableReplicas": available,
            "observedGeneration": 1,
        },
    }
