"""kubectl's spellings of one-letter flags joined to their value."""

from __future__ import annotations

import pytest

from graceroll.cli.argv import kubectl_argv


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["patch", "gsts", "x", "--type=json", "-p=[{}]"], ["patch", "gsts", "x", "--type=json", "-p", "[{}]"]),
        (["get", "pods", "-o=json"], ["get", "pods", "-o", "json"]),
        (["-n=ns", "get", "pods"], ["-n", "ns", "get", "pods"]),
        (["-p", "=x"], ["-p", "=x"]),  # a separate value is left as it is
        (["--", "-p=x"], ["--", "-p=x"]),  # after --, nothing is a flag
        (["-p="], ["-p", ""]),
        (["-5=x", "-=x"], ["-5=x", "-=x"]),
    ],
)
def test_one_letter_flags_joined_by_equals_are_split(argv: list[str], expected: list[str]) -> None:
    assert kubectl_argv(argv) == expected
