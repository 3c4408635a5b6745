"""``patch --type strategic|merge|json`` and ``apply_patch`` (shared with the API server)."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.api.meta import Obj
from graceroll.errors import Invalid, NotFound, UsageError
from graceroll.store.memory import MemoryStore
from graceroll.verbs.patch import apply_patch, merge_patch, parse_patch, patch

from .builders import container, create, manifest, with_status


@pytest.fixture
def web(store: MemoryStore) -> Obj:
    return create(store, manifest("web", container("app", ports=[{"containerPort": 80}]), container("log", image="log:1")))


def pod_spec(store: MemoryStore) -> Obj:
    spec: Obj = store.get("Deployment", "default", "web")["spec"]["template"]["spec"]
    return spec


def images(store: MemoryStore) -> list[tuple[str, str]]:
    return [(c["name"], c["image"]) for c in pod_spec(store)["containers"]]


def test_strategic_patch_merges_containers_by_name(store: MemoryStore, web: Obj) -> None:
    p = '{"spec":{"template":{"spec":{"containers":[{"name":"log","image":"log:2","env":[{"name":"LEVEL","value":"debug"}]}]}}}}'
    assert patch(store, "deployment", "web", p) == "deployment.apps/web patched"
    assert images(store) == [("app", "web:1"), ("log", "log:2")]
    assert pod_spec(store)["containers"][1]["env"] == [{"name": "LEVEL", "value": "debug"}]


def test_strategic_patch_appends_a_container_with_a_new_name(store: MemoryStore, web: Obj) -> None:
    patch(store, "deploy", "web", {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "side:1"}]}}}})
    assert images(store) == [("app", "web:1"), ("log", "log:1"), ("side", "side:1")]


def test_strategic_patch_deletes_a_container_with_the_delete_directive(store: MemoryStore, web: Obj) -> None:
    patch(store, "deploy", "web", {"spec": {"template": {"spec": {"containers": [{"name": "log", "$patch": "delete"}]}}}})
    assert images(store) == [("app", "web:1")]


def test_strategic_patch_replaces_a_keyed_list_with_the_replace_marker(store: MemoryStore, web: Obj) -> None:
    p = {"spec": {"template": {"spec": {"containers": [{"$patch": "replace"}, {"name": "only", "image": "only:1"}]}}}}
    patch(store, "deploy", "web", p)
    assert images(store) == [("only", "only:1")]


def test_strategic_patch_replaces_a_map_with_the_replace_directive(store: MemoryStore, web: Obj) -> None:
    patch(store, "deploy", "web", {"spec": {"template": {"spec": {"nodeSelector": {"disk": "ssd", "zone": "a"}}}}})
    patch(store, "deploy", "web", {"spec": {"template": {"spec": {"nodeSelector": {"$patch": "replace", "zone": "b"}}}}})
    assert pod_spec(store)["nodeSelector"] == {"zone": "b"}


def test_strategic_patch_merges_container_ports_by_container_port(store: MemoryStore, web: Obj) -> None:
    p = {"spec": {"template": {"spec": {"containers": [{"name": "app", "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 9090}]}]}}}}
    patch(store, "deploy", "web", p)
    ports = pod_spec(store)["containers"][0]["ports"]
    assert [(p["containerPort"], p.get("name")) for p in ports] == [(80, "http"), (9090, None)]


def test_merge_patch_replaces_lists_whole_and_null_removes(store: MemoryStore, web: Obj) -> None:
    p = '{"metadata":{"labels":{"team":"blue"}},"spec":{"template":{"spec":{"containers":[{"name":"app","image":"web:3"}]}}}}'
    assert patch(store, "deploy", "web", p, "merge") == "deployment.apps/web patched"
    assert images(store) == [("app", "web:3")]
    patch(store, "deploy", "web", '{"metadata":{"labels":{"team":null}}}', "merge")
    assert "team" not in (store.get("Deployment", "default", "web")["metadata"].get("labels") or {})


def test_json_patch_applies_operations_in_order(store: MemoryStore, web: Obj) -> None:
    ops = '[{"op":"test","path":"/spec/template/spec/containers/1/name","value":"log"},{"op":"replace","path":"/spec/template/spec/containers/1/image","value":"log:9"},{"op":"add","path":"/spec/replicas","value":4}]'
    assert patch(store, "deploy", "web", ops, "json") == "deployment.apps/web patched"
    assert images(store) == [("app", "web:1"), ("log", "log:9")]
    assert store.get("Deployment", "default", "web")["spec"]["replicas"] == 4


@pytest.mark.parametrize(
    ("ops", "error"),
    [
        pytest.param('[{"op":"test","path":"/spec/replicas","value":7}]', "unable to apply the JSON patch", id="a failed test operation"),
        pytest.param('[{"op":"remove","path":"/spec/nothing"}]', "unable to apply the JSON patch", id="removing a missing field"),
        pytest.param('{"op":"remove","path":"/spec/replicas"}', "must be a list of operations", id="not a list"),
    ],
)
def test_json_patch_errors_leave_the_object_alone(store: MemoryStore, web: Obj, ops: str, error: str) -> None:
    before = store.resource_version
    with pytest.raises(UsageError, match=error):
        patch(store, "deploy", "web", ops, "json")
    assert store.resource_version == before


def test_patch_that_changes_nothing_says_no_change(store: MemoryStore, web: Obj) -> None:
    before = store.resource_version
    assert patch(store, "deploy", "web", '{"spec":{"replicas":1}}') == "deployment.apps/web patched (no change)"
    assert store.resource_version == before


def test_patch_cannot_change_status(store: MemoryStore, web: Obj) -> None:
    with_status(store, web, replicas=3)
    assert patch(store, "deploy", "web", '{"status":{"replicas":9}}', "merge") == "deployment.apps/web patched (no change)"
    assert store.get("Deployment", "default", "web")["status"]["replicas"] == 3


def test_patch_producing_an_invalid_object_is_refused(store: MemoryStore, web: Obj) -> None:
    with pytest.raises(Invalid, match=r"spec\.replicas"):
        patch(store, "deploy", "web", '{"spec":{"replicas":-3}}')


def test_patch_cannot_change_the_immutable_selector(store: MemoryStore, web: Obj) -> None:
    p = '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}'
    with pytest.raises(Invalid, match="field is immutable"):
        patch(store, "deploy", "web", p)


def test_patch_cannot_rename_the_object(store: MemoryStore, web: Obj) -> None:
    with pytest.raises(UsageError, match=r"the name of the object \(other\) does not match the name on the URL \(web\)"):
        patch(store, "deploy", "web", '{"metadata":{"name":"other"}}', "merge")


@pytest.mark.parametrize(
    ("text", "patch_type", "error"),
    [
        pytest.param("{}", "bogus", r'--type must be one of \[.json., .merge., .strategic.\], not "bogus"', id="an unknown patch type"),
        pytest.param("{not: [valid", "strategic", "unable to parse", id="text that is neither JSON nor YAML"),
        pytest.param("[1]", "strategic", "must be a JSON object", id="a strategic patch that is a list"),
    ],
)
def test_patch_rejects_bad_input(store: MemoryStore, web: Obj, text: str, patch_type: str, error: str) -> None:
    with pytest.raises(UsageError, match=error):
        patch(store, "deploy", "web", text, patch_type)


def test_patch_of_a_missing_object_is_not_found(store: MemoryStore) -> None:
    with pytest.raises(NotFound):
        patch(store, "deploy", "nope", "{}")


def test_patch_records_the_change_cause(store: MemoryStore, web: Obj) -> None:
    patch(store, "deploy", "web", '{"spec":{"replicas":2}}', change_cause="graceroll patch deploy/web")
    assert store.get("Deployment", "default", "web")["metadata"]["annotations"]["kubernetes.io/change-cause"] == "graceroll patch deploy/web"


def test_parse_patch_accepts_yaml_like_kubectl() -> None:
    assert parse_patch("spec: {replicas: 3}") == {"spec": {"replicas": 3}}


@pytest.mark.parametrize(
    ("target", "p", "result"),
    [
        # RFC 7386 appendix A, a selection
        pytest.param({"a": "b"}, {"a": "c"}, {"a": "c"}, id="a value replaces a value"),
        pytest.param({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}, id="a new key is added"),
        pytest.param({"a": "b"}, {"a": None}, {}, id="null removes a key"),
        pytest.param({"a": ["b"]}, {"a": "c"}, {"a": "c"}, id="a value replaces a list"),
        pytest.param({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}, id="lists are replaced, never merged"),
        pytest.param({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}, id="maps merge recursively"),
        pytest.param({"e": None}, {"a": 1}, {"e": None, "a": 1}, id="existing nulls stay"),
    ],
)
def test_merge_patch_follows_rfc_7386(target: Any, p: Any, result: Any) -> None:
    assert merge_patch(target, p) == result


def test_apply_patch_never_changes_its_input() -> None:
    obj = {"kind": "Scale", "metadata": {"name": "web"}, "spec": {"replicas": 1}}
    assert apply_patch(obj, {"spec": {"replicas": 5}}, "merge")["spec"] == {"replicas": 5}
    assert apply_patch(obj, [{"op": "replace", "path": "/spec/replicas", "value": 6}], "json")["spec"] == {"replicas": 6}
    assert obj["spec"] == {"replicas": 1}
