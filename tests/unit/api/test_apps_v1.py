"""Deployment, ReplicaSet and ControllerRevision: defaults, validation rules, update rules."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.api import admission, apps_v1
from graceroll.api.meta import Obj
from graceroll.errors import FieldError, Invalid

from .builders import container, deployment, replicaset, template, with_path


def errors_of(obj: Obj, old: Obj | None = None) -> list[str]:
    try:
        admission.admit(obj, old)
    except Invalid as e:
        return [str(c) for c in e.causes]
    return []


def test_the_base_deployment_is_valid() -> None:
    assert errors_of(deployment()) == []


# kubernetes/kubernetes:pkg/apis/apps/validation/validation_test.go TestValidateDeployment
# The "rollbackTo.revision -3" row is left out: apps/v1 has no spec.rollbackTo (see
# test_rollback_to_is_not_an_apps_v1_field). The first error must contain the key.
@pytest.mark.parametrize(
    "obj, key",
    [
        pytest.param(
            with_path(deployment(), "metadata.name", None),
            "metadata.name: Required value",
            id="no metadata.name",
        ),
        pytest.param(
            with_path(deployment(), "spec.selector", {"matchLabels": {"name": "def"}}),
            "`selector` does not match template `labels`",
            id="selector does not match the template labels",
        ),
        pytest.param(
            with_path(deployment(), "spec.template.spec.restartPolicy", "Never"),
            'Unsupported value: "Never"',
            id="restartPolicy Never",
        ),
        pytest.param(
            with_path(deployment(), "spec.strategy", {"type": "randomType"}),
            'supported values: "Recreate", "RollingUpdate"',
            id="unknown strategy type",
        ),
        pytest.param(
            with_path(deployment(), "spec.strategy", {"type": "Recreate", "rollingUpdate": {}}),
            "may not be specified when strategy `type` is 'Recreate'",
            id="Recreate with rollingUpdate",
        ),
        pytest.param(
            with_path(deployment(), "spec.strategy.rollingUpdate.maxSurge", "20Percent"),
            "a valid percent string must be",
            id="maxSurge is not a percent string",
        ),
        pytest.param(
            with_path(deployment(), "spec.strategy.rollingUpdate", {"maxSurge": "0%", "maxUnavailable": 0}),
            "may not be 0 when `maxSurge` is 0",
            id="maxSurge and maxUnavailable both zero",
        ),
        pytest.param(
            with_path(deployment(), "spec.strategy.rollingUpdate.maxUnavailable", "110%"),
            "must not be greater than 100%",
            id="maxUnavailable over 100 percent",
        ),
        pytest.param(
            deployment(progressDeadlineSeconds=600, minReadySeconds=600),
            "must be greater than minReadySeconds",
            id="progressDeadlineSeconds not above minReadySeconds",
        ),
        pytest.param(
            with_path(deployment(), "spec.template.spec.ephemeralContainers", [container("debug")]),
            "ephemeral containers not allowed",
            id="ephemeral container present",
        ),
    ],
)
def test_validate_deployment(obj: Obj, key: str) -> None:
    errors = errors_of(obj)
    assert errors, "expected an error"
    assert key in errors[0]


def test_rollback_to_is_not_an_apps_v1_field() -> None:
    assert errors_of(deployment(rollbackTo={"revision": -3})) == [
        'spec.rollbackTo: Forbidden: unknown field "rollbackTo"'
    ]


ROLLING = "spec.strategy.rollingUpdate"
POD_SPEC = "spec.template.spec"


@pytest.mark.parametrize(
    "obj, expected",
    [
        pytest.param(
            with_path(deployment(), ROLLING, {"maxSurge": 0, "maxUnavailable": 0}),
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0",
            id="both zero names maxUnavailable",
        ),
        pytest.param(
            with_path(deployment(), f"{ROLLING}.maxSurge", "x%"),
            'spec.strategy.rollingUpdate.maxSurge: Invalid value: "x%": a valid percent string must be a numeric '
            "string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
            id="the percent message keeps its double space",
        ),
        pytest.param(
            with_path(deployment(), f"{ROLLING}.maxUnavailable", "101%"),
            'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "101%": must not be greater than 100%',
            id="maxUnavailable over 100 percent",
        ),
        pytest.param(
            with_path(deployment(), f"{ROLLING}.maxSurge", -1),
            "spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0",
            id="negative maxSurge",
        ),
        pytest.param(
            deployment(replicas=-1),
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            id="negative replicas",
        ),
        pytest.param(
            deployment(revisionHistoryLimit=-1),
            "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
            id="negative revisionHistoryLimit",
        ),
        pytest.param(
            deployment(minReadySeconds=-1),
            "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
            id="negative minReadySeconds",
        ),
        pytest.param(
            deployment(progressDeadlineSeconds=10, minReadySeconds=10),
            "spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds",
            id="deadline equal to minReadySeconds",
        ),
        pytest.param(
            with_path(deployment(), "spec.selector", None),
            "spec.selector: Required value",
            id="selector missing",
        ),
        pytest.param(
            deployment(selector={}),
            "spec.selector: Invalid value: {}: empty selector is invalid for deployment",
            id="empty selector",
        ),
        pytest.param(
            deployment(strategy={"type": "Blue"}),
            'spec.strategy.type: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"',
            id="unsupported strategy type",
        ),
        pytest.param(
            deployment(strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}),
            "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
            id="Recreate with rollingUpdate",
        ),
        pytest.param(
            with_path(deployment(), f"{POD_SPEC}.restartPolicy", "OnFailure"),
            'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
            id="restartPolicy OnFailure",
        ),
        pytest.param(
            with_path(deployment(), f"{POD_SPEC}.activeDeadlineSeconds", 5),
            "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
            id="activeDeadlineSeconds",
        ),
        pytest.param(
            deployment(template=template({"app": "x"})),
            'spec.template.metadata.labels: Invalid value: {"app":"x"}: `selector` does not match template `labels`',
            id="template labels not selected",
        ),
        pytest.param(
            deployment(podReplacementPolicy="Sometimes"),
            'spec.podReplacementPolicy: Unsupported value: "Sometimes": '
            'supported values: "TerminationStarted", "TerminationComplete"',
            id="unknown podReplacementPolicy",
        ),
    ],
)
def test_deployment_spec_rule(obj: Obj, expected: str) -> None:
    assert errors_of(obj) == [expected]


@pytest.mark.parametrize(
    "rolling",
    [
        pytest.param({"maxSurge": "200%", "maxUnavailable": 0}, id="maxSurge has no 100 percent cap"),
        pytest.param({"maxSurge": 0, "maxUnavailable": 50}, id="int maxUnavailable above replicas"),
        pytest.param({"maxSurge": "1%", "maxUnavailable": "1%"}, id="percents that round to zero"),
        pytest.param(
            {"maxSurge": "0%", "maxUnavailable": "100%"}, id="maxUnavailable of exactly 100 percent"
        ),
    ],
)
def test_rolling_update_values_that_are_valid(rolling: Obj) -> None:
    assert errors_of(with_path(deployment(), "spec.strategy.rollingUpdate", rolling)) == []


def test_zero_revision_history_limit_is_valid() -> None:
    assert errors_of(deployment(revisionHistoryLimit=0)) == []


def test_an_invalid_selector_is_reported_with_its_requirement() -> None:
    sel = {"matchExpressions": [{"key": "name", "operator": "Like", "values": ["abc"]}]}
    assert errors_of(deployment(selector=sel)) == [
        'spec.selector.matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator',
        (
            'spec.selector: Invalid value: {"matchExpressions":[{"key":"name","operator":"Like","values":["abc"]}]}: '
            "invalid label selector"
        ),
    ]


def test_match_expressions_select_the_template() -> None:
    sel = {"matchExpressions": [{"key": "name", "operator": "In", "values": ["abc", "def"]}]}
    assert errors_of(deployment(selector=sel)) == []
    sel = {"matchExpressions": [{"key": "name", "operator": "NotIn", "values": ["abc"]}]}
    assert errors_of(deployment(selector=sel)) == [
        'spec.template.metadata.labels: Invalid value: {"name":"abc"}: `selector` does not match template `labels`'
    ]


def test_every_error_of_a_deployment_is_reported_at_once() -> None:
    obj = deployment(replicas=-1, minReadySeconds=-5, selector={"matchLabels": {"name": "def"}})
    obj["metadata"]["name"] = "Bad_Name"
    obj["spec"]["template"]["spec"]["containers"] = [{"name": "x"}]
    paths = [e.split(":")[0] for e in errors_of(obj)]
    assert paths == [
        "metadata.name",
        "spec.replicas",
        "spec.template.metadata.labels",
        "spec.template.spec.containers[0].image",
        "spec.minReadySeconds",
    ]


# --- defaults (kubernetes/kubernetes:pkg/apis/apps/v1/defaults.go SetDefaults_Deployment) ---------


def test_deployment_defaults() -> None:
    obj: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
            },
        },
    }
    out = admission.admit(obj)
    assert out["metadata"] == {"name": "web", "namespace": "default"}
    spec = out["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    assert "minReadySeconds" not in spec  # absent means 0, as upstream serializes it
    assert spec["template"]["spec"] == {
        "containers": [
            {
                "name": "web",
                "image": "nginx:1.25",
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "imagePullPolicy": "IfNotPresent",
            }
        ],
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
        "schedulerName": "default-scheduler",
    }
    assert obj["spec"].get("replicas") is None, "admission works on a copy"


def test_defaulting_keeps_what_is_set() -> None:
    obj = deployment(replicas=0, revisionHistoryLimit=0, progressDeadlineSeconds=30)
    obj["spec"]["strategy"] = {"rollingUpdate": {"maxSurge": 3}}
    spec = admission.admit(obj)["spec"]
    assert spec["replicas"] == 0
    assert spec["revisionHistoryLimit"] == 0
    assert spec["progressDeadlineSeconds"] == 30
    assert spec["strategy"] == {
        "rollingUpdate": {"maxSurge": 3, "maxUnavailable": "25%"},
        "type": "RollingUpdate",
    }


def test_recreate_gets_no_rolling_update_block() -> None:
    spec = admission.admit(deployment(strategy={"type": "Recreate"}))["spec"]
    assert spec["strategy"] == {"type": "Recreate"}


def test_null_fields_count_as_unset() -> None:
    obj = deployment(replicas=None, strategy={"type": None, "rollingUpdate": None})
    spec = admission.admit(obj)["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"]["rollingUpdate"] == {"maxUnavailable": "25%", "maxSurge": "25%"}


def test_a_deployment_without_spec_gets_the_upstream_errors() -> None:
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
    assert errors_of(obj) == [
        "spec.selector: Required value",
        "spec.template.spec.containers: Required value",
    ]


# --- updates -------------------------------------------------------------------------------------


def test_deployment_selector_is_immutable() -> None:
    old = admission.admit(deployment())
    new = with_path(old, "spec.selector", {"matchLabels": {"name": "abc", "tier": "web"}})
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "web"
    assert errors_of(new, old) == [
        'spec.selector: Invalid value: {"matchLabels":{"name":"abc","tier":"web"}}: field is immutable'
    ]


def test_an_equivalent_selector_is_not_a_change() -> None:
    old = admission.admit(deployment())
    new = with_path(old, "spec.selector", {"matchLabels": {"name": "abc"}, "matchExpressions": []})
    new["spec"]["replicas"] = 5
    assert errors_of(new, old) == []


def test_replicaset_selector_is_immutable() -> None:
    old = admission.admit(replicaset())
    new = with_path(old, "spec.selector.matchLabels", {"name": "abc", "x": "y"})
    new["spec"]["template"]["metadata"]["labels"]["x"] = "y"
    assert [e.split(":")[0] for e in errors_of(new, old)] == ["spec.selector"]


# --- ReplicaSet ----------------------------------------------------------------------------------


def test_replicaset_defaults_replicas_and_template() -> None:
    out = admission.admit(with_path(replicaset(), "spec.replicas", None))
    assert out["spec"]["replicas"] == 1
    assert out["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 30
    assert "strategy" not in out["spec"]


@pytest.mark.parametrize(
    "path, value, expected",
    [
        pytest.param(
            "spec.replicas",
            -1,
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            id="negative replicas",
        ),
        pytest.param("spec.selector", None, "spec.selector: Required value", id="no selector"),
        pytest.param(
            "spec.selector",
            {"matchLabels": {"name": "other"}},
            'spec.template.metadata.labels: Invalid value: {"name":"abc"}: `selector` does not match template `labels`',
            id="selector misses the template",
        ),
        pytest.param(
            "spec.strategy",
            {"type": "Recreate"},
            'spec.strategy: Forbidden: unknown field "strategy"',
            id="replicasets have no strategy",
        ),
    ],
)
def test_replicaset_rule(path: str, value: Any, expected: str) -> None:
    assert errors_of(with_path(replicaset(), path, value)) == [expected]


# --- ControllerRevision --------------------------------------------------------------------------


def revision(data: Any = None, number: int = 1) -> Obj:
    obj: Obj = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": "web-1"},
        "revision": number,
    }
    if data is not None:
        obj["data"] = data
    return obj


def test_controller_revision_rules() -> None:
    assert errors_of(revision({"spec": {}})) == []
    assert errors_of(revision(None, -1)) == [
        "data: Required value: data is mandatory",
        "revision: Invalid value: -1: must be greater than or equal to 0",
    ]


def test_controller_revision_data_is_immutable() -> None:
    old = admission.admit(revision({"spec": {"a": 1}}))
    assert errors_of(revision({"spec": {"a": 2}}), old) == [
        'data: Invalid value: {"spec":{"a":2}}: field is immutable'
    ]


# --- status: kubernetes/kubernetes:pkg/apis/apps/validation/validation_test.go TestValidateDeploymentStatus


@pytest.mark.parametrize(
    "replicas, updated, ready, available, generation, valid",
    [
        pytest.param(3, 3, 2, 1, 2, True, id="valid status"),
        pytest.param(-3, 3, 2, 1, 2, False, id="invalid replicas"),
        pytest.param(3, -3, 2, 1, 2, False, id="invalid updatedReplicas"),
        pytest.param(2, 2, -3, 1, 2, False, id="invalid readyReplicas"),
        pytest.param(3, 3, 2, -3, 2, False, id="invalid availableReplicas"),
        pytest.param(3, 3, 2, 1, -3, False, id="invalid observedGeneration"),
        pytest.param(3, 4, 3, 3, 1, False, id="updatedReplicas greater than replicas"),
        pytest.param(3, 0, 4, 3, 1, False, id="readyReplicas greater than replicas"),
        pytest.param(3, 0, 3, 4, 1, False, id="availableReplicas greater than replicas"),
        pytest.param(3, 0, 2, 3, 1, False, id="availableReplicas greater than readyReplicas"),
    ],
)
def test_validate_deployment_status(
    replicas: int, updated: int, ready: int, available: int, generation: int, valid: bool
) -> None:
    status = {
        "replicas": replicas,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "observedGeneration": generation,
    }
    assert (apps_v1.deployment_status(status) == []) is valid


def test_negative_collision_count_is_invalid() -> None:
    assert [str(e) for e in apps_v1.deployment_status({"collisionCount": -3})] == [
        "status.collisionCount: Invalid value: -3: must be greater than or equal to 0"
    ]


# TestValidateDeploymentStatusUpdate
@pytest.mark.parametrize(
    "before, after, valid",
    [
        pytest.param(None, 1, True, id="nil to 1"),
        pytest.param(1, 1, True, id="1 to 1"),
        pytest.param(1, None, False, id="1 to nil"),
        pytest.param(2, 1, False, id="2 to 1"),
    ],
)
def test_collision_count_cannot_be_decremented(before: int | None, after: int | None, valid: bool) -> None:
    old = {} if before is None else {"collisionCount": before}
    new = {} if after is None else {"collisionCount": after}
    errors = apps_v1.deployment_status_update(new, old)
    assert (errors == []) is valid
    if not valid:
        assert errors == [
            FieldError("status.collisionCount", "Invalid value", "cannot be decremented", after, True)
        ]
