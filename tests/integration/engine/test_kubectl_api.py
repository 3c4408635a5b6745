"""What kubectl and the official Python client expect of the API, on the engine with real pods:
pagination, Service addresses, pod creation and update rules, logs, init containers, Events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .clients import Kubectl, python_client
from .harness import Engine, until


@pytest.fixture(scope="module")
def kubectl(shared_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(shared_engine, tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def core(shared_engine: Engine) -> Any:
    from kubernetes import client

    return client.CoreV1Api(python_client(shared_engine))


def namespace(kubectl: Kubectl, name: str) -> str:
    kubectl.apply(f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}}}\n")
    return name




def test_lists_come_in_pages_of_one_snapshot(kubectl: Kubectl, core: Any) -> None:
    ns = namespace(kubectl, "pages")
    for i in range(7):
        kubectl.apply(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}, namespace: {ns}}}\ndata: {{i: '{i}'}}\n")
    rows = kubectl("get", "configmaps", "-n", ns, "--chunk-size=2", "--no-headers").stdout.splitlines()
    assert [r.split()[0] for r in rows] == ["c0", "c1", "c2", "c3", "c4", "c5", "c6"]
    first = core.list_namespaced_config_map(ns, limit=3)
    assert [c.metadata.name for c in first.items] == ["c0", "c1", "c2"] and first.metadata.remaining_item_count == 4
    kubectl("delete", "configmap", "c4", "-n", ns)  # between two pages: the snapshot still has it
    rest = core.list_namespaced_config_map(ns, limit=10, _continue=first.metadata._continue)
    assert [c.metadata.name for c in rest.items] == ["c3", "c4", "c5", "c6"]
    assert rest.metadata.resource_version == first.metadata.resource_version and not rest.metadata._continue


def test_a_service_has_its_cluster_ip_in_the_create_answer_and_keeps_it(kubectl: Kubectl, core: Any) -> None:
    from kubernetes import client

    ns = namespace(kubectl, "addresses")
    body = client.V1Service(metadata=client.V1ObjectMeta(name="web"), spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(port=80)]))
    made = core.create_namespaced_service(ns, body)
    assert made.spec.cluster_ip.startswith("127.1.") and made.spec.cluster_i_ps == [made.spec.cluster_ip]
    moved = kubectl("patch", "service", "web", "-n", ns, "-p", '{"spec":{"clusterIP":"127.1.250.250"}}', ok=False)
    assert "spec.clusterIPs[0]: Invalid value" in moved.stderr and "may not change once set" in moved.stderr
    manifest = f"apiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: {ns}}}\nspec: {{selector: {{app: web}}, ports: [{{port: 80}}]}}\n"
    kubectl("replace", "-f", "-", stdin=manifest)  # no clusterIP in the manifest: kept
    assert kubectl.json("get", "service", "web", "-n", ns)["spec"]["clusterIP"] == made.spec.cluster_ip


def test_a_pod_is_pending_from_creation_and_its_spec_is_fixed(kubectl: Kubectl, core: Any) -> None:
    from kubernetes import client

    ns = namespace(kubectl, "pods")
    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name="solo"),
        spec=client.V1PodSpec(termination_grace_period_seconds=1, containers=[client.V1Container(name="app", image="demo:v1", ports=[client.V1ContainerPort(container_port=8080)])]),
    )
    made = core.create_namespaced_pod(ns, pod)
    assert made.status.phase == "Pending" and made.status.qos_class == "BestEffort"
    assert made.spec.service_account_name == "default"
    until(lambda: core.read_namespaced_pod("solo", ns).status.phase == "Running", "the pod to run")
    refused = kubectl("patch", "pod", "solo", "-n", ns, "--type=json", "-p", '[{"op":"replace","path":"/spec/containers/0/ports/0/containerPort","value":9090}]', ok=False)
    assert "pod updates may not change fields other than `spec.containers[*].image`" in refused.stderr
    assert "spec.containers[0].ports[0].containerPort" in refused.stderr
    kubectl("label", "pod", "solo", "-n", ns, "tier=front")  # metadata may change
    kubectl("set", "image", "pod/solo", "-n", ns, "app=demo:v2")  # and the image
    missing = kubectl.apply(
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: other, namespace: {ns}}}\n"
        "spec: {serviceAccountName: nobody, containers: [{name: a, image: demo:v1}]}\n",
        ok=False,
    )
    assert 'error looking up service account pods/nobody: serviceaccount "nobody" not found' in missing.stderr


CRASHER = """\
apiVersion: v1
kind: Pod
metadata: {{name: talk, namespace: {ns}}}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - {{name: setup, image: tool:v1, command: ["/bin/sh", "-c", "echo preparing; sleep 1"]}}
  containers:
  - name: app
    image: tool:v1
    command: ["/bin/sh", "-c", "echo run $(cat /proc/self/stat | cut -d' ' -f1); for i in 1 2 3 4 5; do echo line $i; done; sleep 2; exit 1"]
