"""fieldValidation over request bodies: unknown and duplicate fields refused, warned or dropped."""

from __future__ import annotations

import json
from typing import Any

import pytest

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.api import kinds
from graceroll.apiserver import bodies, field_validation
from graceroll.errors import UsageError

DEPLOYMENT = kinds.by_kind("Deployment")


def deployment(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"any-key": "ok"}}, "spec": {"replicas": 1, **spec}}


def test_the_directive_defaults_to_warn_and_refuses_unknown_values() -> None:
    assert field_validation.directive(None) == "Warn" and field_validation.directive("") == "Warn"
    assert field_validation.directive("Strict") == "Strict"
    with pytest.raises(UsageError, match='fieldValidation: Unsupported value: "strict"'):
        field_validation.directive("strict")


def test_strict_refuses_with_upstreams_message_for_a_body_and_for_a_patch() -> None:
    obj = deployment(foo=1, template={"spec": {"containers": [{"name": "a", "imagePullPolicyy": "x"}]}})
    with pytest.raises(UsageError) as e:
        field_validation.check("Strict", DEPLOYMENT, obj, ["spec.replicas"], decoding=True)
    assert str(e.value) == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.foo", unknown field "spec.template.spec.containers[0].imagePullPolicyy", duplicate field "spec.replicas"'
    )
    with pytest.raises(UsageError, match='^strict decoding error: unknown field "spec.foo"'):
        field_validation.check("Strict", DEPLOYMENT, deployment(foo=1), [], decoding=False)


def test_warn_drops_the_fields_and_reports_each_ignore_drops_them_silently() -> None:
    warned = field_validation.check("Warn", DEPLOYMENT, deployment(foo=1), [], decoding=True)
    assert "foo" not in warned.obj["spec"] and warned.warnings == ('unknown field "spec.foo"',)
    ignored = field_validation.check("Ignore", DEPLOYMENT, deployment(foo=1), [], decoding=True)
    assert "foo" not in ignored.obj["spec"] and ignored.warnings == ()
    clean = deployment()
    assert field_validation.check("Strict", DEPLOYMENT, clean, [], decoding=True).obj is clean  # free-form maps have no unknown keys


def test_a_kind_without_a_model_has_no_unknown_fields() -> None:
    endpoints = kinds.by_kind("Endpoints")
    assert field_validation.check("Strict", endpoints, {"kind": "Endpoints", "anything": 1}, [], decoding=True).warnings == ()


def test_the_bcs_formats_are_checked_by_their_own_field_tables_with_a_hint() -> None:
    mesos = kinds.by_kind("MesosDeployment")
    obj = {"apiVersion": "mesos.bcs.tencent.com/v4", "kind": "MesosDeployment", "metadata": {"name": "x"}, "spec": {"instanse": 2}}
    warned = field_validation.check("Warn", mesos, obj, [], decoding=True)
    assert warned.obj["spec"] == {} and warned.warnings == ('unknown field "spec.instanse" (did you mean "instance"?)',)
    with pytest.raises(UsageError, match='strict decoding error: unknown field "spec.instanse"'):
        field_validation.check("Strict", mesos, obj, [], decoding=True)


def test_duplicate_keys_are_found_with_their_paths() -> None:
    raw = b'{"kind": "Deployment", "spec": {"replicas": 1, "replicas": 2, "template": {"spec": {"containers": [{"name": "a", "name": "b"}]}}}}'
    body = bodies.parse(raw, "application/json")
    assert body.obj["spec"]["replicas"] == 2  # the last one wins, as upstream
    assert body.duplicates == ("spec.replicas", "spec.template.spec.containers[0].name")
    assert bodies.parse(json.dumps({"a": {"b": 1}}).encode(), "application/json").duplicates == ()
    with pytest.raises(UsageError, match="not valid JSON"):
        bodies.parse(b"{", "application/json")


def test_the_warning_header_quotes_its_text() -> None:
    assert field_validation.warning_header('unknown field "spec.foo"') == '299 - "unknown field \\"spec.foo\\""'
