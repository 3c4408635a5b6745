"""Measurement schedule and assessment (upstream ``hook_reconcile.go``), with graceroll's two choices:
failureLimit 0 fails on the first failure, and count reached on an Error is an Error."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.hookrun import schedule

Obj = dict[str, Any]


def after(metric: Obj, *phases: str, t0: float = 0.0) -> Obj:
    result = schedule.new_result(metric)
    for i, phase in enumerate(phases):
        result = schedule.record(result, schedule.measurement(phase, t0 + i))
    return result


@pytest.mark.parametrize(
    ("metric", "phases", "expected"),
    [
        pytest.param({}, (), "Pending", id="nothing measured yet"),
        pytest.param({}, ("Successful",), "Successful", id="count defaults to 1"),
        pytest.param({}, ("Failed",), "Failed", id="failureLimit 0 fails on the first failure (docs, not code)"),
        pytest.param({"count": 3, "interval": "1s", "failureLimit": 1}, ("Failed",), "Running", id="within the failure limit"),
        pytest.param({"count": 3, "interval": "1s", "failureLimit": 1}, ("Failed", "Failed"), "Failed", id="over the failure limit"),
        pytest.param({"count": 3, "interval": "1s", "failureLimit": 1}, ("Failed", "Successful", "Successful"), "Successful", id="count reached"),
        pytest.param({}, ("Inconclusive",), "Inconclusive", id="inconclusiveLimit 0"),
        pytest.param({}, ("Error",), "Error", id="an error counts: count 1 reached on an error"),
        pytest.param({"count": 3, "interval": "1s"}, ("Error", "Error"), "Running", id="errors count towards count"),
        pytest.param({"count": 3, "interval": "1s"}, ("Error", "Error", "Error"), "Error", id="count reached on errors"),
        pytest.param({"count": 3, "interval": "1s"}, ("Error", "Error", "Successful"), "Successful", id="count reached on a success"),
        pytest.param({"count": 2, "interval": "1s"}, ("Successful", "Error"), "Error", id="count reached on an error after a success"),
        pytest.param({"consecutiveErrorLimit": 2}, ("Error", "Error", "Error"), "Error", id="consecutive error limit exceeded"),
        pytest.param({"consecutiveErrorLimit": 2}, ("Error", "Error", "Successful"), "Successful", id="an error run reset by success"),
        pytest.param({"interval": "5s", "successfulLimit": 2}, ("Successful", "Successful"), "Successful", id="successfulLimit"),
        pytest.param({"interval": "5s", "consecutiveSuccessfulLimit": 2}, ("Successful", "Successful"), "Successful", id="consecutive successes"),
        pytest.param({"interval": "5s"}, ("Successful",) * 20, "Running", id="unlimited with an interval only"),
    ],
)
def test_assess(metric: Obj, phases: tuple[str, ...], expected: str) -> None:
    assert schedule.assess(metric, after(metric, *phases), False) == expected


def test_terminating_ends_a_metric_successfully() -> None:
    assert schedule.assess({"interval": "5s"}, after({"interval": "5s"}, "Successful"), True) == "Successful"


def test_schedule_initial_delay_interval_and_error_retry() -> None:
    metric = {"initialDelay": "30s", "interval": "1m", "count": 3}
    assert schedule.next_due(metric, schedule.new_result(metric), 100.0) == 130.0
    assert schedule.next_due(metric, after(metric, "Successful", t0=1000.0), 100.0) == 1060.0
    assert schedule.next_due({}, after({}, "Successful", t0=1000.0), 100.0) is None
    assert schedule.next_due({}, after({}, "Error", t0=1000.0), 100.0) is None  # count 1 is reached


def test_an_error_counts_as_a_measurement() -> None:
    result = after({"count": 3, "interval": "1s"}, "Error", "Successful", "Error")
    assert (result["count"], result["error"], result["successful"], result["consecutiveError"]) == (3, 2, 1, 1)


def test_at_most_ten_measurements_are_kept() -> None:
    result = after({"interval": "1s"}, *(["Successful"] * 12))
    assert len(result["measurements"]) == 10 and result["count"] == 12


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        (["Successful", "Running"], "Running"),
        (["Successful", "Inconclusive"], "Inconclusive"),
        (["Error", "Failed", "Successful"], "Failed"),
        ([], "Successful"),
    ],
)
def test_run_phase_is_the_worst_metric(phases: list[str], expected: str) -> None:
    assert schedule.run_phase(phases) == expected
