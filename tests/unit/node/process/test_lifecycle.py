"""What is left of a preStop an earlier engine had begun: only a sleep has a remainder, bounded by the budget."""

from __future__ import annotations

import pytest

from graceroll.node.process.lifecycle import rest_of_sleep


@pytest.mark.parametrize(
    "hook, began, now, budget, expect",
    [
        pytest.param({"sleep": {"seconds": 10}}, 100.0, 104.0, 30.0, 6.0, id="sleep: what is left of it"),
        pytest.param({"sleep": {"seconds": 10}}, 100.0, 104.0, 2.0, 2.0, id="sleep: no longer than the grace period left"),
        pytest.param({"sleep": {"seconds": 10}}, 100.0, 115.0, 30.0, 0.0, id="sleep: already over"),
        pytest.param({"exec": {"command": ["true"]}}, 100.0, 101.0, 30.0, 0.0, id="exec: not repeated"),
        pytest.param({"httpGet": {"port": 80}}, 100.0, 101.0, 30.0, 0.0, id="httpGet: not repeated"),
    ],
)
def test_rest_of_sleep(hook: dict[str, object], began: float, now: float, budget: float, expect: float) -> None:
    assert rest_of_sleep(hook, began, now, budget) == expect
