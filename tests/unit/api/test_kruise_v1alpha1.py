"""CloneSet defaults and the validating webhook's rules (reference §1.1)."""

from __future__ import annotations

from typing import Any

import pytest

import graceroll.api.builtin  # noqa: F401
from graceroll.api import kinds
from graceroll.api.admission import admit
from graceroll.api.meta import clone
from graceroll.errors import Invalid


def manifest(**strategy: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps.kruise.io/v1alpha1",
        "kind": "CloneSet",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "updateStrategy": strategy,
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "app:v1"}]}},
        },
    }


def errors(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    with pytest.raises(Invalid) as e:
        admit(obj, old)
    return [str(c) for c in e.value.causes]


def test_kind_is_registered_with_its_short_name() -> None:
    k = kinds.resolve("clone")
    assert (k.kind, k.api_version, k.plural, k.scalable) == ("CloneSet", "apps.kruise.io/v1alpha1", "clonesets", True)
    assert kinds.resolve("clonesets.apps.kruise.io") is k


def test_defaults() -> None:
    spec = admit(manifest())["spec"]
    assert spec["replicas"] == 1 and spec["revisionHistoryLimit"] == 10
    assert spec["updateStrategy"] == {"type": "ReCreate", "partition": 0, "maxUnavailable": "20%", "maxSurge": 0}
    assert spec["template"]["spec"]["restartPolicy"] == "Always"


def test_in_place_types_get_an_in_place_strategy() -> None:
    st = admit(manifest(type="InPlaceIfPossible"))["spec"]["updateStrategy"]
    assert st["inPlaceUpdateStrategy"] == {}


BAD = [
    pytest.param({"type": "Rolling"}, 'spec.updateStrategy.type: Unsupported value: "Rolling": supported values: "ReCreate", "InPlaceIfPossible", "InPlaceOnly"', id="unknown type"),
    pytest.param({"partition": "abc"}, 'spec.updateStrategy.partition: Invalid value: "abc": failed getValueFromIntOrPercent for partition: invalid type: string is not a percentage', id="partition abc"),
    pytest.param({"partition": -1}, "spec.updateStrategy.partition: Invalid value: -1: partition should not be negative", id="negative partition"),
    pytest.param({"type": "InPlaceOnly", "maxSurge": 1}, "spec.updateStrategy.maxSurge: Invalid value: 1: can not use maxSurge with strategy type InPlaceOnly", id="maxSurge with InPlaceOnly"),
    pytest.param({"maxUnavailable": 0, "maxSurge": 0}, "spec.updateStrategy.maxUnavailable: Invalid value: 0: maxUnavailable and maxSurge should not both be less than 1", id="no room to move"),
    pytest.param({"maxSurge": "x%"}, 'spec.updateStrategy.maxSurge: Invalid value: "x%": failed getValueFromIntOrPercent for maxSurge', id="maxSurge not a number"),
    pytest.param(
        {"priorityStrategy": {"weightPriority": [{"weight": 101, "matchSelector": {"matchLabels": {"a": "b"}}}], "orderPriority": [{"orderedKey": "k"}]}},
        "only one of weightPriority and orderPriority can be used",
        id="both priority kinds",
    ),
    pytest.param({"priorityStrategy": {"weightPriority": [{"weight": 101, "matchSelector": {"matchLabels": {"a": "b"}}}]}}, "spec.updateStrategy.priorityStrategy.weightPriority[0].weight: Invalid value: 101: weight must be valid number in the range 1-100", id="weight over 100"),
    pytest.param({"priorityStrategy": {"orderPriority": [{"orderedKey": ""}]}}, "spec.updateStrategy.priorityStrategy.orderPriority[0].orderedKey: Invalid value: \"\": order key can not be empty", id="empty ordered key"),
    pytest.param({"scatterStrategy": [{"key": "a", "value": "b"}, {"key": "a", "value": "b"}]}, "spec.updateStrategy.scatterStrategy[1]: Invalid value", id="duplicate scatter term"),
    pytest.param({"scatterStrategy": [{"key": "", "value": "b"}]}, "spec.updateStrategy.scatterStrategy[0].key: Required value: key should not be empty", id="scatter key missing"),
    pytest.param({"inPlaceUpdateStrategy": {"gracePeriodSeconds": -1}}, "spec.updateStrategy.inPlaceUpdateStrategy.gracePeriodSeconds: Invalid value: -1", id="negative grace"),
    pytest.param({"paused": "yes"}, 'spec.updateStrategy.paused: Invalid value: "yes": expected boolean, got string', id="paused not a boolean"),
]


@pytest.mark.parametrize(("strategy", "message"), BAD)
def test_bad_update_strategies_are_refused(strategy: dict[str, Any], message: str) -> None:
    assert any(message in e for e in errors(manifest(**strategy)))


def test_spec_rules() -> None:
    m = manifest()
    m["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    m["spec"]["replicas"] = -1
    m["spec"]["template"]["spec"]["activeDeadlineSeconds"] = 5
    m["spec"]["scaleStrategy"] = {"podsToDelete": ["a", "a"]}
    m["spec"]["lifecycle"] = {"preDelete": {"finalizersHandler": ["bad/name/x"]}}
    errs = errors(m)
    assert "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in errs
    assert 'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`' in errs
    assert "spec.template.spec.activeDeadlineSeconds: Invalid value: 5: activeDeadlineSeconds in CloneSet is not Supported" in errs
    assert 'spec.scaleStrategy.podsToDelete[1]: Duplicate value: "a"' in errs
    assert any(e.startswith("spec.lifecycle.preDelete.finalizersHandler[0]") for e in errs)


def test_empty_selector_is_refused() -> None:
    m = manifest()
    m["spec"]["selector"] = {}
    assert "spec.selector: Invalid value: {}: empty selector is not valid for a CloneSet." in errors(m)


def test_only_some_spec_fields_may_change() -> None:
    old = admit(manifest())
    new = clone(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "x": "y"}}
    new["spec"]["template"]["metadata"]["labels"]["x"] = "y"
    assert any(e.startswith("spec: Forbidden: updates to cloneset spec for fields other than 'replicas'") for e in errors(new, old))


def test_in_place_only_allows_image_changes_only() -> None:
    old = admit(manifest(type="InPlaceOnly"))
    images = clone(old)
    images["spec"]["template"]["spec"]["containers"][0]["image"] = "app:v2"
    images["spec"]["template"]["metadata"]["labels"]["extra"] = "ok"  # metadata is not checked
    admit(images, old)
    env = clone(old)
    env["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}]
    assert "spec.template: Forbidden: forbid to update fields in template other than image, when updateStrategy type is InPlaceOnly" in errors(env, old)


def test_volume_mounts_may_name_a_volume_claim_template() -> None:
    m = manifest()
    m["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    assert errors(m) == ['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"']
    m["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
    admit(m)
