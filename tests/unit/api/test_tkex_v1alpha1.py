"""GameStatefulSet, HookTemplate and HookRun: defaults and rules with field paths."""

from __future__ import annotations

from typing import Any

import pytest

import graceroll.api.builtin  # noqa: F401
from graceroll.api import kinds
from graceroll.api.admission import admit
from graceroll.api.tkex_hooks import parse_duration
from graceroll.errors import Invalid


def gsts(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "serviceName": "gs",
        "replicas": 5,
        "selector": {"matchLabels": {"app": "gs"}},
        "template": {"metadata": {"labels": {"app": "gs"}}, "spec": {"containers": [{"name": "main", "image": "python:3.5"}]}},
    }
    base.update(spec)
    return {"apiVersion": "tkex.tencent.com/v1alpha1", "kind": "GameStatefulSet", "metadata": {"name": "gs"}, "spec": base}


def template(*metrics: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "tkex.tencent.com/v1alpha1", "kind": "HookTemplate", "metadata": {"name": "t"}, "spec": {"metrics": list(metrics), **spec}}


def web(**fields: Any) -> dict[str, Any]:
    return {"name": "m", "provider": {"web": {"url": "http://x/", "jsonPath": "{$.ok}"}}, **fields}


def errors(obj: dict[str, Any]) -> list[str]:
    with pytest.raises(Invalid) as e:
        admit(obj)
    return [str(c) for c in e.value.causes]


def test_kinds_are_registered_with_short_names() -> None:
    assert kinds.resolve("gsts").kind == "GameStatefulSet"
    assert kinds.resolve("gamestatefulsets.tkex.tencent.com").scalable
    assert kinds.resolve("hr").kind == "HookRun" and kinds.resolve("hooktemplate").kind == "HookTemplate"
    assert kinds.resolve("pvc").kind == "PersistentVolumeClaim"


def test_update_type_defaults_to_on_delete_as_the_go_defaulting_does() -> None:
    """DOC≠CODE: README and marker say RollingUpdate; ``defaults.go`` sets OnDelete (docs/bcs.md)."""
    spec = admit(gsts())["spec"]
    assert spec["updateStrategy"] == {"type": "OnDelete"}
    assert (spec["podManagementPolicy"], spec["revisionHistoryLimit"]) == ("OrderedReady", 10)


def test_rolling_numbers_and_grace_are_defaulted_for_the_updating_types() -> None:
    strategy = admit(gsts(updateStrategy={"type": "InplaceUpdate"}))["spec"]["updateStrategy"]
    assert strategy["rollingUpdate"] == {"partition": 0, "maxUnavailable": "25%", "maxSurge": 0}
    assert strategy["inPlaceUpdateStrategy"] == {"gracePeriodSeconds": 0}


