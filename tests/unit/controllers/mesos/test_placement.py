"""The UNIQUE constraint against nodes (pure)."""

from __future__ import annotations

from graceroll.controllers.mesos.placement import Node, place, unique_attributes

A, B = Node("a", "10.0.0.1"), Node("b", "10.0.0.2")


def test_the_seed_constraint_is_inner_ip_unique_whatever_the_key_case() -> None:
    assert unique_attributes({"IntersectionItem": [{"unionData": [{"name": "InnerIP", "operate": "UNIQUE"}]}]}) == ["inner_ip"]
    assert unique_attributes({"intersectionitem": [{"UnionData": [{"name": "hostname", "operate": "unique"}]}]}) == ["name"]


def test_other_operators_and_or_groups_are_not_hard_constraints() -> None:
    assert unique_attributes({"IntersectionItem": [{"UnionData": [{"name": "InnerIP", "operate": "MAXPER"}]}]}) == []
    two = [{"name": "InnerIP", "operate": "UNIQUE"}, {"name": "hostname", "operate": "CLUSTER"}]
    assert unique_attributes({"IntersectionItem": [{"UnionData": two}]}) == []
    assert unique_attributes(None) == []


def test_place_picks_the_first_node_with_a_free_value() -> None:
    assert place([A, B], [], ["inner_ip"]) == A
    assert place([A, B], [A], ["inner_ip"]) == B
    assert place([A, B], [A, B], ["inner_ip"]) is None
    assert place([A], [A, A], []) == A  # no constraint: any node, any number
