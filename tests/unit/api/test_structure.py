"""The structural half of validation: unknown fields, wrong types, paths, and what semantic rules still see."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.api import admission, structure
from graceroll.api.apps_v1 import DeploymentModel
from graceroll.api.meta import Obj
from graceroll.errors import Invalid

from .builders import container, deployment, pod, with_path


def errors_of(obj: Obj) -> list[str]:
    try:
        admission.admit(obj)
    except Invalid as e:
        return [str(c) for c in e.causes]
    return []


@pytest.mark.parametrize(
    "path, value, expected",
    [
        pytest.param(
            "spec.strategy.rollingUpdatee",
            {},
            'spec.strategy.rollingUpdatee: Forbidden: unknown field "rollingUpdatee"',
            id="strategy",
        ),
        pytest.param("spec.replica", 3, 'spec.replica: Forbidden: unknown field "replica"', id="spec"),
        pytest.param("metadata.label", {}, 'metadata.label: Forbidden: unknown field "label"', id="metadata"),
        pytest.param(
            "spec.template.spec.containers.0.imagePullPolicyy",
            "Always",
            'spec.template.spec.containers[0].imagePullPolicyy: Forbidden: unknown field "imagePullPolicyy"',
            id="container",
        ),
        pytest.param(
            "spec.template.spec.containers.0.readinessProbe",
            {"httpGet": {"port": 80, "paht": "/"}},
            'spec.template.spec.containers[0].readinessProbe.httpGet.paht: Forbidden: unknown field "paht"',
            id="probe handler",
        ),
        pytest.param(
            "spec.selector.matchLabel",
            {"a": "b"},
            'spec.selector.matchLabel: Forbidden: unknown field "matchLabel"',
            id="selector",
        ),
    ],
)
def test_unknown_fields_are_refused_anywhere(path: str, value: Any, expected: str) -> None:
    assert errors_of(with_path(deployment(), path, value)) == [expected]


@pytest.mark.parametrize(
    "path, value, expected",
    [
        pytest.param(
            "spec.replicas",
            "3",
            'spec.replicas: Invalid value: "3": expected integer, got string',
            id="string for int",
        ),
        pytest.param(
            "spec.replicas",
            2.5,
            "spec.replicas: Invalid value: 2.5: expected integer, got number",
            id="float for int",
        ),
        pytest.param(
            "spec.paused",
            "yes",
            'spec.paused: Invalid value: "yes": expected boolean, got string',
            id="string for bool",
        ),
        pytest.param(
            "spec.replicas",
            True,
            "spec.replicas: Invalid value: true: expected integer, got boolean",
            id="bool for int",
        ),
        pytest.param(
            "metadata.name",
            7,
            "metadata.name: Invalid value: 7: expected string, got integer",
            id="int for string",
        ),
        pytest.param(
            "spec.template.spec.containers",
            {"name": "x"},
            "spec.template.spec.containers: Invalid value: expected array, got object",
            id="object for array",
        ),
        pytest.param(
            "spec.strategy.rollingUpdate.maxSurge",
            1.5,
            "spec.strategy.rollingUpdate.maxSurge: Invalid value: 1.5: expected integer or string, got number",
            id="int-or-string",
        ),
        pytest.param(
            "spec.template.metadata.labels",
            {"name": "abc", "app.kubernetes.io/version": 1.0},
            "spec.template.metadata.labels[app.kubernetes.io/version]: Invalid value: 1.0: expected string, got number",
            id="label value in a map",
        ),
        pytest.param(
            "spec.template.spec.containers",
            [None],
            "spec.template.spec.containers[0]: Invalid value: null: expected object, got null",
            id="null list item",
        ),
        pytest.param(
            "spec.template.spec.tolerations",
            "all",
            'spec.template.spec.tolerations: Invalid value: "all": expected array, got string',
            id="free-form fields are still typed loosely",
        ),
    ],
)
def test_wrong_types_name_the_field_and_the_expected_type(path: str, value: Any, expected: str) -> None:
    assert errors_of(with_path(deployment(), path, value)) == [expected]


def test_a_wrongly_typed_value_gets_one_error_not_two() -> None:
    """``containers: {}`` is a type error; the semantic "containers: Required value" would say the same again."""
    errors = errors_of(with_path(deployment(), "spec.template.spec.containers", {}))
    assert errors == ["spec.template.spec.containers: Invalid value: expected array, got object"]


def test_structural_and_semantic_errors_come_together() -> None:
    obj = with_path(deployment(), "spec.replicas", "two")
    obj["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = "110%"
    obj["spec"]["template"]["spec"]["containers"] = [container(), container(bogus=1)]
    assert errors_of(obj) == [
        'spec.replicas: Invalid value: "two": expected integer, got string',
        'spec.template.spec.containers[1].bogus: Forbidden: unknown field "bogus"',
        'spec.template.spec.containers[1].name: Duplicate value: "abc"',
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "110%": must not be greater than 100%',
    ]


def test_status_is_accepted_and_not_checked() -> None:
    obj = deployment() | {"status": {"replicas": "many", "whatever": [1, 2]}}
    assert errors_of(obj) == []


def test_non_string_keys_are_refused() -> None:
    obj = with_path(pod(), "metadata.labels", {1: "a"})
    assert errors_of(obj) == ["metadata.labels[1]: Invalid value: 1: expected string, got integer"]


def test_check_cuts_bad_values_out_of_a_copy() -> None:
    obj = with_path(deployment(), "spec.replicas", "3")
    checked = structure.check(DeploymentModel, obj)
    assert "replicas" not in checked.obj["spec"]
    assert obj["spec"]["replicas"] == "3"
    assert checked.covers("spec.replicas")
    assert not checked.covers("spec.replicasX")


def test_format_loc_tells_fields_from_map_keys() -> None:
    loc = ("spec", "template", "metadata", "annotations", "example.com/x")
    assert structure.format_loc(DeploymentModel, loc) == "spec.template.metadata.annotations[example.com/x]"
    loc2 = ("spec", "template", "spec", "containers", 2, "resources", "limits")
    assert structure.format_loc(DeploymentModel, loc2) == "spec.template.spec.containers[2].resources[limits]"
