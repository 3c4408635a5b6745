"""The OpenAPI documents come from the kind registry and the kinds' models, with what kubectl reads."""

from __future__ import annotations

import json
from typing import Any

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.api import kinds
from graceroll.api.structure import Strict, TypedObject, validator
from graceroll.apiserver.openapi import documents, gnostic, schemas
from graceroll.apiserver.protobuf import wire


def catalogue() -> schemas.Catalogue:
    return schemas.catalogue(kinds.all_kinds())


def test_every_kind_has_a_component_carrying_its_group_version_kind() -> None:
    cat = catalogue()
    for k in kinds.all_kinds():
        schema = cat.schemas[cat.root(k)]
        assert schema["x-kubernetes-group-version-kind"] == [{"group": k.group, "kind": k.kind, "version": k.version}]
    assert cat.root(kinds.by_kind("Deployment")) == "io.k8s.api.apps.v1.Deployment"
    assert cat.root(kinds.by_kind("CloneSet")) == "io.kruise.apps.v1alpha1.CloneSet"
    assert cat.root(kinds.by_kind("GameStatefulSet")) == "com.tencent.tkex.v1alpha1.GameStatefulSet"
    assert cat.root(kinds.by_kind("Pod")) == "io.k8s.api.core.v1.Pod"
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" in cat.schemas


def test_fields_keep_their_types_and_descriptions() -> None:
    cat = catalogue()
    strategy = cat.schemas["io.k8s.api.apps.v1.DeploymentStrategy"]
    assert strategy["description"] == "DeploymentStrategy describes how to replace existing pods with new ones."
    assert strategy["properties"]["type"]["type"] == "string" and "Recreate" in strategy["properties"]["type"]["description"]
    rolling = cat.schemas["io.k8s.api.apps.v1.RollingUpdateDeployment"]["properties"]
    assert rolling["maxSurge"]["$ref"] == schemas.INT_OR_STRING
    spec = cat.schemas["io.k8s.api.core.v1.PodSpec"]["properties"]
    assert spec["containers"] == {"type": "array", "items": {"$ref": "io.k8s.api.core.v1.Container"}, "description": spec["containers"]["description"]}
    assert spec["nodeSelector"]["additionalProperties"] == {"type": "string"}
    assert spec["affinity"]["x-kubernetes-preserve-unknown-fields"] is True  # free-form in the model: open here
    mesos = cat.schemas[cat.root(kinds.by_kind("MesosDeployment"))]
    assert mesos["x-kubernetes-preserve-unknown-fields"] is True and "properties" not in mesos  # no model: anything goes


class WidgetSpec(Strict):
    """A widget's spec."""

    size: int | None = None
    """How big."""


class WidgetModel(TypedObject):
    spec: WidgetSpec | None = None


def test_a_kind_registered_with_a_model_is_published_without_further_work() -> None:
    widget = kinds.Kind("example.com", "v1", "Widget", "widgets", validate=validator(WidgetModel, lambda obj: []))
    cat = schemas.catalogue([*kinds.all_kinds(), widget])
    assert cat.root(widget) == "com.example.v1.Widget"
    assert cat.schemas["com.example.v1.WidgetSpec"]["properties"]["size"] == {"type": "integer", "format": "int64", "description": "How big."}
    doc = documents.v3_group(cat, [widget], "v1.33.0")
    assert "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}" in doc["paths"]
    assert "com.example.v1.Widget" in doc["components"]["schemas"]


def patch_op(doc: dict[str, Any], path: str) -> dict[str, Any]:
    return doc["paths"][path]["patch"]


def test_the_patch_operations_offer_field_validation_and_name_their_kind() -> None:
    cat = catalogue()
    served = documents.group_versions(kinds.all_kinds())
    apps = documents.v3_group(cat, served["apis/apps/v1"], "v1.33.0")
    op = patch_op(apps, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}")
    assert "fieldValidation" in [p["name"] for p in op["parameters"]]
    assert op["x-kubernetes-group-version-kind"] == {"group": "apps", "kind": "Deployment", "version": "v1"}
    # strategic merge patches are accepted but not offered: kubectl apply computes them from its own types
    assert sorted(op["requestBody"]["content"]) == ["application/json-patch+json", "application/merge-patch+json"]
    scale = patch_op(apps, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale")
    assert scale["x-kubernetes-group-version-kind"]["kind"] == "Scale"
    listing = apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments"]["get"]
    assert listing["x-kubernetes-action"] == "list"  # kubectl explain finds the kind by this path
    core = documents.v3_group(cat, served["api/v1"], "v1.33.0")
    assert "/api/v1/namespaces/{namespace}/pods/{name}" in core["paths"]
    refs = json.dumps(core["components"]["schemas"])
    assert '"$ref": "#/components/schemas/io.k8s.api.core.v1.PodSpec"' in refs
    assert "io.k8s.api.apps.v1.Deployment" not in core["components"]["schemas"]  # only what api/v1 refers to


def test_the_v3_index_points_at_each_group_version_with_its_hash() -> None:
    index = documents.v3_index({"api/v1": b"a", "apis/apps/v1": b"b"})
    assert set(index["paths"]) == {"api/v1", "apis/apps/v1"}
    assert index["paths"]["api/v1"]["serverRelativeURL"].startswith("/openapi/v3/api/v1?hash=")
    assert index["paths"]["api/v1"] != index["paths"]["apis/apps/v1"]


def message(buf: bytes) -> dict[int, list[Any]]:
    """A protobuf message as field number -> every value of that number."""
    out: dict[int, list[Any]] = {}
    for f in wire.fields(buf):
        out.setdefault(f.number, []).append(f.value)
    return out


def entries(values: list[bytes]) -> dict[str, bytes]:
    """Repeated Named* messages {name = 1, value = 2} as a dict."""
    return {message(v)[1][0].decode(): message(v)[2][0] for v in values}


def test_the_v2_document_encodes_as_gnostic_protobuf() -> None:
    doc = documents.v2(catalogue(), kinds.all_kinds(), "v1.33.0")
    top = message(gnostic.encode(doc))
    assert top[1] == [b"2.0"]  # swagger
    definitions = entries(message(top[9][0])[1])
    deployment = message(definitions["io.k8s.api.apps.v1.Deployment"])
    assert message(deployment[22][0])[1] == [b"object"]  # type
    extensions = entries(deployment[31])  # vendor_extension: NamedAny, the value's YAML (JSON) in field 2
    assert json.loads(message(extensions["x-kubernetes-group-version-kind"])[2][0]) == [{"group": "apps", "kind": "Deployment", "version": "v1"}]
    paths = entries(message(top[8][0])[2])
    assert "/apis/apps/v1/namespaces/{namespace}/deployments/{name}" in paths
