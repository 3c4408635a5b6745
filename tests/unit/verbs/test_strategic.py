"""Strategic merge semantics: merge keys, directives and the three-way merge of apply."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.errors import UsageError
from graceroll.verbs.strategic import merge_key, strategic_merge, three_way


@pytest.mark.parametrize(
    ("path", "key"),
    [
        pytest.param(("spec", "template", "spec", "containers"), "name", id="containers merge by name"),
        pytest.param(("spec", "template", "spec", "containers", "ports"), "containerPort", id="container ports by containerPort"),
        pytest.param(("spec", "ports"), "port", id="service ports by port"),
        pytest.param(("spec", "template", "spec", "containers", "env"), "name", id="env by name"),
        pytest.param(("spec", "template", "spec", "containers", "volumeMounts"), "mountPath", id="volume mounts by mountPath"),
        pytest.param(("spec", "template", "spec", "volumes"), "name", id="volumes by name"),
        pytest.param(("spec", "template", "spec", "containers", "args"), None, id="args are atomic"),
        pytest.param(("spec", "template", "spec", "tolerations"), None, id="tolerations are atomic"),
    ],
)
def test_merge_key_by_field(path: tuple[str, ...], key: str | None) -> None:
    assert merge_key(path) == key


CONTAINERS: dict[str, Any] = {"containers": [{"name": "a", "image": "a:1", "args": ["x", "y"]}, {"name": "b", "image": "b:1"}]}


@pytest.mark.parametrize(
    ("current", "patch", "result"),
    [
        pytest.param(CONTAINERS, {"containers": [{"name": "a", "args": ["z"]}]}, {"containers": [{"name": "a", "image": "a:1", "args": ["z"]}, {"name": "b", "image": "b:1"}]}, id="an atomic list inside a keyed item is replaced"),
        pytest.param(CONTAINERS, {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]}, {"containers": [{"name": "b", "image": "b:1"}, {"name": "a", "image": "a:1", "args": ["x", "y"]}]}, id="setElementOrder reorders"),
        pytest.param({"finalizers": ["x", "y", "z"]}, {"$deleteFromPrimitiveList/finalizers": ["y"]}, {"finalizers": ["x", "z"]}, id="deleteFromPrimitiveList removes values"),
        pytest.param({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}, {"strategy": {"type": "Recreate", "$retainKeys": ["type"]}}, {"strategy": {"type": "Recreate"}}, id="retainKeys drops unnamed keys"),
        pytest.param({"a": {"b": 1}, "c": 2}, {"a": {"$patch": "delete"}}, {"c": 2}, id="delete directive removes a map"),
        pytest.param({"a": 1}, {"b": {"$patch": "replace", "c": 1}}, {"a": 1, "b": {"c": 1}}, id="replace directive on an absent map sets it"),
    ],
)
def test_strategic_merge_directives(current: Any, patch: Any, result: Any) -> None:
    assert strategic_merge(current, patch) == result


def test_strategic_merge_needs_the_merge_key_in_keyed_items() -> None:
    with pytest.raises(UsageError, match=r"does not contain declared merge key: name"):
        strategic_merge(CONTAINERS, {"containers": [{"image": "x"}]})


def test_strategic_merge_refuses_unknown_directives() -> None:
    with pytest.raises(UsageError, match='unknown patch directive "bogus"'):
        strategic_merge({}, {"a": {"$patch": "bogus"}})


@pytest.mark.parametrize(
    ("original", "modified", "current", "result"),
    [
        pytest.param({}, {"a": 1}, {"a": 0, "b": 2}, {"a": 1, "b": 2}, id="the manifest wins, other fields stay"),
        pytest.param({"a": 1, "b": 2}, {"a": 1}, {"a": 1, "b": 2, "c": 3}, {"a": 1, "c": 3}, id="a field dropped from the manifest goes"),
        pytest.param({"m": {"x": 1}}, {"m": {"y": 1}}, {"m": {"x": 1, "z": 1}}, {"m": {"y": 1, "z": 1}}, id="nested maps merge three ways"),
        pytest.param({}, {"l": [1]}, {"l": [1, 2]}, {"l": [1]}, id="atomic lists take the manifest"),
        pytest.param(
            {"containers": [{"name": "a"}, {"name": "b"}]},
            {"containers": [{"name": "a", "image": "2"}]},
            {"containers": [{"name": "a", "image": "1", "x": 1}, {"name": "b"}, {"name": "c"}]},
            {"containers": [{"name": "a", "image": "2", "x": 1}, {"name": "c"}]},
            id="keyed items: merged, dropped, or kept when never applied",
        ),
    ],
)
def test_three_way(original: Any, modified: Any, current: Any, result: Any) -> None:
    assert three_way(original, modified, current) == result
