"""Stock kubectl (1.37 and the machine's) and the official Python client without flags they should
not need: validation through the OpenAPI documents and fieldValidation, explain, protobuf bodies
of ``kubectl create deployment|service``, ``kubectl replace --force`` and ``kubectl auth``."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s

from ..kubectls import binaries
from .conftest import Api

TIMEOUT = 60.0
WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: app
        image: demo:v1
        resources: {{limits: {{cpu: "{cpu}"}}}}
{extra}"""
CLONESET = """\
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: clones}
spec:
  replicas: 2
  selector: {matchLabels: {app: clones}}
  template:
    metadata: {labels: {app: clones}}
    spec: {containers: [{name: app, image: demo:v1}]}
  updateStrategy: {type: InPlaceIfPossible, partition: 1}
"""


class Kubectl:
    def __init__(self, binary: Path, api: Api, home: Path) -> None:
        self.base = [str(binary), "--server", api.url, "--token", api.token, "--certificate-authority", str(api.ca)]
        self.home = home
        self.env = {"HOME": str(home), "KUBECONFIG": str(home / "kubeconfig"), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def __call__(self, *args: str, ok: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=TIMEOUT, env=self.env | (env or {}), stdin=subprocess.DEVNULL, check=False)
        if ok:
            assert p.returncode == 0, f"kubectl {' '.join(args)}: {p.stderr}"
        return p

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "-o", "json").stdout)

    def file(self, name: str, text: str) -> str:
        path = self.home / name
        path.write_text(text)
        return str(path)

    def web(self, name: str = "web", replicas: int = 1, cpu: str = "1", extra: str = "") -> str:
        return self.file(f"{name}.yaml", WEB.format(name=name, replicas=replicas, cpu=cpu, extra=extra))


@pytest.fixture(params=binaries())
def kubectl(request: pytest.FixtureRequest, api: Api, tmp_path: Path) -> Kubectl:
    return Kubectl(request.param, api, tmp_path)


def test_apply_create_replace_and_edit_validate_without_flags(kubectl: Kubectl) -> None:
    assert "deployment.apps/web created" in kubectl("apply", "-f", kubectl.web()).stdout
    assert "deployment.apps/web configured" in kubectl("apply", "-f", kubectl.web(replicas=2, cpu="2")).stdout
    d = kubectl.json("get", "deploy", "web")
    assert d["spec"]["replicas"] == 2 and d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"] == {"cpu": "2"}
    assert "deployment.apps/other created" in kubectl("create", "-f", kubectl.web("other")).stdout
    assert "deployment.apps/other replaced" in kubectl("replace", "-f", kubectl.web("other", replicas=3)).stdout
    assert kubectl.json("get", "deploy", "other")["spec"]["replicas"] == 3
    edited = kubectl("edit", "deployment/other", env={"KUBE_EDITOR": "sed -i s/replicas:\\ 3/replicas:\\ 4/"})
    assert "deployment.apps/other edited" in edited.stdout
    assert kubectl.json("get", "deploy", "other")["spec"]["replicas"] == 4
    assert "cloneset.apps.kruise.io/clones created" in kubectl("apply", "-f", kubectl.file("clones.yaml", CLONESET)).stdout
    assert "warning" not in (kubectl("apply", "-f", kubectl.file("clones.yaml", CLONESET.replace("partition: 1", "partition: 0"))).stderr).lower()


