"""Namespaces on the engine: system namespaces, BCS namespaces for every kind, and old stores."""

from __future__ import annotations

import json
from pathlib import Path

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.api.loader import load_text
from graceroll.clock import SystemClock
from graceroll.store.sqlite import open_store

from .clients import Kubectl
from .harness import Engine
from .test_mesos import NS, runnable, two_nodes

SERVICE_IN_DEFAULT_GROUP = """\
apiVersion: v1
kind: Service
metadata: {name: test, namespace: defaultGroup}
spec:
  selector: {appname: test}
  ports: [{port: 80, targetPort: test-port}]  # by name: the update moves the port from 8000 to 8888
"""


OLD_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers: [{name: app, image: "demo:v1", ports: [{containerPort: 8080}]}]
"""


def yaml_doc(text: str) -> dict[str, object]:
    [doc] = load_text(text)
    return doc


def test_objects_in_a_missing_namespace_are_refused_and_system_ones_exist(engine: Engine, tmp_path: Path) -> None:
    kubectl = Kubectl(engine, tmp_path)
    names = [n["metadata"]["name"] for n in kubectl.json("get", "namespaces")["items"]]
    assert names == ["default", "kube-public", "kube-system"]
    refused = kubectl.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: nowhere}\n", ok=False)
    assert 'namespaces "nowhere" not found' in refused.stderr
    bad = kubectl.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop_eu}\n", ok=False)
    assert "a namespace name must consist of alphanumeric characters or '-'" in bad.stderr
    assert [r["metadata"]["name"] for r in kubectl.json("get", "serviceaccounts", "-n", "kube-system")["items"]] == ["default"]


def test_seed_003_and_a_service_live_in_default_group_and_verify_passes(engine: Engine, tmp_path: Path) -> None:
    """The BCS namespace (upper-case letters) holds the Mesos deployment and a Service, so
    graceroll verify tests the seed's update where it lives."""
    two_nodes(engine)
    kubectl = Kubectl(engine, tmp_path)
    engine.cli("apply", "-f", str(runnable("test1-1-0.json", tmp_path)))  # creates its namespace
    assert kubectl.json("get", "namespace", "defaultGroup")["status"]["phase"] == "Active"
    assert "service/test created" in kubectl.apply(SERVICE_IN_DEFAULT_GROUP).stdout
    engine.cli(*NS, "rollout", "status", "mdeploy/test", "--timeout", "60")
    r = engine.cli(*NS, "verify", "test", "--during", f"apply -f {runnable('test1-1-1.json', tmp_path)}", "--workload", "mdeploy/test", "--timeout", "120", "-o", "json", check=False)
    report = json.loads(r.out)
    assert r.code == 0 and report["requests"] > 0 and report["failed"] == 0, r.out + r.err


def test_an_older_store_gets_namespaces_for_what_it_holds(tmp_path: Path) -> None:
    """A data dir from before namespaces were objects: its objects stay visible and running."""
    engine = Engine(tmp_path / "data")
    engine.data_dir.mkdir()
    store = open_store(engine.dd.store, SystemClock())
    try:
        store.create(yaml_doc(OLD_DEPLOYMENT))
    finally:
        store.close()
    engine.start()
    try:
        kubectl = Kubectl(engine, tmp_path)
        assert kubectl.json("get", "namespace", "shop")["status"]["phase"] == "Active"
        kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout=90s")
        assert len(kubectl.json("get", "pods", "-n", "shop")["items"]) == 2
    finally:
        engine.kill_all()
