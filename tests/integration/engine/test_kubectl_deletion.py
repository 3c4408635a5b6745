"""kubectl delete against the engine: what must not lose data, and what upstream's deletion does.

Regressions: ``--dry-run=server`` deleted for real (kubectl sends dryRun in the DeleteOptions
body); ``--grace-period``/``--now`` on a Deployment left it marked for deletion forever.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .clients import Kubectl
from .harness import Engine, until


def web(namespace: str, replicas: int = 2, grace: int = 5) -> str:
    return f"""\
apiVersion: v1
kind: Namespace
metadata: {{name: {namespace}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {namespace}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      terminationGracePeriodSeconds: {grace}
      containers:
      - {{name: app, image: "demo:v1", ports: [{{containerPort: 8080}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: {namespace}}}
spec:
  selector: {{app: web}}
  ports: [{{port: 8080}}]
"""


@pytest.fixture(scope="module")
def kubectl(shared_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(shared_engine, tmp_path_factory.mktemp("home"))




def running(kubectl: Kubectl, ns: str, n: int) -> None:
    kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=90s")
    until(lambda: len(kubectl.json("get", "pods", "-n", ns)["items"]) == n, f"{n} pods")


def test_server_dry_run_deletes_nothing_single_or_by_selector(kubectl: Kubectl, shared_engine: Engine) -> None:
    kubectl.apply(web("dry"))
    running(kubectl, "dry", 2)
    out = kubectl("delete", "deployment", "web", "-n", "dry", "--dry-run=server").stdout
    assert 'deployment.apps "web" deleted (server dry run)' in out or "server dry run" in out
    assert "(server dry run)" in kubectl("delete", "pods", "--all", "-n", "dry", "--dry-run=server").stdout
    assert "(server dry run)" in kubectl("delete", "namespace", "dry", "--dry-run=server").stdout
    assert kubectl.json("get", "deployment", "web", "-n", "dry")["metadata"].get("deletionTimestamp") is None
    assert all(not p["metadata"].get("deletionTimestamp") for p in kubectl.json("get", "pods", "-n", "dry")["items"])
    assert kubectl.json("get", "namespace", "dry")["status"]["phase"] == "Active"
    # a collection delete with the options in its body, as client-go sends them
    r = shared_engine.api("DELETE", "/api/v1/namespaces/dry/pods", json={"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"]})
    assert r.status_code == 200 and len(r.json()["items"]) == 2
    assert all(not p["metadata"].get("deletionTimestamp") for p in kubectl.json("get", "pods", "-n", "dry")["items"])


@pytest.mark.parametrize("flag", ["--grace-period=30", "--now"])
def test_a_grace_period_on_a_deployment_deletes_it_at_once(kubectl: Kubectl, flag: str) -> None:
    ns = "grace" + flag.strip("-").split("=")[0].replace("-", "")
    kubectl.apply(web(ns))
    running(kubectl, ns, 2)
    started = time.monotonic()
    assert 'deployment.apps "web" deleted' in kubectl("delete", "deployment", "web", "-n", ns, flag, "--timeout=60s").stdout
    assert time.monotonic() - started < 30, "kubectl waited as if the Deployment had a grace period"
    gone = kubectl("get", "deployment", "web", "-n", ns, ok=False)
    assert 'deployments.apps "web" not found' in gone.stderr
    assert "(server dry run)" not in gone.stderr


def test_foreground_deletion_keeps_the_owner_until_its_pods_are_gone(kubectl: Kubectl) -> None:
    kubectl.apply(web("fg", grace=30))
    running(kubectl, "fg", 2)
    pods = [p["metadata"]["name"] for p in kubectl.json("get", "pods", "-n", "fg")["items"]]
    for pod in pods:  # held until the test lets go, however fast the app stops
        kubectl("patch", "pod", pod, "-n", "fg", "--type=merge", "-p", '{"metadata":{"finalizers":["example.com/hold"]}}')
    kubectl("delete", "deployment", "web", "-n", "fg", "--cascade=foreground", "--wait=false")
    owner = kubectl.json("get", "deployment", "web", "-n", "fg")
    assert owner["metadata"]["finalizers"] == ["foregroundDeletion"] and owner["metadata"]["deletionTimestamp"]
    rs = kubectl.json("get", "rs", "-n", "fg")["items"]
    assert [r["metadata"]["finalizers"] for r in rs] == [["foregroundDeletion"]]
    assert all(p["metadata"].get("deletionTimestamp") for p in kubectl.json("get", "pods", "-n", "fg")["items"])
    until(lambda: all(not (p.get("status") or {}).get("containerStatuses", [{}])[0].get("state", {}).get("running") for p in kubectl.json("get", "pods", "-n", "fg")["items"]), "the pods to stop")
    assert kubectl("get", "deployment", "web", "-n", "fg", ok=False).returncode == 0  # still there: its pods are
    for pod in pods:
        kubectl("patch", "pod", pod, "-n", "fg", "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    kubectl("wait", "--for=delete", "deployment/web", "-n", "fg", "--timeout=90s")
    assert kubectl.json("get", "pods", "-n", "fg")["items"] == []  # the owner went after its pods
    assert kubectl.json("get", "rs", "-n", "fg")["items"] == []


def test_orphan_deletion_keeps_the_replica_set_and_its_pods(kubectl: Kubectl) -> None:
    kubectl.apply(web("orphan"))
    running(kubectl, "orphan", 2)
    kubectl("delete", "deployment", "web", "-n", "orphan", "--cascade=orphan")
    [rs] = kubectl.json("get", "rs", "-n", "orphan")["items"]
    assert "ownerReferences" not in rs["metadata"]
    assert len(kubectl.json("get", "pods", "-n", "orphan")["items"]) == 2


def test_delete_answers_what_upstream_answers_per_kind(kubectl: Kubectl, shared_engine: Engine) -> None:
    kubectl.apply(web("answers", replicas=1))
    running(kubectl, "answers", 1)
    pod = kubectl.json("get", "pods", "-n", "answers")["items"][0]["metadata"]["name"]
    marked = shared_engine.api("DELETE", f"/api/v1/namespaces/answers/pods/{pod}").json()
    assert (marked["kind"], marked["metadata"]["deletionGracePeriodSeconds"]) == ("Pod", 5)  # graceful: the pod, marked
    svc = shared_engine.api("DELETE", "/api/v1/namespaces/answers/services/web").json()
    assert svc["kind"] == "Service"  # ReturnDeletedObject
    deployment = shared_engine.api("DELETE", "/apis/apps/v1/namespaces/answers/deployments/web").json()
    assert (deployment["kind"], deployment["status"], deployment["details"]["kind"], deployment["details"]["group"]) == ("Status", "Success", "deployments", "apps")
    assert deployment["details"]["name"] == "web" and deployment["details"]["uid"]


HELD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: doomed, finalizers: [example.com/hold]}\n"


def test_a_namespace_deletion_stops_its_pods_gracefully_and_removes_everything(kubectl: Kubectl, tmp_path: Path) -> None:
    kubectl.apply(web("doomed", grace=30))
    kubectl.apply(HELD)  # a finalizer nobody but the test removes keeps the namespace terminating
    running(kubectl, "doomed", 2)
    kubectl("delete", "namespace", "doomed", "--wait=false")
    assert kubectl.json("get", "namespace", "doomed")["status"]["phase"] == "Terminating"
    refused = kubectl.apply(web("doomed").split("---\n", 1)[1], ok=False)
    assert "unable to create new content in namespace doomed because it is being terminated" in refused.stderr
    until(lambda: not kubectl.json("get", "pods", "-n", "doomed")["items"], "the pods to stop")
    assert kubectl.json("get", "namespace", "doomed")["status"]["phase"] == "Terminating"
    kubectl("patch", "configmap", "held", "-n", "doomed", "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    kubectl("wait", "--for=delete", "namespace/doomed", "--timeout=90s")
    for kind in ("deployments", "replicasets", "pods", "services", "serviceaccounts", "events"):
        assert kubectl.json("get", kind, "-n", "doomed")["items"] == [], kind
    assert "namespace may not be deleted" in kubectl("delete", "namespace", "default", ok=False).stderr