def test_a_list_document_is_validated_with_the_v2_document(kubectl: Kubectl) -> None:
    # kubectl validates `kind: List` documents client-side, from /openapi/v2 (as protobuf)
    items = [json.loads(json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": n}, "spec": {"ports": [{"port": 80}]}})) for n in ("a", "b")]
    listed = kubectl.file("list.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    out = kubectl("apply", "-f", listed).stdout
    assert "service/a created" in out and "service/b created" in out
    items[0]["spec"]["portz"] = []
    bad = kubectl("apply", "-f", kubectl.file("bad-list.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": items})), ok=False)
    assert bad.returncode == 1 and "portz" in bad.stderr


def test_unknown_and_duplicate_fields_are_refused_by_default_warned_or_ignored_on_request(kubectl: Kubectl) -> None:
    bad = kubectl.web("bad", extra="        imagePullPolicyy: Never\n")
    refused = kubectl("apply", "-f", bad, ok=False)
    assert refused.returncode == 1
    assert 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy"' in refused.stderr
    assert kubectl("get", "deploy", "bad", ok=False).returncode == 1  # nothing was stored
    warned = kubectl("apply", "--validate=warn", "-f", bad)
    assert 'Warning: unknown field "spec.template.spec.containers[0].imagePullPolicyy"' in warned.stderr
    assert "imagePullPolicyy" not in json.dumps(kubectl.json("get", "deploy", "bad")["spec"])
    quiet = kubectl("create", "--validate=false", "-f", kubectl.web("quiet", extra="        imagePullPolicyy: Never\n"))
    assert "Warning" not in quiet.stderr and "deployment.apps/quiet created" in quiet.stdout


def test_replace_force_recreates_and_never_loses_the_object(kubectl: Kubectl) -> None:
    path = kubectl.web(replicas=2)
    kubectl("apply", "-f", path)
    uid = kubectl.json("get", "deploy", "web")["metadata"]["uid"]
    assert "deployment.apps/web replaced" in kubectl("replace", "--force", "-f", path).stdout
    replaced = kubectl.json("get", "deploy", "web")
    assert replaced["metadata"]["uid"] != uid and replaced["spec"]["replicas"] == 2
    # kubectl deletes, then sends the new manifest; the server refuses it and puts the old object back
    broken = kubectl("replace", "--force", "-f", kubectl.web(replicas=7, extra="        imagePullPolicyy: Never\n"), ok=False)
    assert broken.returncode == 1
    assert 'unknown field "spec.template.spec.containers[0].imagePullPolicyy"' in broken.stderr
    assert 'the Deployment "web" that kubectl replace --force deleted was created again' in broken.stderr
    restored = kubectl.json("get", "deploy", "web")
    assert restored["spec"]["replicas"] == 2 and restored["metadata"]["uid"] != replaced["metadata"]["uid"]


def test_explain_prints_the_fields_and_their_descriptions(kubectl: Kubectl) -> None:
    strategy = kubectl("explain", "deployment.spec.strategy").stdout
    assert "KIND:       Deployment" in strategy and "FIELD: strategy <DeploymentStrategy>" in strategy
    assert "rollingUpdate\t<RollingUpdateDeployment>" in strategy and '"Recreate"' in strategy
    clones = kubectl("explain", "cloneset.spec.updateStrategy").stdout
    assert "GROUP:      apps.kruise.io" in clones and "partition" in clones and "keep the old revision" in clones
    recursive = kubectl("explain", "gamestatefulset.spec", "--recursive").stdout
    assert "updateStrategy\t<UpdateStrategy>" in recursive and "canary" in recursive
    v2 = kubectl("explain", "deployment.spec.strategy", "--output=plaintext-openapiv2").stdout
    assert "RESOURCE: strategy <Object>" in v2
    assert kubectl("explain", "deployment.spec.nope", ok=False).returncode == 1


def test_create_deployment_and_service_send_protobuf_bodies(kubectl: Kubectl) -> None:
    assert "deployment.apps/pb created" in kubectl("create", "deployment", "pb", "--image=demo:v1", "--replicas=2", "--port=8080").stdout
    d = kubectl.json("get", "deploy", "pb")
    assert d["spec"]["replicas"] == 2 and d["spec"]["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    kubectl("rollout", "status", "deployment/pb", "--timeout=30s")
    kubectl("create", "deployment", "none", "--image=demo:v1", "--replicas=0")
    assert kubectl.json("get", "deploy", "none")["spec"]["replicas"] == 0
    assert "service/pb created" in kubectl("create", "service", "clusterip", "pb", "--tcp=80:8080").stdout
    s = kubectl.json("get", "svc", "pb")
    assert s["spec"]["ports"] == [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}] and s["spec"]["selector"] == {"app": "pb"}
    kubectl("create", "service", "nodeport", "np", "--tcp=80:http")
    assert kubectl.json("get", "svc", "np")["spec"]["ports"][0]["targetPort"] == "http"


def test_auth_can_i_and_whoami(kubectl: Kubectl) -> None:
    assert kubectl("auth", "can-i", "create", "deployments").stdout.strip() == "yes"
    assert kubectl("auth", "can-i", "delete", "pods", "--namespace", "kube-system").stdout.strip() == "yes"
    rules = kubectl("auth", "can-i", "--list").stdout.split("\n")
    assert rules[0].split() == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"] and rules[1].split()[0] == "*.*"
    whoami = kubectl("auth", "whoami").stdout
    assert "graceroll-admin" in whoami and "system:masters" in whoami


def test_the_python_client_reads_the_version_and_asks_for_access(api: Api) -> None:
    config = k8s.Configuration()
    config.host = api.url
    config.api_key = {"authorization": f"Bearer {api.token}"}
    config.ssl_ca_cert = str(api.ca)
    with k8s.ApiClient(config) as c:
        info = k8s.VersionApi(c).get_code()
        assert (info.major, info.minor) == ("1", "33") and info.git_version.startswith("v1.33.0")
        assert all([info.build_date, info.compiler, info.git_commit, info.git_tree_state, info.go_version, info.platform])
        review = k8s.V1SelfSubjectAccessReview(spec=k8s.V1SelfSubjectAccessReviewSpec(resource_attributes=k8s.V1ResourceAttributes(verb="delete", resource="pods")))
        assert k8s.AuthorizationV1Api(c).create_self_subject_access_review(review).status.allowed is True
