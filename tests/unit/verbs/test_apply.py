"""``apply``: create, configure or leave unchanged, with kubectl's three-way merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graceroll.api.meta import Obj, clone
from graceroll.errors import Invalid, ManifestError, UsageError
from graceroll.store.memory import MemoryStore
from graceroll.verbs.apply import apply, read_manifests
from graceroll.verbs.scale import scale

from .builders import container, manifest

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def stored(store: MemoryStore, name: str = "web") -> Obj:
    return store.get("Deployment", "default", name)


def containers(store: MemoryStore) -> list[Obj]:
    return list(stored(store)["spec"]["template"]["spec"]["containers"])


def test_apply_creates_an_absent_object_with_the_last_applied_annotation(store: MemoryStore) -> None:
    m = manifest()
    assert apply(store, [m]) == ["deployment.apps/web created"]
    d = stored(store)
    assert json.loads(d["metadata"]["annotations"][LAST_APPLIED]) == {**m, "metadata": {"name": "web", "namespace": "default"}}
    assert d["metadata"]["annotations"][LAST_APPLIED].endswith("}\n")
    assert d["spec"]["replicas"] == 1  # defaulted on the way in


def test_apply_of_the_same_manifest_is_unchanged_and_writes_nothing(store: MemoryStore) -> None:
    apply(store, [manifest()])
    before = store.resource_version
    assert apply(store, [manifest()]) == ["deployment.apps/web unchanged"]
    assert store.resource_version == before


def test_apply_of_a_changed_manifest_configures_the_object(store: MemoryStore) -> None:
    apply(store, [manifest()])
    assert apply(store, [manifest("web", container(image="web:2"))]) == ["deployment.apps/web configured"]
    assert containers(store)[0]["image"] == "web:2"
    assert stored(store)["metadata"]["generation"] == 2


def test_apply_keeps_replicas_set_by_scale_when_the_manifest_omits_them(store: MemoryStore) -> None:
    apply(store, [manifest()])
    scale(store, "deployment", "web", 30)
    assert apply(store, [manifest("web", container(image="web:2"))]) == ["deployment.apps/web configured"]
    assert stored(store)["spec"]["replicas"] == 30


def test_apply_sets_replicas_the_manifest_names(store: MemoryStore) -> None:
    apply(store, [manifest()])
    scale(store, "deployment", "web", 30)
    apply(store, [manifest(replicas=3)])
    assert stored(store)["spec"]["replicas"] == 3


def test_apply_keeps_annotations_written_by_the_controller(store: MemoryStore) -> None:
    apply(store, [manifest()])
    d = clone(stored(store))
    d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "1"
    store.update_status(d)
    apply(store, [manifest("web", container(image="web:2"))])
    assert stored(store)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"


def test_apply_removes_fields_the_manifest_no_longer_sets(store: MemoryStore) -> None:
    first = manifest("web", container(env=[{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]), minReadySeconds=5)
    first["metadata"]["labels"] = {"team": "blue", "tier": "web"}
    apply(store, [first])
    second = manifest("web", container(env=[{"name": "B", "value": "3"}]))
    second["metadata"]["labels"] = {"tier": "web"}
    assert apply(store, [second]) == ["deployment.apps/web configured"]
    d = stored(store)
    assert d["metadata"]["labels"] == {"tier": "web"}
    assert "minReadySeconds" not in d["spec"]
    assert containers(store)[0]["env"] == [{"name": "B", "value": "3"}]


def test_apply_merges_containers_by_name_and_keeps_ones_it_never_set(store: MemoryStore) -> None:
    apply(store, [manifest("web", container("app"), container("log", image="log:1"))])
    d = clone(stored(store))
    d["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "side:1"})
    store.update(d)
    apply(store, [manifest("web", container("app", image="web:2"))])
    assert [(c["name"], c["image"]) for c in containers(store)] == [("app", "web:2"), ("sidecar", "side:1")]


def test_apply_switching_to_recreate_drops_the_rolling_update_block(store: MemoryStore) -> None:
    apply(store, [manifest(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2}})])
    apply(store, [manifest(strategy={"type": "Recreate"})])
    assert stored(store)["spec"]["strategy"] == {"type": "Recreate"}


def test_apply_keeps_defaulted_strategy_fields_when_the_strategy_does_not_change(store: MemoryStore) -> None:
    apply(store, [manifest(strategy={"type": "RollingUpdate"})])
    apply(store, [manifest("web", container(image="web:2"), strategy={"type": "RollingUpdate"})])
    assert stored(store)["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": "25%", "maxUnavailable": "25%"}


def test_apply_writes_nothing_when_one_object_is_invalid(store: MemoryStore) -> None:
    bad = manifest("bad", replicas=-1)
    with pytest.raises(Invalid, match=r'Deployment "bad" is invalid: spec\.replicas'):
        apply(store, [manifest("good"), bad])
    assert store.try_get("Deployment", "default", "good") is None


def test_apply_reports_every_invalid_object(store: MemoryStore) -> None:
    with pytest.raises(ManifestError) as caught:
        apply(store, [manifest("one", replicas=-1), manifest("two", replicas=-2)])
    assert [c.source for c in caught.value.causes] == ['Deployment "one"', 'Deployment "two"']


def test_apply_records_the_change_cause_on_created_and_configured_objects(store: MemoryStore) -> None:
    apply(store, [manifest()], change_cause="graceroll apply -f web.yaml --record=true")
    assert stored(store)["metadata"]["annotations"]["kubernetes.io/change-cause"] == "graceroll apply -f web.yaml --record=true"
    apply(store, [manifest("web", container(image="web:2"))], change_cause="second")
    assert stored(store)["metadata"]["annotations"]["kubernetes.io/change-cause"] == "second"


def test_apply_puts_objects_without_a_namespace_in_the_given_one(store: MemoryStore) -> None:
    assert apply(store, [manifest()], namespace="prod") == ["deployment.apps/web created"]
    assert store.try_get("Deployment", "prod", "web") is not None


def test_apply_of_the_same_object_twice_in_one_call_builds_on_the_first(store: MemoryStore) -> None:
    out = apply(store, [manifest(), manifest("web", container(image="web:2"))])
    assert out == ["deployment.apps/web created", "deployment.apps/web configured"]
    assert containers(store)[0]["image"] == "web:2"


WEB_YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: web:1
"""


