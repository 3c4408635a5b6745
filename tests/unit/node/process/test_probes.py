"""Probe timing and thresholds on virtual time: when checks run and when a result counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graceroll.node.process.actions import Outcome
from graceroll.node.process.probes import ProbeSpec, Resume, next_on_schedule, run_probe


class FakeClock:
    """Virtual time: ``sleep`` jumps ahead at once."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


class Done(Exception):
    """The scripted results ran out."""


async def probe(
    spec: ProbeSpec, results: str, duration: float = 0.0, until_success: bool = False, resume: Resume | None = None
) -> tuple[list[float], list[tuple[float, bool]]]:
    """Run ``spec`` against results given as a string of '+' (success) and '-'; returns check and report instants."""
    clock = FakeClock()
    clock.t = resume.at if resume is not None else 0.0
    script: Iterator[str] = iter(results)
    checks: list[float] = []
    reports: list[tuple[float, bool]] = []

    async def check() -> Outcome:
        checks.append(clock.t)
        try:
            ok = next(script) == "+"
        except StopIteration:
            raise Done() from None
        clock.t += duration
        return Outcome(ok, "" if ok else "failed")

    try:
        await run_probe(spec, check, clock, 0.0, lambda ok, _: reports.append((clock.t, ok)), until_success, resume)
    except Done:
        pass
    return checks, reports


def test_defaults_are_kubernetes_defaults() -> None:
    spec = ProbeSpec.from_manifest("readiness", {"httpGet": {"port": 80}, "periodSeconds": 0})
    assert (spec.initial_delay, spec.period, spec.timeout, spec.success_threshold, spec.failure_threshold) == (0, 10, 1, 1, 3)


@pytest.mark.asyncio
async def test_checks_start_after_the_initial_delay_then_every_period() -> None:
    checks, _ = await probe(ProbeSpec("readiness", {}, initial_delay=5, period=10), "+++")
    assert checks == [5, 15, 25, 35]


@pytest.mark.asyncio
async def test_readiness_counts_after_success_threshold_and_drops_after_failure_threshold() -> None:
    spec = ProbeSpec("readiness", {}, initial_delay=5, period=10, success_threshold=2, failure_threshold=3)
    _, reports = await probe(spec, "++--+---")
    assert reports == [(15, True), (75, False)]


@pytest.mark.asyncio
async def test_liveness_starts_healthy_and_reports_only_the_failure() -> None:
    _, reports = await probe(ProbeSpec("liveness", {}, period=1, failure_threshold=2), "+-+--")
    assert reports == [(4, False)]


@pytest.mark.asyncio
async def test_startup_probe_stops_after_its_first_counted_success() -> None:
    checks, reports = await probe(ProbeSpec("startup", {}, period=2), "--+++", until_success=True)
    assert reports == [(4, True)]
    assert checks == [0, 2, 4]


@pytest.mark.asyncio
async def test_a_check_that_overruns_its_period_is_followed_at_once() -> None:
    checks, _ = await probe(ProbeSpec("readiness", {}, period=1), "+++", duration=2.5)
    assert checks == [0, 2.5, 5.0, 7.5]


@pytest.mark.parametrize(
    "first, period, at, expect",
    [
        pytest.param(5, 10, 0, 5, id="before the first check: the first check"),
        pytest.param(5, 10, 5, 5, id="on a check: that check"),
        pytest.param(0, 10, 42, 50, id="between checks: the next one"),
        pytest.param(0, 10, 50, 50, id="exactly on the grid"),
    ],
)
def test_next_on_schedule(first: float, period: float, at: float, expect: float) -> None:
    assert next_on_schedule(first, period, at) == expect


@pytest.mark.asyncio
async def test_a_resumed_probe_keeps_its_schedule_and_its_result() -> None:
    spec = ProbeSpec("readiness", {}, initial_delay=5, period=10, failure_threshold=2)
    checks, reports = await probe(spec, "+--", resume=Resume(at=42, result=True))
    assert checks == [45, 55, 65, 75], "the grid of a container started at 0, not a new one from 42"
    assert reports == [(65, False)], "Ready carried over: a success reports nothing, two failures report NotReady"


@pytest.mark.asyncio
async def test_a_resumed_readiness_probe_that_was_not_ready_reports_the_first_success() -> None:
    _, reports = await probe(ProbeSpec("readiness", {}, period=1), "+", resume=Resume(at=3.5, result=False))
    assert reports == [(4, True)]
