"""Health checks, version information, the review answers of kubectl auth, the replace guard."""

from __future__ import annotations

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.apiserver import discovery, public, replace_guard, reviews
from graceroll.apiserver.streams import channels

CHECKS: dict[str, public.Check] = {"ping": lambda: True, "store": lambda: True}


def test_health_answers_in_upstreams_format() -> None:
    assert public.health("livez", None, False, set(), CHECKS) == public.HealthAnswer(200, "ok")
    assert public.health("readyz", None, True, set(), CHECKS).text == "[+]ping ok\n[+]store ok\nreadyz check passed\n"
    failing = {**CHECKS, "store": lambda: False}
    answer = public.health("healthz", None, False, set(), failing)
    assert answer.code == 500 and answer.text == "[+]ping ok\n[-]store failed: reason withheld\nhealthz check failed\n"
    assert public.health("healthz", None, True, {"store"}, failing).text == "[+]ping ok\n[+]store excluded: ok\nhealthz check passed\n"
    assert public.health("readyz", "ping", False, set(), CHECKS) == public.HealthAnswer(200, "ok")
    assert public.health("readyz", "nope", False, set(), CHECKS).code == 404


def test_public_paths_and_version_fields() -> None:
    assert public.is_public(["readyz"]) and public.is_public(["livez", "ping"]) and public.is_public(["version"])
    assert not public.is_public(["api", "v1"]) and not public.is_public([])
    info = public.version_info()
    required = {"major", "minor", "gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"}
    assert required <= set(info) and all(isinstance(info[k], str) and info[k] for k in required)


def test_the_token_holder_may_do_everything() -> None:
    access = reviews.answer("SelfSubjectAccessReview", "authorization.k8s.io/v1", {"spec": {"resourceAttributes": {"verb": "delete", "resource": "pods"}}})
    assert access["status"]["allowed"] is True and access["spec"]["resourceAttributes"]["verb"] == "delete"
    rules = reviews.answer("SelfSubjectRulesReview", "authorization.k8s.io/v1", {"spec": {"namespace": "default"}})
    assert rules["status"]["resourceRules"] == [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
    who = reviews.answer("SelfSubjectReview", "authentication.k8s.io/v1", {})
    assert who["status"]["userInfo"] == {"username": reviews.USER, "groups": reviews.GROUPS}
    groups = {g["name"] for g in discovery.api_group_list()["groups"]}
    assert {"authorization.k8s.io", "authentication.k8s.io"} <= groups
    listed = discovery.resource_list("authorization.k8s.io", "v1")
    assert listed is not None and {r["name"] for r in listed["resources"]} == {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}


def test_a_deleted_object_is_remembered_for_a_while_without_what_the_server_set() -> None:
    guard = replace_guard.RecentlyDeleted()
    obj = {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "web", "namespace": "default", "uid": "u1", "resourceVersion": "9", "labels": {"a": "b"}}, "spec": {"replicas": 2}, "status": {"replicas": 2}}
    guard.remember(obj, 100.0)
    assert guard.take(("Deployment", "default", "web"), 100.0 + replace_guard.WINDOW + 1) is None
    guard.remember(obj, 100.0)
    restored = guard.take(("Deployment", "default", "web"), 160.0)
    assert restored == {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "web", "namespace": "default", "labels": {"a": "b"}}, "spec": {"replicas": 2}}
    assert guard.take(("Deployment", "default", "web"), 160.0) is None  # taken once


def test_exit_codes_on_the_error_channel() -> None:
    assert channels.exited(0, ["true"]) == {"metadata": {}, "status": "Success"}
    failed = channels.exited(3, ["sh", "-c", "exit 3"])
    assert failed["reason"] == "NonZeroExitCode" and failed["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    assert channels.split(b"\x00hi") == (0, b"hi") and channels.split(b"") is None
