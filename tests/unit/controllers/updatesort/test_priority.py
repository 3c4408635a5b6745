"""Priority ordering: ``TestCompare`` (PC) and ``Test_prioritySort_Sort`` (PS), reference §5.7.

Origin: openkruise/kruise@v1.9.0:pkg/util/updatesort/priority_sort_test.go.
"""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.updatesort import priority


def weights(*terms: tuple[int, str]) -> dict[str, Any]:
    out = []
    for w, label in terms:
        k, v = label.split("=")
        out.append({"weight": w, "matchSelector": {"matchLabels": {k: v}}})
    return {"weightPriority": out}


W2 = weights((20, "key=foo"), (10, "key=bar"))
W3A = weights((20, "key1=foo"), (10, "key2=bar"), (15, "key3=baz"))
W3B = weights((20, "key1=foo"), (10, "key2=bar"), (5, "key3=baz"))
ORDER = {"orderPriority": [{"orderedKey": "key1"}, {"orderedKey": "key2"}]}

COMPARE = [
    pytest.param(W2, {}, {}, True, id="PC1 tie keeps the default"),
    pytest.param(W2, {"key": "foo"}, {"key": "foo"}, True, id="PC2"),
    pytest.param(W2, {"key": "bar"}, {"key": "foo"}, False, id="PC3"),
    pytest.param(W2, {}, {"key": "bar"}, False, id="PC4"),
    pytest.param(W2, {}, {"key": "foo"}, False, id="PC5"),
    pytest.param(W3A, {"key1": "foo"}, {"key2": "bar", "key3": "baz"}, False, id="PC6 weights add up: 20 < 25"),
    pytest.param(W3B, {"key2": "bar", "key3": "baz"}, {"key1": "foo"}, False, id="PC7 15 < 20"),
    pytest.param(ORDER, {}, {}, True, id="PC8"),
    pytest.param(ORDER, {"key1": "o-10"}, {"key1": "o-5"}, True, id="PC9 larger suffix first"),
    pytest.param(ORDER, {"key1": "o-10"}, {"key1": "o-10"}, True, id="PC10"),
    pytest.param(ORDER, {"key1": "o-10"}, {"key1": "o-20"}, False, id="PC11"),
    pytest.param(ORDER, {"key2": "o-20"}, {"key1": "o-10"}, False, id="PC12 an earlier key first"),
    pytest.param(ORDER, {"key2": "o-20"}, {"key2": "o-10"}, True, id="PC13"),
]


@pytest.mark.parametrize(("strategy", "a", "b", "want"), COMPARE)
def test_compare(strategy: dict[str, Any], a: dict[str, str], b: dict[str, str], want: bool) -> None:
    assert priority.compare(strategy, a, b, True) is want


PODS = [{"hello": "world"}, {}, {"foo": "bar"}, {}]
SORT = [
    pytest.param({}, [{}, {}, {}], [0, 1, 2], id="PS1 no strategy"),
    pytest.param(weights((100, "foo=bar"), (90, "hello=world")), PODS, [2, 0, 1, 3], id="PS2 by weight"),
    pytest.param(weights((100, "x=y"), (90, "a=b")), PODS, [0, 1, 2, 3], id="PS3 no match keeps the order"),
]


@pytest.mark.parametrize(("strategy", "pods", "want"), SORT)
def test_sort(strategy: dict[str, Any], pods: list[dict[str, str]], want: list[int]) -> None:
    assert priority.sort(strategy, pods, list(range(len(pods)))) == want


def test_a_pod_without_any_ordered_key_goes_first() -> None:
    """Upstream code behaviour (level −1), contrary to its API comment."""
    assert priority.sort(ORDER, [{"key1": "o-1"}, {}], [0, 1]) == [1, 0]