def test_the_seed_manifest_is_accepted() -> None:
    spec = admit(gsts(updateStrategy={"type": "InplaceUpdate", "rollingUpdate": {"partition": 3}, "inPlaceUpdateStrategy": {"gracePeriodSeconds": 30}}))["spec"]
    assert spec["updateStrategy"]["rollingUpdate"]["partition"] == 3


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"serviceName": None}, "spec.serviceName: Required value", id="serviceName is required"),
        pytest.param({"podManagementPolicy": "Random"}, 'spec.podManagementPolicy: Unsupported value: "Random"', id="unknown pod management policy"),
        pytest.param({"updateStrategy": {"type": "Recreate"}}, 'spec.updateStrategy.type: Unsupported value: "Recreate"', id="unknown update type"),
        pytest.param(
            {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": "x%"}}},
            'spec.updateStrategy.rollingUpdate.partition: Invalid value: "x%"',
            id="partition not a percent",
        ),
        pytest.param(
            {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": -1}}},
            "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: -1",
            id="negative maxUnavailable",
        ),
        pytest.param(
            {"updateStrategy": {"type": "InplaceUpdate", "inPlaceUpdateStrategy": {"gracePeriodSeconds": -5}}},
            "spec.updateStrategy.inPlaceUpdateStrategy.gracePeriodSeconds: Invalid value: -5",
            id="negative grace period",
        ),
        pytest.param(
            {"updateStrategy": {"type": "InplaceUpdate", "canary": {"steps": [{"partition": 3, "pause": {}}]}}},
            "spec.updateStrategy.canary.steps[0]: Invalid value",
            id="a canary step with two kinds",
        ),
        pytest.param(
            {"updateStrategy": {"type": "InplaceUpdate", "canary": {"steps": [{"hook": {"args": []}}]}}},
            "spec.updateStrategy.canary.steps[0].hook.templateName: Required value",
            id="hook step without a template",
        ),
        pytest.param({"preDeleteUpdateStrategy": {"retry": True}}, "spec.preDeleteUpdateStrategy.hook: Required value", id="hook strategy without a hook"),
        pytest.param({"updateStrategy": {"type": "OnDelete", "paused": "yes"}}, "spec.updateStrategy.paused: Invalid value", id="paused must be a boolean"),
        pytest.param({"selector": {"matchLabels": {"app": "other"}}}, "spec.template.metadata.labels: Invalid value", id="selector must match the template"),
        pytest.param({"volumeClaimTemplates": [{"metadata": {}}]}, "spec.volumeClaimTemplates[0].metadata.name: Required value", id="claim without a name"),
        pytest.param({"updateStrategy": {"type": "OnDelete", "rollingUpdat": {}}}, 'spec.updateStrategy.rollingUpdat: Forbidden: unknown field "rollingUpdat"', id="misspelt field"),
    ],
)
def test_bad_game_stateful_sets_are_refused_with_field_paths(spec: dict[str, Any], expected: str) -> None:
    obj = gsts(**spec)
    if spec.get("serviceName", "x") is None:
        del obj["spec"]["serviceName"]
    assert any(e.startswith(expected) for e in errors(obj)), errors(obj)


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(template(), "spec.metrics: Required value", id="no metrics"),
        pytest.param(template(web(), web()), "spec.metrics[1].name: Duplicate value", id="duplicate metric names"),
        pytest.param(template(web(count=3)), "spec.metrics[0].count: Invalid value: 3: interval must be specified", id="count > 1 needs an interval"),
        pytest.param(template(web(count=2, interval="5s", failureLimit=3)), "spec.metrics[0].failureLimit: Invalid value: 3", id="failureLimit above count"),
        pytest.param(template(web(interval="5 minutes")), 'spec.metrics[0].interval: Invalid value: "5 minutes"', id="not a Go duration"),
        pytest.param(
            template({"name": "m", "provider": {"web": {"url": "u", "jsonPath": "{$.a}"}, "prometheus": {"address": "a", "query": "q"}}}),
            "spec.metrics[0].provider: Invalid value",
            id="two providers",
        ),
        pytest.param(template({"name": "m", "provider": {"web": {"url": "u"}}}), "spec.metrics[0].provider.web.jsonPath: Required value", id="web without jsonPath"),
        pytest.param(
            template({"name": "m", "provider": {"kubernetes": {"function": "get", "fields": [{"path": "spec.x", "value": "1"}]}}}),
            "spec.metrics[0].provider.kubernetes.fields[0].path: Invalid value",
            id="kubernetes field outside annotations",
        ),
        pytest.param(template(web(), policy="Random"), 'spec.policy: Unsupported value: "Random"', id="unknown policy"),
    ],
)
def test_bad_hook_templates_are_refused_with_field_paths(obj: dict[str, Any], expected: str) -> None:
    assert any(e.startswith(expected) for e in errors(obj)), errors(obj)


def test_hook_template_defaults() -> None:
    spec = admit(template(web()))["spec"]
    assert spec["policy"] == "Parallel" and spec["metrics"][0]["provider"]["web"]["timeoutSeconds"] == 10


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30.0), ("1m30s", 90.0), ("1.5h", 5400.0), ("0", 0.0), ("250ms", 0.25)])
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds
