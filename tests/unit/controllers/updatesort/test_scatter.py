"""Scatter ordering: ``TestScatterPodsByRule`` (SR) and ``TestSort`` (SS), reference §5.8.

Origin: openkruise/kruise@v1.9.0:pkg/util/updatesort/scatter_sort_test.go. SR rows apply the one
term ``labelA=AAA`` to every pod; SS rows pass only the listed candidates while every pod (a
``None`` is an empty slot) counts toward the totals. Labels written without "=" upstream are none.
"""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.updatesort import scatter

BY_RULE = [
    pytest.param([{}], [0], id="SR1 no label"),
    pytest.param([{'labelA': 'AAA'}], [0], id="SR2 only one scattered pod"),
    pytest.param([{'labelA': 'AAA'}, {}], [0, 1], id="SR3 odd scattered pod + odd ordinary pod"),
    pytest.param([{}, {}, {}, {}, {'labelA': 'AAA'}, {'labelA': 'AAA'}], [4, 0, 1, 2, 3, 5], id="SR4 even scattered pods + even ordinary pods"),
    pytest.param([{}, {}, {}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}], [3, 0, 1, 4, 2, 5], id="SR5 odd scattered pods + odd ordinary pods"),
    pytest.param([{}, {}, {}, {'labelA': 'AAA'}, {}, {}, {'labelA': 'AAA'}], [3, 0, 1, 2, 4, 5, 6], id="SR6 even scattered pods + odd ordinary pods"),
    pytest.param([{}, {}, {}, {}, {}, {}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}], [6, 0, 1, 2, 7, 3, 4, 5, 8], id="SR7 odd scattered pods + even ordinary pods"),
    pytest.param([{}, {}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}], [2, 3, 0, 4, 1, 5], id="SR8 even scattered pods + even ordinary pods + scattered pods more than ordinary pods"),
    pytest.param([{}, {}, {}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}], [3, 0, 1, 4, 2, 5], id="SR9 odd scattered pods + odd ordinary pods + scattered pods more than ordinary pods"),
    pytest.param([{}, {}, {'labelA': 'AAA'}, {}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}], [2, 4, 0, 5, 6, 1, 7, 3, 8], id="SR10 even scattered pods + odd ordinary pods + scattered pods more than ordinary pods"),
    pytest.param([{}, {'labelA': 'AAA'}, {}, {'labelA': 'AAA'}, {}, {}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}], [1, 0, 3, 2, 6, 4, 7, 5, 8], id="SR11 odd scattered pods + even ordinary pods + scattered pods more than ordinary pods"),
    pytest.param([{}, {}, {}, {}, {}, {}, {}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelA': 'AAA', 'labelB': 'BBB'}], [7, 0, 1, 2, 3, 8, 4, 5, 6, 9], id="SR12 invalid label"),
]


@pytest.mark.parametrize(("pods", "want"), BY_RULE)
def test_scatter_pods_by_rule(pods: list[dict[str, str]], want: list[int]) -> None:
    assert scatter.by_term({"key": "labelA", "value": "AAA"}, pods, list(range(len(pods)))) == want


SORT = [
    pytest.param([{'key': 'labelA', 'value': 'AAA'}], [{'labelA': 'AAA', 'labelB': 'BBB'}], [0], [0], id="SS1 a scattered pod + a ordinary pod"),
    pytest.param([], [{}, {}, {}, {}, {}, {}], [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5], id="SS2 all ordinary pods"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}], [{}, {}, {}, {}, {'labelA': 'AAA'}, {'labelA': 'AAA'}], [0, 1, 2, 3, 4, 5], [4, 0, 1, 2, 3, 5], id="SS3 one pod one label"),
    pytest.param([{'key': 'labelB', 'value': 'BBB'}], [{}, {}, {}, {}, {'sdfb': 'eee'}, {'dsf': 'same'}, {'labelB': 'BBB'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelA': 'AAA', 'labelB': 'BBB'}], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [6, 0, 1, 2, 3, 4, 5, 7, 8, 9], id="SS4 one pod more labels"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}], [{'labelB': 'BBB'}, {'labelB': 'BBB'}, {}, {}, {'labelA': 'AAA'}, {'labelA': 'AAA'}], [0, 1, 2, 3, 4, 5], [0, 4, 2, 3, 5, 1], id="SS5 2 dimensions + one pod one label"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}], [{}, {}, {}, {'labelB': 'BBB'}, {'labelA': 'AAA', 'labelB': 'BBB'}, {'labelA': 'AAA'}], [0, 1, 2, 3, 4, 5], [4, 0, 1, 2, 5, 3], id="SS6 2 dimensions + one pod more labels"),
    pytest.param([{'key': 'labelB', 'value': 'BBB'}, {'key': 'labelA', 'value': 'AAA'}], [{}, {}, {}, {}, {'sdfb': 'eee'}, {'dsf': 'same'}, {'labelB': 'BBB'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelB': 'BBB'}], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [7, 6, 0, 1, 2, 3, 4, 5, 9, 8], id="SS7 2 dimensions + same label + sequence: A + B"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}], [{}, {}, {}, {}, {'sdfb': 'eee'}, {'dsf': 'same'}, {'labelB': 'BBB'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelB': 'BBB'}], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [6, 7, 0, 1, 2, 3, 4, 5, 8, 9], id="SS8 2 dimensions + same label + sequence: B + A"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}], [{}, {}, {}, {}, {'sdfb': 'eee'}, {'dsf': 'same'}, {'labelA': 'AAA', 'labelB': 'BBB'}, {}, {}, {'labelB': 'BBB', 'labelA': 'AAA'}], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [6, 0, 1, 2, 3, 4, 5, 7, 8, 9], id="SS9 2 dimensions + same pod same label + even scatter pods + even ordinary pods"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}], [{}, {}, {}, {'sdfb': 'eee'}, {'dsf': 'same'}, {'labelA': 'AAA', 'labelB': 'BBB'}, {}, {}, {'labelB': 'BBB', 'labelA': 'AAA'}], [0, 1, 2, 3, 4, 5, 6, 7, 8], [5, 0, 1, 2, 3, 4, 6, 7, 8], id="SS10 2 dimensions + same pod same label + even scatter pods + odd ordinary pods"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}], [{}, {}, {}, {'labelA': 'AAA'}, {'sdfb': 'eee'}, {'dsf': 'same'}, {'labelA': 'AAA', 'labelB': 'BBB'}, {}, {}, {}], [0, 1, 2, 3, 4, 5, 6, 7], [3, 0, 1, 2, 4, 5, 7, 6], id="SS11 2 dimensions + same pod same label + odd scatter pods + odd ordinary pods"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}], [{}, {}, {}, {'labelA': 'AAA'}, {}, {}, {'sdfb': 'eee'}, {'dsf': 'same'}, {'labelA': 'AAA', 'labelB': 'BBB'}, {}, {}, {'labelB': 'BBB', 'labelA': 'AAA'}], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [0, 1, 2, 4, 3, 5, 6, 7, 9, 10, 8], id="SS12 2 dimensions + same pod same label + odd scatter pods + odd ordinary pods"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}], [{}, {}, {}, {'labelA': 'AAA'}, {'sdfb': 'eee', 'labelA': 'AAA'}, {'dsf': 'same'}, {'labelA': 'AAA', 'labelB': 'BBB'}, {}, {}, {'labelB': 'BBB', 'labelA': 'AAA'}], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [6, 3, 0, 1, 4, 2, 5, 7, 8, 9], id="SS13 2 dimensions + same pod same label + even scatter pods + even ordinary pods + scatter pods more than ordinary pods"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}], [{}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'sdfb': 'eee'}, {'dsf': 'same'}, {'labelA': 'AAA', 'labelB': 'BBB'}, {}, {}, {'labelB': 'BBB', 'labelA': 'AAA'}], [0, 1, 2, 3, 4, 5, 6, 7, 8], [5, 1, 0, 3, 2, 4, 6, 7, 8], id="SS14 2 dimensions + same pod same label + even scatter pods + odd ordinary pods + scatter pods more than ordinary pods"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}], [{'labelA': 'AAA'}, {}, {}, {'labelA': 'AAA'}, {'sdfb': 'eee', 'labelA': 'AAA'}, {'dsf': 'same'}, {'labelA': 'AAA', 'labelB': 'BBB'}, {}, {}, {'labelB': 'BBB', 'labelA': 'AAA'}], [0, 1, 2, 3, 4, 5, 6, 7], [1, 0, 2, 3, 5, 4, 7, 6], id="SS15 2 dimensions + same pod same label + odd scatter pods + odd ordinary pods + scatter pods more than ordinary pods"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}], [{}, {}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {}, {'labelA': 'AAA'}, {'sdfb': 'eee'}, {'dsf': 'same'}, {'labelA': 'AAA', 'labelB': 'BBB'}, {}, {}, {'labelB': 'BBB', 'labelA': 'AAA'}], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [0, 2, 1, 4, 3, 6, 7, 5, 9, 10, 8], id="SS16 2 dimensions + same pod same label + odd scatter pods + odd ordinary pods + scatter pods more than ordinary pods"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}, {'key': 'labelC', 'value': 'CCC'}], [{}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelB': 'BBB'}, {'labelB': 'BBB'}, {'labelC': 'CCC'}, {'labelC': 'CCC'}, {'labelC': 'CCC'}, {'labelC': 'CCC'}, {'labelC': 'CCC'}], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 1, 5, 0, 6, 7, 8, 9, 2, 4], id="SS17 3 dimensions + one pod one label"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}, {'key': 'labelC', 'value': 'CCC'}], [{}, {'labelA': 'AAA'}, {'labelA': 'AAA', 'labelC': 'CCC'}, {'labelB': 'BBB', 'labelC': 'CCC'}, {'labelB': 'BBB'}, {}, {}, {'labelC': 'CCC'}, {'labelC': 'CCC'}, {'labelC': 'CCC'}], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 2, 0, 7, 8, 5, 6, 9, 1, 4], id="SS18 3 dimensions + one pod more label"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}], [{}, {}, {}, {}, {'labelA': 'AAA'}, {'labelA': 'AAA'}, {'labelA': 'AAA'}], [0, 1, 2, 3, 4, 5], [0, 1, 4, 2, 3, 5], id="SS19 continuous sort 1"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}], [{'labelA': 'AAA'}, {'labelA': 'AAA'}, {}, {}, {}, {}, {}, {}, {}, {'labelA': 'AAA'}], [0, 1, 2, 3, 4, 5, 6], [2, 0, 3, 4, 5, 6, 1], id="SS20 continuous sort 2"),
    pytest.param([{'key': 'labelA', 'value': 'AAA'}, {'key': 'labelB', 'value': 'BBB'}, {'key': 'labelC', 'value': 'CCC'}], [{}, {'labelA': 'AAA'}, {'labelA': 'AAA', 'labelC': 'CCC'}, {'labelB': 'BBB', 'labelC': 'CCC'}, {'labelB': 'BBB'}, None, {}, {}, {'labelC': 'CCC'}, {'labelC': 'CCC'}, {'labelC': 'CCC'}], [0, 1, 2, 3, 4, 6, 7, 8, 9, 10], [3, 2, 0, 8, 9, 6, 7, 10, 1, 4], id="SS21 reserveOrdinals nil in slice"),
]


@pytest.mark.parametrize(("terms", "pods", "candidates", "want"), SORT)
def test_scatter_sort(terms: list[dict[str, Any]], pods: list[dict[str, str] | None], candidates: list[int], want: list[int]) -> None:
    assert scatter.sort(terms, pods, candidates) == want