"""


def test_logs_of_runs_with_kubectls_options_and_init_containers(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "logs")
    kubectl.apply(CRASHER.format(ns=ns))
    status = until(lambda: (s := kubectl("get", "pod", "talk", "-n", ns, "--no-headers").stdout.split()) and s[2].startswith("Init:") and s, "Init:0/1")
    assert status[2] == "Init:0/1"
    assert kubectl("logs", "talk", "-n", ns, "-c", "setup").stdout == "preparing\n"
    until(lambda: kubectl.json("get", "pod", "talk", "-n", ns)["status"]["containerStatuses"][0]["restartCount"] >= 1, "a restart", 90)
    previous = kubectl("logs", "talk", "-n", ns, "--previous").stdout
    assert previous.splitlines()[1:] == ["line 1", "line 2", "line 3", "line 4", "line 5"]
    assert kubectl("logs", "talk", "-n", ns, "--tail=2", "--previous").stdout == "line 4\nline 5\n"
    assert kubectl("logs", "talk", "-n", ns, "--limit-bytes=7", "--previous").stdout == previous[:7]
    stamped = kubectl("logs", "talk", "-n", ns, "--timestamps", "--previous", "--tail=1").stdout
    stamp, _, text = stamped.partition(" ")
    assert text == "line 5\n" and stamp.endswith("Z") and "T" in stamp
    assert kubectl("logs", "talk", "-n", ns, "--previous", f"--since-time={_after(stamp)}").stdout == ""
    assert kubectl("logs", "talk", "-n", ns, "--previous", "--since=1h").stdout == previous
    init = kubectl.json("get", "pod", "talk", "-n", ns)["status"]["initContainerStatuses"][0]
    assert init["state"]["terminated"]["reason"] == "Completed"
    fresh = kubectl.apply(CRASHER.format(ns=ns).replace("name: talk", "name: quiet").replace("exit 1", "sleep 60"))
    assert fresh.returncode == 0
    until(lambda: "Running" in kubectl("get", "pod", "quiet", "-n", ns).stdout, "quiet to run")
    none = kubectl("logs", "quiet", "-n", ns, "--previous", ok=False)
    assert 'previous terminated container "app" in pod "quiet" not found' in none.stderr


def _after(stamp: str) -> str:
    """An RFC 3339 time (seconds) after the given one."""
    from graceroll.clock import format_time, parse_time

    return format_time(int(parse_time(stamp)) + 2)


def test_events_are_served_as_events_k8s_io_too(kubectl: Kubectl, shared_engine: Engine) -> None:
    from kubernetes import client

    ns = namespace(kubectl, "events")
    kubectl.apply(f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: {ns}}}\nspec: {{terminationGracePeriodSeconds: 1, containers: [{{name: a, image: demo:v1}}]}}\n")
    until(lambda: "Started" in kubectl("events", "-n", ns).stdout, "the Started event in kubectl events")
    rows = kubectl("get", "events.v1.events.k8s.io", "-n", ns).stdout.splitlines()
    assert rows[0].split()[:4] == ["LAST", "SEEN", "TYPE", "REASON"]
    events = client.EventsV1Api(python_client(shared_engine))
    started = next(e for e in events.list_namespaced_event(ns).items if e.reason == "Started")
    assert (started.regarding.kind, started.regarding.name, started.note, started.reporting_controller) == ("Pod", "p", "Started container a", "kubelet")
    assert started.event_time is not None and started.deprecated_count == 1
    made = events.create_namespaced_event(ns, client.EventsV1Event(
        metadata=client.V1ObjectMeta(name="mine"), event_time="2026-01-01T00:00:00.000000Z", reporting_controller="example.com/deployer",
        reporting_instance="deployer-1", action="Deploy", reason="Deployed", type="Normal", note="release 7",
        regarding=client.V1ObjectReference(api_version="v1", kind="Pod", name="p", namespace=ns)))
    assert made.note == "release 7"
    legacy = client.CoreV1Api(python_client(shared_engine)).read_namespaced_event("mine", ns)
    assert (legacy.message, legacy.involved_object.name, legacy.reporting_component) == ("release 7", "p", "example.com/deployer")
    assert "Deployed" in kubectl("events", "-n", ns, "--for", "pod/p").stdout


def test_cluster_scoped_and_namespaced_lists_in_discovery(kubectl: Kubectl, tmp_path: Path) -> None:
    resources = {line.split()[0] for line in kubectl("api-resources", "--no-headers").stdout.splitlines()}
    assert {"namespaces", "configmaps", "secrets", "serviceaccounts", "events"} <= resources
