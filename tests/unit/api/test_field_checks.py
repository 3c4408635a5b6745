"""The shared validators: path syntax, name rules, int-or-percent and immutability.

Message texts: kubernetes/apimachinery:pkg/util/validation/validation.go.
"""

from __future__ import annotations

import pytest

from graceroll.api import field_checks as fc


@pytest.mark.parametrize(
    "path, parts",
    [
        (
            "spec.template.spec.containers[0].ports[12].containerPort",
            ["spec", "template", "spec", "containers", 0, "ports", 12, "containerPort"],
        ),
        ("metadata.labels[app.kubernetes.io/name]", ["metadata", "labels", "app.kubernetes.io/name"]),
        ("items[3]", ["items", 3]),
        ("kind", ["kind"]),
        ("", []),
    ],
)
def test_parse_path(path: str, parts: list[str | int]) -> None:
    assert fc.parse_path(path) == parts


@pytest.mark.parametrize(
    "value, ok",
    [
        ("web", True),
        ("web-1", True),
        ("1web", True),
        ("-web", False),
        ("Web", False),
        ("a" * 63, True),
        ("a" * 64, False),
    ],
)
def test_dns1123_label(value: str, ok: bool) -> None:
    assert (fc.is_dns1123_label(value) == []) is ok


def test_a_dns_label_with_dots_says_so() -> None:
    assert fc.is_dns1123_label("a.b") == ["must not contain dots"]


@pytest.mark.parametrize("value, ok", [("web.example.com", True), ("web..com", False), ("a" * 254, False)])
def test_dns1123_subdomain(value: str, ok: bool) -> None:
    assert (fc.is_dns1123_subdomain(value) == []) is ok


@pytest.mark.parametrize(
    "value, ok",
    [
        ("app", True),
        ("app.kubernetes.io/name", True),
        ("A_b.c", True),
        ("example.com/", False),
        ("/name", False),
        ("Example.com/name", False),
        ("a/b/c", False),
        ("-a", False),
        ("a" * 64, False),
    ],
)
def test_qualified_name(value: str, ok: bool) -> None:
    assert (fc.is_qualified_name(value) == []) is ok


@pytest.mark.parametrize(
    "value, ok", [("", True), ("v1.2_3", True), ("-v", False), ("a b", False), ("a" * 64, False)]
)
def test_label_value(value: str, ok: bool) -> None:
    assert (fc.is_label_value(value) == []) is ok


@pytest.mark.parametrize(
    "value, messages",
    [
        ("http", []),
        ("h2c-web", []),
        ("a-very-long-name", ["must be no more than 15 characters"]),
        ("123", ["must contain at least one letter (a-z)"]),
        ("a--b", ["must not contain consecutive hyphens"]),
        ("-ab", ["must not begin or end with a hyphen"]),
        (
            "HTTP",
            [
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "must contain at least one letter (a-z)",
            ],
        ),
    ],
)
def test_port_name(value: str, messages: list[str]) -> None:
    assert fc.is_port_name(value) == messages


@pytest.mark.parametrize(
    "value, ok",
    [("MY_VAR", True), ("my.var-1", True), ("1VAR", True), ("A=B", False), ("é", False), ("", False)],
)
def test_env_var_name_is_relaxed(value: str, ok: bool) -> None:
    assert (fc.is_env_var_name(value) == []) is ok


@pytest.mark.parametrize(
    "value, number", [(3, 3), ("25%", 25), ("0%", 0), ("5", 5), ("20Percent", 0), (None, 0), ("²", 0)]
)
def test_int_or_percent_value_reads_like_upstream(value: int | str | None, number: int) -> None:
    assert fc.int_or_percent_value(value) == number


@pytest.mark.parametrize("prefix, masked", [("web-", "weba"), ("web.", "weba"), ("web", "web"), ("-", "a")])
def test_generate_name_prefixes_are_checked_as_names(prefix: str, masked: str) -> None:
    assert fc.mask_generate_name(prefix) == masked


def test_immutable_treats_null_and_empty_alike() -> None:
    assert (
        fc.immutable(
            "spec.selector", {"matchLabels": {"a": "b"}, "matchExpressions": []}, {"matchLabels": {"a": "b"}}
        )
        == []
    )
    assert [
        str(e)
        for e in fc.immutable("spec.selector", {"matchLabels": {"a": "c"}}, {"matchLabels": {"a": "b"}})
    ] == ['spec.selector: Invalid value: {"matchLabels":{"a":"c"}}: field is immutable']


@pytest.mark.parametrize(
    "expr, expected",
    [
        pytest.param(
            {"key": "a", "operator": "In"},
            [
                "sel.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
            ],
            id="In without values",
        ),
        pytest.param(
            {"key": "a", "operator": "Exists", "values": ["x"]},
            [
                "sel.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
            ],
            id="Exists with values",
        ),
        pytest.param({"key": "a", "operator": "DoesNotExist"}, [], id="DoesNotExist"),
    ],
)
def test_label_selector_requirements(expr: dict[str, object], expected: list[str]) -> None:
    assert [str(e) for e in fc.label_selector("sel", {"matchExpressions": [expr]})] == expected
