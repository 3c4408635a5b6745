"""Where a taskgroup may run: the ``UNIQUE`` constraint against the nodes (pure).

``constraint.IntersectionItem[]`` is an AND of items, each an OR of ``UnionData[]`` rules (keys
match case-insensitively, as the original decoder). A ``UNIQUE`` rule on ``InnerIP`` (or
``hostname``) accepts a node only if no taskgroup of the same application already has that node's
value; finished taskgroups do not count. An application is its own scope, so a new version's
taskgroups may share a node with the old version's (bcs-scheduler ``IsConstraintsFit``). Other operators are
accepted and not enforced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

NOT_ENOUGH_RESOURCES = "have not enough resources to launch application"  # upstream's message
ATTRIBUTES = {"innerip": "inner_ip", "hostname": "name"}


@dataclass(frozen=True)
class Node:
    name: str
    inner_ip: str


DEFAULT_NODES = (Node("local", "127.0.0.1"),)


def _get(m: Any, key: str) -> Any:
    if not isinstance(m, dict):
        return None
    return next((v for k, v in m.items() if isinstance(k, str) and k.lower() == key.lower()), None)


def unique_attributes(constraint: Any) -> list[str]:
    """The node attributes (``inner_ip``, ``name``) that must differ between an application's taskgroups."""
    found = []
    for item in _get(constraint, "IntersectionItem") or []:
        rules = _get(item, "UnionData") or []
        if len(rules) != 1:
            continue  # an OR of several rules is satisfied by any one of them: not a hard UNIQUE
        rule = rules[0]
        attribute = ATTRIBUTES.get(str(_get(rule, "name") or "").lower())
        if str(_get(rule, "operate") or "").upper() == "UNIQUE" and attribute:
            found.append(attribute)
    return found


def place(nodes: Iterable[Node], taken: Iterable[Node], attributes: list[str]) -> Node | None:
    """The first node that keeps every UNIQUE attribute distinct from the ``taken`` ones, if any."""
    taken = list(taken)
    for node in nodes:
        if all(getattr(node, a) not in {getattr(t, a) for t in taken} for a in attributes):
            return node
    return None
