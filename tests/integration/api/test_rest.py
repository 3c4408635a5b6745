"""The API's Kubernetes REST conventions on the wire: auth, Status codes, Tables, watch, dry run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from graceroll.api.loader import load_path

from .conftest import Api

SERVICES = "/api/v1/namespaces/default/services"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
SERVICE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
}


def deployment(name: str, replicas: int = 1, labels: dict[str, str] | None = None) -> dict[str, Any]:
    selector = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector},
            "template": {"metadata": {"labels": labels or selector}, "spec": {"containers": [{"name": "app", "image": "demo:v1"}]}},
        },
    }


def assert_status(r: httpx.Response, code: int, reason: str) -> dict[str, Any]:
    body: dict[str, Any] = r.json()
    assert r.status_code == code, body
    assert (body["kind"], body["apiVersion"], body["status"], body["code"], body["reason"]) == ("Status", "v1", "Failure", code, reason)
    return body


def test_requests_without_the_bearer_token_get_401_and_change_nothing(http: httpx.Client, anonymous: httpx.Client, api: Api) -> None:
    before = http.post(SERVICES, json=SERVICE).json()
    other = json.dumps(dict(SERVICE, metadata={"name": "other"}))
    merge = {"Content-Type": "application/merge-patch+json"}
    attempts = [
        anonymous.get("/api"),
        anonymous.get(SERVICES),
        anonymous.post(SERVICES, content=other, headers={"Content-Type": "application/json"}),
        anonymous.put(f"{SERVICES}/web", json=dict(before, spec=dict(before["spec"], selector={"app": "x"}))),
        anonymous.patch(f"{SERVICES}/web", content=b'{"metadata":{"labels":{"x":"y"}}}', headers=merge),
        anonymous.delete(f"{SERVICES}/web"),
        anonymous.delete(f"{SERVICES}/web", headers={"Authorization": "Bearer wrong"}),
        anonymous.delete(f"{SERVICES}/web", headers={"Authorization": f"Basic {api.token}"}),
    ]
    for r in attempts:
        assert_status(r, 401, "Unauthorized")
    assert http.get(f"{SERVICES}/web").json() == before
    assert [s["metadata"]["name"] for s in http.get(SERVICES).json()["items"]] == ["web"]


def test_errors_are_status_objects_with_their_codes(http: httpx.Client) -> None:
    missing = assert_status(http.get(f"{DEPLOYMENTS}/nope"), 404, "NotFound")
    assert missing["details"] == {"name": "nope", "kind": "deployments.apps"}

    created = http.post(DEPLOYMENTS, json=deployment("web"))
    assert created.status_code == 201
    exists = assert_status(http.post(DEPLOYMENTS, json=deployment("web")), 409, "AlreadyExists")
    assert exists["message"] == 'deployments.apps "web" already exists'

    stale = dict(created.json(), spec=dict(created.json()["spec"], replicas=2))
    http.patch(f"{DEPLOYMENTS}/web", content=b'{"spec":{"replicas":3}}', headers={"Content-Type": "application/merge-patch+json"})
    assert_status(http.put(f"{DEPLOYMENTS}/web", json=stale), 409, "Conflict")

    invalid = assert_status(http.post(DEPLOYMENTS, json=deployment("bad", replicas=-1, labels={"app": "other"})), 422, "Invalid")
    assert invalid["details"]["kind"] == "Deployment" and invalid["details"]["group"] == "apps"
    assert {c["field"] for c in invalid["details"]["causes"]} == {"spec.replicas", "spec.template.metadata.labels"}
    assert http.get(f"{DEPLOYMENTS}/bad").status_code == 404

    apply_patch = http.patch(f"{DEPLOYMENTS}/web", content=b"{}", headers={"Content-Type": "application/apply-patch+yaml"})
    assert_status(apply_patch, 415, "UnsupportedMediaType")
    assert_status(http.post(DEPLOYMENTS, params={"dryRun": "Some"}, json=deployment("dry")), 400, "BadRequest")


def test_discovery_lists_groups_resources_and_subresources(http: httpx.Client) -> None:
    assert http.get("/version").json()["major"] == "1"
    assert http.get("/api").json()["versions"] == ["v1"]
    groups = {g["name"] for g in http.get("/apis").json()["groups"]}
    assert "apps" in groups
    aggregated = {"Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"}
    legacy = http.get("/apis", headers=aggregated)  # the aggregated format is not served: the legacy one answers
    assert legacy.headers["Content-Type"].startswith("application/json") and legacy.json()["kind"] == "APIGroupList"
    resources = {r["name"]: r for r in http.get("/apis/apps/v1").json()["resources"]}
    assert {"deployments", "deployments/status", "deployments/scale"} <= set(resources)
    assert resources["deployments"]["shortNames"] == ["deploy"] and resources["deployments"]["categories"] == ["all"]
    assert resources["deployments/scale"]["kind"] == "Scale" and resources["deployments/scale"]["group"] == "autoscaling"


def test_scale_subresource_and_server_dry_run(http: httpx.Client) -> None:
    http.post(DEPLOYMENTS, json=deployment("web"))
    merge = {"Content-Type": "application/merge-patch+json"}
    dry = http.patch(f"{DEPLOYMENTS}/web/scale", params={"dryRun": "All"}, content=b'{"spec":{"replicas":4}}', headers=merge)
    assert dry.status_code == 200 and dry.json()["spec"]["replicas"] == 4
    assert http.get(f"{DEPLOYMENTS}/web/scale").json()["spec"]["replicas"] == 1
    scaled = http.patch(f"{DEPLOYMENTS}/web/scale", content=b'{"spec":{"replicas":2}}', headers=merge)
    assert (scaled.json()["kind"], scaled.json()["spec"]["replicas"]) == ("Scale", 2)
    assert http.get(f"{DEPLOYMENTS}/web").json()["spec"]["replicas"] == 2
    current = http.get(f"{DEPLOYMENTS}/web").json()
    assert http.put(f"{DEPLOYMENTS}/web", params={"dryRun": "All"}, json=dict(current, spec=dict(current["spec"], replicas=7))).json()["spec"]["replicas"] == 7
    assert http.get(f"{DEPLOYMENTS}/web").json()["spec"]["replicas"] == 2


def test_tables_for_one_object_and_for_watch_events(http: httpx.Client) -> None:
    http.post(SERVICES, json=SERVICE)
    one = http.get(f"{SERVICES}/web", headers={"Accept": TABLE}).json()
    assert one["kind"] == "Table" and [r["object"]["metadata"]["name"] for r in one["rows"]] == ["web"]
    rv = http.get(SERVICES).json()["metadata"]["resourceVersion"]
    http.patch(f"{SERVICES}/web", content=b'{"metadata":{"labels":{"tier":"front"}}}', headers={"Content-Type": "application/strategic-merge-patch+json"})
    params = {"watch": "true", "resourceVersion": rv, "timeoutSeconds": "1"}
    with http.stream("GET", SERVICES, params=params, headers={"Accept": TABLE}) as r:
        event = json.loads(next(r.iter_lines()))
    assert event["type"] == "MODIFIED" and event["object"]["kind"] == "Table"
    assert event["object"]["columnDefinitions"][0]["name"] == "Name"
    assert event["object"]["rows"][0]["cells"][0] == "web"


def test_field_selectors_filter_lists(http: httpx.Client) -> None:
    http.post(SERVICES, json=SERVICE)
    http.post(SERVICES, json=dict(SERVICE, metadata={"name": "api"}))

    def names(selector: str) -> list[str]:
        return [s["metadata"]["name"] for s in http.get(SERVICES, params={"fieldSelector": selector}).json()["items"]]

    assert names("metadata.name=web") == ["web"]
    assert names("metadata.name!=web") == ["api"]
    assert names("metadata.namespace=default,spec.selector.app=web") == ["api", "web"]
    assert names("spec.type=LoadBalancer") == []


def test_the_scale_subresource_of_a_mesos_deployment_sets_its_instances(http: httpx.Client) -> None:
    seed = Path(__file__).resolve().parents[3] / "examples" / "seed-003" / "test1-1-0.json"
    (doc,) = load_path(str(seed))
    base = "/apis/mesos.bcs.tencent.com/v4/namespaces/defaultGroup/mesosdeployments"
    assert http.post(base, json=doc).status_code == 201
    assert http.get(f"{base}/test/scale").json()["spec"]["replicas"] == 2
    merge = {"Content-Type": "application/merge-patch+json"}
    assert http.patch(f"{base}/test/scale", content=b'{"spec":{"replicas":3}}', headers=merge).json()["spec"]["replicas"] == 3
    assert http.get(f"{base}/test").json()["spec"]["instance"] == 3


def test_an_unknown_field_of_a_mesos_deployment_is_dropped_with_a_warning_header(http: httpx.Client) -> None:
    """As Kubernetes answers an unknown field (fieldValidation=Warn): stored without it, one
    ``Warning: 299 - "…"`` header per field; create, replace and patch alike."""
    seed = Path(__file__).resolve().parents[3] / "examples" / "seed-003" / "test1-1-0.json"
    (doc,) = load_path(str(seed))
    doc["spec"]["strategy"]["rollingUpdate"]["upgradeDuraton"] = 30
    base = "/apis/mesos.bcs.tencent.com/v4/namespaces/defaultGroup/mesosdeployments"
    r = http.post(base, json=doc)
    assert r.status_code == 201, r.text
    expected = '299 - "unknown field \\"spec.strategy.rollingUpdate.upgradeDuraton\\" (did you mean \\"upgradeDuration\\"?)"'
    assert r.headers.get_list("warning") == [expected]
    assert "upgradeDuraton" not in http.get(f"{base}/test").json()["spec"]["strategy"]["rollingUpdate"]
    merge = {"Content-Type": "application/merge-patch+json"}
    r = http.patch(f"{base}/test", content=b'{"spec":{"killPolicy":{"gracePeriodd":5}}}', headers=merge)
    assert r.status_code == 200 and r.headers.get_list("warning") == ['299 - "unknown field \\"spec.killPolicy.gracePeriodd\\" (did you mean \\"gracePeriod\\"?)"']
    r = http.get(f"{base}/test")
    assert r.headers.get_list("warning") == [] and r.json()["spec"].get("killPolicy") == {}
