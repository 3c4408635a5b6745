"""Small, valid objects for the API tests; each test changes only what it is about."""

from __future__ import annotations

from typing import Any

from graceroll.api.meta import Obj, clone


def container(name: str = "abc", image: str = "image", **extra: Any) -> Obj:
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "terminationMessagePolicy": "File",
        **extra,
    }


def template(labels: dict[str, str] | None = None, *containers: Obj) -> Obj:
    """upstream's ``validPodTemplate``: labels {name: abc}, one container, restartPolicy Always."""
    return {
        "metadata": {"labels": {"name": "abc"} if labels is None else labels},
        "spec": {
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
            "containers": list(containers) or [container()],
        },
    }


def deployment(name: str = "abc", **spec: Any) -> Obj:
    """upstream's ``validDeployment``: selector {name: abc}, RollingUpdate with maxSurge 1, maxUnavailable 1."""
    base: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"name": "abc"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}},
            "template": template(),
        },
    }
    base["spec"].update(spec)
    return base


def replicaset(name: str = "abc", **spec: Any) -> Obj:
    base: Obj = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"name": "abc"}}, "template": template()},
    }
    base["spec"].update(spec)
    return base


def pod(name: str = "p", *containers: Obj) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": list(containers) or [container()]},
    }


def service(name: str = "web", *ports: Obj, **spec: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": "web"}, "ports": list(ports) or [{"port": 80}], **spec},
    }


def with_path(obj: Obj, path: str, value: Any) -> Obj:
    """A copy of ``obj`` with ``value`` set at a dotted path (``None`` deletes it)."""
    out = clone(obj)
    node = out
    *parents, last = path.split(".")
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node.setdefault(p, {})
    if value is None:
        node.pop(last, None)
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out
