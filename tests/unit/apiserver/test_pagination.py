"""Pages of a list: one snapshot across pages, an opaque token, 410 once the snapshot is gone."""

from __future__ import annotations

import pytest

from graceroll.apiserver.pagination import TTL, ContinueExpired, Snapshots, decode, encode
from graceroll.errors import UsageError


def pods(*names: str, namespace: str = "default") -> list[dict]:
    return [{"kind": "Pod", "metadata": {"name": n, "namespace": namespace}} for n in names]


def names(items: list[dict]) -> list[str]:
    return [o["metadata"]["name"] for o in items]


def key(rv: int, labels: str = "") -> tuple[str, str, str, str, int]:
    return ("Pod", "", labels, "", rv)


def test_pages_come_from_the_snapshot_of_the_first_page() -> None:
    snapshots = Snapshots()
    first = snapshots.page(key(7), pods("a", "b", "c", "d", "e"), 2, 0.0)
    assert (names(first.items), first.remaining, first.resource_version) == (["a", "b"], 3, 7)
    # meanwhile b and d are deleted and z is created, at resourceVersion 9: the list stays as it was
    second = snapshots.page(key(9), pods("a", "c", "e", "z"), 2, 1.0, first.continue_token)
    assert (names(second.items), second.remaining, second.resource_version) == (["c", "d"], 1, 7)
    last = snapshots.page(key(9), pods("a", "c", "e", "z"), 2, 2.0, second.continue_token)
    assert (names(last.items), last.continue_token, last.metadata()) == (["e"], "", {"resourceVersion": "7"})


def test_a_list_that_fits_in_one_page_has_no_token() -> None:
    page = Snapshots().page(key(3), pods("a", "b"), 5, 0.0)
    assert names(page.items) == ["a", "b"] and page.metadata() == {"resourceVersion": "3"}


def test_with_a_selector_the_remaining_count_is_not_given() -> None:
    page = Snapshots().page(key(3, "app=web"), pods("a", "b", "c"), 1, 0.0)
    assert page.continue_token and page.remaining is None and "remainingItemCount" not in page.metadata()


def test_an_expired_snapshot_is_a_410_with_a_token_to_go_on_from() -> None:
    snapshots = Snapshots()
    first = snapshots.page(key(7), pods("a", "b", "c"), 1, 0.0)
    with pytest.raises(ContinueExpired) as e:
        snapshots.page(key(12), pods("a", "b", "c", "d"), 1, TTL + 1, first.continue_token)
    assert "too old to display a consistent list result" in str(e.value)
    again = snapshots.page(key(12), pods("a", "b", "c", "d"), 2, TTL + 2, e.value.token)
    assert names(again.items) == ["b", "c"] and again.resource_version == 12


def test_the_token_is_upstreams_shape_and_a_broken_one_is_refused() -> None:
    assert decode(encode(5, ("shop", "web-1"))) == (5, ("shop", "web-1"))
    with pytest.raises(UsageError, match="invalid continue token"):
        decode("not-a-token")
