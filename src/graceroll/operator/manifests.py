"""The objects that install graceroll as an operator, in the order ``kubectl apply`` needs them.

Namespace, the CRDs of the chosen controllers (and only those: a cluster running OpenKruise
already has ``clonesets.apps.kruise.io``, and graceroll must not replace it), a ServiceAccount, a
ClusterRole with the rules those controllers need (``operator/rbac.py``), its binding, and a
Deployment running ``graceroll operator run --in-cluster``.

The Deployment has one replica and the ``Recreate`` strategy: graceroll has no leader election, so
the old operator pod must be gone before a new one starts, or two operators would reconcile the
same objects at once.
"""

from __future__ import annotations

from typing import Any

from graceroll.api.apps_v1 import DEPLOYMENT
from graceroll.operator import crds, rbac
from graceroll.operator.choice import CONTROLLERS, checked

Obj = dict[str, Any]
NAME = "graceroll-operator"
LABELS = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "graceroll"}
SELECTOR = {"app.kubernetes.io/name": NAME}
USER_ID = 10001  # the image's non-root user (deploy/Dockerfile)
RBAC_API_VERSION = "rbac.authorization.k8s.io/v1"


def render(namespace: str, image: str, controllers: tuple[str, ...] = CONTROLLERS) -> list[Obj]:
    """Every document, in apply order; CRDs and rules for the chosen controllers only."""
    chosen = checked(controllers)
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": dict(LABELS)}},
        *(crds.crd(k, LABELS) for k in crds.kinds_for(chosen)),
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(NAME, namespace)},
        {"apiVersion": RBAC_API_VERSION, "kind": "ClusterRole", "metadata": _meta(NAME), "rules": rbac.rules(chosen)},
        {
            "apiVersion": RBAC_API_VERSION,
            "kind": "ClusterRoleBinding",
            "metadata": _meta(NAME),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME},
            "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": namespace}],
        },
        deployment(namespace, image, chosen),
    ]


def deployment(namespace: str, image: str, controllers: tuple[str, ...]) -> Obj:
    """One replica, Recreate: never two operators at once (there is no leader election)."""
    container: Obj = {
        "name": "operator",
        "image": image,
        "args": ["operator", "run", "--in-cluster", "--controllers", ",".join(controllers)],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }
    pod_security: Obj = {
        "runAsNonRoot": True,
        "runAsUser": USER_ID,
        "runAsGroup": USER_ID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    return {
        "apiVersion": DEPLOYMENT.api_version,
        "kind": DEPLOYMENT.kind,
        "metadata": _meta(NAME, namespace),
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": dict(SELECTOR)},
            "template": {
                "metadata": {"labels": dict(LABELS)},
                "spec": {"serviceAccountName": NAME, "securityContext": pod_security, "containers": [container]},
            },
        },
    }


def _meta(name: str, namespace: str | None = None) -> Obj:
    md: Obj = {"name": name, "labels": dict(LABELS)}
    if namespace is not None:
        md["namespace"] = namespace
    return md
