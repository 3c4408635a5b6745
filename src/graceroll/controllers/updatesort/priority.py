"""``priorityStrategy``: which pods to update first (``pkg/util/updatesort/priority_sort.go``).

Weight terms add up the weights of the selectors a pod matches (higher first). Order terms look
for the first ``orderedKey`` a pod carries: an earlier key first, and for the same key the larger
number at the end of the value first (``o-20`` before ``o-10``). A pod with none of the keys
sorts before every keyed pod — upstream code behaviour, though its API comment says otherwise.
Both sorts are stable.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from graceroll.api import selectors

Obj = dict[str, Any]


def _weight(strategy: Obj, labels: Mapping[str, str]) -> int:
    total = 0
    for term in strategy.get("weightPriority") or ():
        sel = selectors.from_label_selector(term.get("matchSelector"))
        if not sel.empty and sel.matches(labels):
            total += int(term.get("weight") or 0)
    return total


def _suffix_number(value: str) -> int:
    digits = len(value) - len(value.rstrip("0123456789"))
    return int(value[len(value) - digits :]) if digits else 0


def _order(strategy: Obj, labels: Mapping[str, str]) -> tuple[int, int]:
    for level, term in enumerate(strategy.get("orderPriority") or ()):
        key = term.get("orderedKey")
        if key in labels:
            return level, _suffix_number(labels[key])
    return -1, 0


def compare(strategy: Obj | None, a: Mapping[str, str], b: Mapping[str, str], default: bool) -> bool:
    """Whether a pod labelled ``a`` goes before one labelled ``b``; ``default`` on a tie."""
    if not strategy:
        return default
    if strategy.get("weightPriority"):
        wa, wb = _weight(strategy, a), _weight(strategy, b)
        return default if wa == wb else wa > wb
    if strategy.get("orderPriority"):
        (la, va), (lb, vb) = _order(strategy, a), _order(strategy, b)
        if la != lb:
            return la < lb
        return default if va == vb else va > vb
    return default


def sort(strategy: Obj | None, labels: Sequence[Mapping[str, str]], indexes: list[int]) -> list[int]:
    """``indexes`` (into ``labels``) reordered by priority, stably."""
    if not strategy or not (strategy.get("weightPriority") or strategy.get("orderPriority")):
        return list(indexes)

    def cmp(i: int, j: int) -> int:
        if compare(strategy, labels[i], labels[j], False):
            return -1
        if compare(strategy, labels[j], labels[i], False):
            return 1
        return 0

    return sorted(indexes, key=functools.cmp_to_key(cmp))
