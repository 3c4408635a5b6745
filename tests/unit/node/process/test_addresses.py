"""Pod addresses: loopback, next-fit, .0/.255 skipped, a restarted pod keeps its address."""

from __future__ import annotations

import pytest

from graceroll.node.process.addresses import AddressesExhausted, AddressPool


def test_addresses_start_at_127_10_0_1_and_move_on() -> None:
    pool = AddressPool()
    assert [pool.allocate(u) for u in "abc"] == ["127.10.0.1", "127.10.0.2", "127.10.0.3"]


def test_the_same_owner_keeps_its_address() -> None:
    pool = AddressPool()
    assert pool.allocate("a") == pool.allocate("a", preferred="127.10.0.9")


def test_released_address_is_not_reused_next() -> None:
    pool = AddressPool()
    pool.allocate("a")
    pool.release("a")
    assert pool.allocate("b") == "127.10.0.2"


def test_network_and_broadcast_looking_addresses_are_skipped() -> None:
    pool = AddressPool(first="127.10.0.254", last="127.10.1.2")
    assert [pool.allocate(u) for u in "abc"] == ["127.10.0.254", "127.10.1.1", "127.10.1.2"]


@pytest.mark.parametrize(
    "preferred, got",
    [
        pytest.param("127.10.0.7", "127.10.0.7", id="a free recorded address is kept"),
        pytest.param("127.10.0.1", "127.10.0.2", id="a taken one is not"),
        pytest.param("10.0.0.1", "127.10.0.2", id="nor one outside the pool"),
        pytest.param("garbage", "127.10.0.2", id="nor something that is no address"),
    ],
)
def test_preferred_address(preferred: str, got: str) -> None:
    pool = AddressPool()
    pool.allocate("first")
    assert pool.allocate("b", preferred=preferred) == got


def test_a_full_pool_says_so() -> None:
    pool = AddressPool(first="127.10.0.1", last="127.10.0.2")
    pool.allocate("a")
    pool.allocate("b")
    with pytest.raises(AddressesExhausted):
        pool.allocate("c")
