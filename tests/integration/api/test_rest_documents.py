"""The API's documents and bodies on the wire: OpenAPI negotiation, health without credentials,
protobuf request bodies (as kubectl 1.37 sends them), fieldValidation headers, review objects."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

BODIES = Path(__file__).resolve().parents[2] / "unit" / "apiserver" / "kubectl_protobuf"
PROTOBUF = "application/vnd.kubernetes.protobuf"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


def test_openapi_v2_answers_json_or_protobuf_as_asked(http: httpx.Client) -> None:
    as_json = http.get("/openapi/v2", headers={"Accept": "application/json"})
    assert as_json.status_code == 200 and as_json.json()["swagger"] == "2.0"
    assert "io.k8s.api.apps.v1.Deployment" in as_json.json()["definitions"]
    as_pb = http.get("/openapi/v2", headers={"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"})
    assert as_pb.status_code == 200 and as_pb.headers["Content-Type"] == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    assert as_pb.content.startswith(b"\x0a\x032.0")  # swagger = 1: "2.0"
    assert http.get("/openapi/v2", headers={"Accept": "text/html"}).status_code == 406


def test_openapi_v3_indexes_a_document_per_group_version(http: httpx.Client) -> None:
    index = http.get("/openapi/v3").json()["paths"]
    assert {"api/v1", "apis/apps/v1", "apis/apps.kruise.io/v1alpha1", "apis/tkex.tencent.com/v1alpha1"} <= set(index)
    apps = http.get(index["apis/apps/v1"]["serverRelativeURL"])
    assert apps.status_code == 200 and apps.json()["openapi"] == "3.0.0"
    assert "io.k8s.api.apps.v1.DeploymentSpec" in apps.json()["components"]["schemas"]
    assert http.get("/openapi/v3/apis/nope/v1").status_code == 404
    assert http.get("/openapi/v3", headers={"Accept": "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"}).status_code == 406


def test_health_and_version_need_no_credentials_but_a_wrong_token_is_refused(anonymous: httpx.Client) -> None:
    for path in ("/healthz", "/livez", "/readyz", "/readyz/ping"):
        r = anonymous.get(path)
        assert (r.status_code, r.text) == (200, "ok"), path
    verbose = anonymous.get("/readyz", params={"verbose": "", "exclude": "store"}).text.splitlines()
    assert verbose == ["[+]ping ok", "[+]store excluded: ok", "[+]shutdown ok", "readyz check passed"]
    assert anonymous.get("/version").json()["gitTreeState"] == "clean"
    assert anonymous.get("/version/").status_code == 200
    assert anonymous.get("/healthz", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert anonymous.get("/openapi/v3").status_code == 401
    assert anonymous.get("/apis").status_code == 401


def test_a_protobuf_body_creates_the_object_it_encodes(http: httpx.Client) -> None:
    body = (BODIES / "create-deployment-web-replicas-3-port-8080.bin").read_bytes()
    created = http.post(DEPLOYMENTS, content=body, headers={"Content-Type": PROTOBUF, "Accept": f"{PROTOBUF},application/json"})
    assert created.status_code == 201 and created.headers["Content-Type"].startswith("application/json")
    d = created.json()
    assert d["spec"]["replicas"] == 3 and d["spec"]["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    refused = http.post(DEPLOYMENTS, content=b"k8s\x00\x0a\x00", headers={"Content-Type": PROTOBUF})
    assert refused.status_code == 400 and "cannot be sent as protobuf" in refused.json()["message"]


def test_field_validation_warns_in_headers_or_refuses(http: httpx.Client) -> None:
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "fv"},
        "spec": {"replicaz": 2, "selector": {"matchLabels": {"app": "fv"}}, "template": {"metadata": {"labels": {"app": "fv"}}, "spec": {"containers": [{"name": "a", "image": "demo:v1"}]}}},
    }
    raw = json.dumps(manifest).replace('"replicaz": 2', '"replicaz": 2, "minReadySeconds": 1, "minReadySeconds": 2')
    strict = http.post(DEPLOYMENTS, params={"fieldValidation": "Strict"}, content=raw, headers={"Content-Type": "application/json"})
    assert strict.status_code == 400 and strict.json()["reason"] == "BadRequest"
    assert strict.json()["message"].endswith('strict decoding error: unknown field "spec.replicaz", duplicate field "spec.minReadySeconds"')
    warned = http.post(DEPLOYMENTS, content=raw, headers={"Content-Type": "application/json"})  # Warn is the default
    assert warned.status_code == 201 and warned.json()["spec"]["minReadySeconds"] == 2 and "replicaz" not in warned.json()["spec"]
    assert warned.headers.get_list("Warning") == ['299 - "unknown field \\"spec.replicaz\\""', '299 - "duplicate field \\"spec.minReadySeconds\\""']
    patch = http.patch(f"{DEPLOYMENTS}/fv", params={"fieldValidation": "Strict"}, content=b'{"spec": {"pausedd": true}}', headers={"Content-Type": "application/merge-patch+json"})
    assert patch.status_code == 400 and patch.json()["message"] == 'strict decoding error: unknown field "spec.pausedd"'
    ignored = http.patch(f"{DEPLOYMENTS}/fv", params={"fieldValidation": "Ignore"}, content=b'{"spec": {"pausedd": true}}', headers={"Content-Type": "application/merge-patch+json"})
    assert ignored.status_code == 200 and "Warning" not in ignored.headers


def test_reviews_answer_in_json_too(http: httpx.Client) -> None:
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}}
    r = http.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json=review)
    assert r.status_code == 201 and r.json()["status"]["allowed"] is True
    empty = http.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json={"spec": {}})
    assert empty.status_code == 400
    who = http.post("/apis/authentication.k8s.io/v1beta1/selfsubjectreviews", json={})
    assert who.json()["status"]["userInfo"]["username"] == "graceroll-admin"