def test_read_manifests_returns_objects_as_written(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(WEB_YAML + "---\n" + WEB_YAML.replace("name: web\n", "name: api\n", 1))
    objs = read_manifests("web.yaml", tmp_path)
    assert [o["metadata"]["name"] for o in objs] == ["web", "api"]
    assert "replicas" not in objs[0]["spec"]  # not defaulted: apply must not "set" replicas: 1


def test_read_manifests_reads_json_and_lists(tmp_path: Path) -> None:
    listing = {"apiVersion": "v1", "kind": "List", "items": [manifest("a"), manifest("b")]}
    (tmp_path / "list.json").write_text(json.dumps(listing))
    assert [o["metadata"]["name"] for o in read_manifests(str(tmp_path / "list.json"))] == ["a", "b"]


def test_read_manifests_reports_problems_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(WEB_YAML.replace("image: web:1", "image: ''"))
    with pytest.raises(ManifestError, match=r"bad\.yaml:14: spec\.template\.spec\.containers\[0\]\.image"):
        read_manifests(str(tmp_path / "bad.yaml"))


def test_read_manifests_of_a_missing_file_fails(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read"):
        read_manifests("nope.yaml", tmp_path)


@pytest.mark.parametrize("text", ["", "# nothing here\n", "---\n"], ids=["empty", "comment only", "separator only"])
def test_an_empty_manifest_is_refused_as_kubectl_does(store: MemoryStore, tmp_path: Path, text: str) -> None:
    (tmp_path / "empty.yaml").write_text(text)
    before = store.resource_version
    with pytest.raises(UsageError, match="^no objects passed to apply$"):
        apply(store, read_manifests(str(tmp_path / "empty.yaml")))
    assert store.resource_version == before


def test_an_empty_directory_is_refused_too(store: MemoryStore, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no objects passed to apply"):
        apply(store, read_manifests(str(tmp_path)))


def test_namespaces_then_what_pods_read_then_the_rest_in_the_order_written() -> None:
    from graceroll.verbs.apply import in_apply_order

    docs = [{"kind": k, "metadata": {"name": str(i)}} for i, k in enumerate(["Deployment", "Service", "ConfigMap", "Namespace", "Secret", "Pod", "ServiceAccount"])]
    assert [d["kind"] for d in in_apply_order(docs)] == ["Namespace", "ServiceAccount", "Secret", "ConfigMap", "Deployment", "Service", "Pod"]
