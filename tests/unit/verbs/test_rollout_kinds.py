"""The Deployment's rollout hooks: ``rollout status`` messages, the undo patch, revision parsing."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.errors import UsageError
from graceroll.verbs import rollout_kinds
from graceroll.verbs.rollout import status_message
from graceroll.verbs.rollout_kinds import RolloutFailed, parse_revision, rollback_patch


def deployment(generation: int, observed: int, spec_replicas: int | None, replicas: int, updated: int, available: int, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {} if spec_replicas is None else {"replicas": spec_replicas}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "foo", "namespace": "default", "generation": generation, **extra},
        "spec": spec,
        "status": {
            "observedGeneration": observed,
            "replicas": replicas,
            "updatedReplicas": updated,
            "availableReplicas": available,
        },
    }


# kubernetes/kubectl:pkg/polymorphichelpers/rollout_status_test.go TestDeploymentStatusViewerStatus
STATUS_VECTORS = [
    pytest.param(0, 1, 1, 1, 0, 1, 'Waiting for deployment "foo" rollout to finish: 0 out of 1 new replicas have been updated...\n', False, id="waiting: no new replica updated yet"),
    pytest.param(1, 1, 1, 2, 1, 2, 'Waiting for deployment "foo" rollout to finish: 1 old replicas are pending termination...\n', False, id="waiting: an old replica still runs"),
    pytest.param(1, 1, 2, 2, 2, 1, 'Waiting for deployment "foo" rollout to finish: 1 of 2 updated replicas are available...\n', False, id="waiting: an updated replica is not available yet"),
    pytest.param(1, 1, 2, 2, 2, 2, 'deployment "foo" successfully rolled out\n', True, id="done: every replica updated and available"),
    pytest.param(2, 1, 2, 2, 2, 2, "Waiting for deployment spec update to be observed...\n", False, id="waiting: the controller has not seen the new generation"),
]


@pytest.mark.parametrize(("generation", "observed", "spec_replicas", "replicas", "updated", "available", "message", "done"), STATUS_VECTORS)
def test_status_message_follows_kubectl(generation: int, observed: int, spec_replicas: int, replicas: int, updated: int, available: int, message: str, done: bool) -> None:
    msg, finished = status_message(deployment(generation, observed, spec_replicas, replicas, updated, available))
    assert (msg + "\n", finished) == (message, done)


def test_status_message_without_spec_replicas_skips_the_updated_count() -> None:
    msg, done = status_message(deployment(1, 1, None, 0, 0, 0))
    assert (msg, done) == ('deployment "foo" successfully rolled out', True)


def test_status_message_raises_once_the_progress_deadline_was_exceeded() -> None:
    d = deployment(1, 1, 2, 2, 1, 1)
    d["status"]["conditions"] = [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]
    with pytest.raises(RolloutFailed, match=r'^deployment "foo" exceeded its progress deadline$'):
        status_message(d)


def test_status_message_ignores_an_exceeded_deadline_of_an_older_generation() -> None:
    d = deployment(2, 1, 2, 2, 1, 1)
    d["status"]["conditions"] = [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]
    assert status_message(d) == ("Waiting for deployment spec update to be observed...", False)


@pytest.mark.parametrize(
    ("annotation", "revision", "error"),
    [
        pytest.param("3", 2, r"^desired revision \(2\) is different from the running revision \(3\)$", id="another revision runs"),
        pytest.param(None, 1, r"^desired revision \(1\) is different from the running revision \(0\)$", id="no revision annotation counts as 0"),
        pytest.param("x", 1, r'^cannot get the revision of deployment "foo"', id="an unreadable revision annotation"),
        pytest.param("3", -1, r"^revision must be a positive integer: -1$", id="a negative revision"),
    ],
)
def test_status_message_checks_the_requested_revision(annotation: str | None, revision: int, error: str) -> None:
    extra = {"annotations": {"deployment.kubernetes.io/revision": annotation}} if annotation is not None else {}
    with pytest.raises(UsageError, match=error):
        status_message(deployment(1, 1, 1, 1, 1, 1, **extra), revision)


def test_status_message_accepts_the_running_revision() -> None:
    d = deployment(1, 1, 1, 1, 1, 1, annotations={"deployment.kubernetes.io/revision": "3"})
    assert status_message(d, 3) == ('deployment "foo" successfully rolled out', True)


def test_status_message_refuses_kinds_without_a_status_viewer() -> None:
    with pytest.raises(UsageError, match='no status viewer has been implemented for "ReplicaSet"'):
        status_message({"kind": "ReplicaSet", "metadata": {"name": "x"}})


def test_rollback_patch_replaces_template_and_annotations() -> None:
    # kubernetes/kubectl:pkg/polymorphichelpers/rollback_test.go TestGetDeploymentPatch (as dicts: no Go zero values)
    d = {"metadata": {"annotations": {"a": "true"}}, "spec": {"template": {}}}
    rs = {"metadata": {"annotations": {"a": "true"}}, "spec": {"template": {"spec": {"containers": [{"image": "foo"}]}}}}
    assert rollback_patch(d, rs) == [
        {"op": "replace", "path": "/spec/template", "value": {"spec": {"containers": [{"image": "foo"}]}}},
        {"op": "replace", "path": "/metadata/annotations", "value": {"a": "true"}},
    ]


def test_rollback_patch_drops_the_hash_label_and_rebuilds_annotations_from_the_skip_list() -> None:
    d = {
        "metadata": {"annotations": {"deployment.kubernetes.io/revision": "3", "team": "blue", "kubernetes.io/change-cause": "now"}},
        "spec": {"template": {}},
    }
    rs = {
        "metadata": {"annotations": {"deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": "4", "kubernetes.io/change-cause": "then"}},
        "spec": {"template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}}}},
    }
    template_op, annotations_op = rollback_patch(d, rs)
    assert template_op["value"] == {"metadata": {"labels": {"app": "web"}}}
    assert annotations_op["value"] == {"deployment.kubernetes.io/revision": "3", "kubernetes.io/change-cause": "then"}
    assert rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] == "abc"  # the input is untouched


def test_rollback_patch_adds_annotations_to_a_deployment_without_any() -> None:
    assert rollback_patch({"metadata": {}, "spec": {}}, {"metadata": {}, "spec": {"template": {}}})[1]["op"] == "add"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        pytest.param(None, 0, id="missing counts as revision 0"),
        pytest.param("12", 12, id="a number"),
        pytest.param("abc", None, id="not a number: unreadable"),
        pytest.param("", None, id="empty: unreadable"),
    ],
)
def test_parse_revision_reads_like_kubectl(text: str | None, number: int | None) -> None:
    assert parse_revision(text) == number


def test_only_the_deployment_is_registered_so_far() -> None:
    assert rollout_kinds.find("Deployment") is rollout_kinds.DEPLOYMENT
    assert rollout_kinds.find("ReplicaSet") is None
