"""Readiness, liveness and startup probes: when to check, and when a result counts.

Kubernetes semantics (``kubernetes/kubernetes:pkg/kubelet/prober/worker.go``):

- Defaults: periodSeconds 10, timeoutSeconds 1, successThreshold 1, failureThreshold 3
  (a zero counts as unset, as in ``SetDefaults_Probe``); initialDelaySeconds 0.
- The first check runs ``initialDelaySeconds`` after the container started, then one every
  ``periodSeconds`` counted from the start of the previous check (a check that overruns its
  period is followed at once by the next).
- A result counts after ``successThreshold`` equal successes or ``failureThreshold`` equal failures
  in a row. Before that a probe holds its initial value: readiness Failure (not ready), liveness
  Success, startup none.
- The startup probe gates the others: readiness and liveness run only after it succeeded, and it
  stops then. A liveness or startup failure restarts the container; a readiness failure only
  makes it NotReady.

Worked example: readiness with initialDelaySeconds 5, periodSeconds 10, successThreshold 2 on an
app that answers from the start: checks at 5 s and 15 s, Ready at 15 s.

After an engine restart (an adopted container, ``Resume``), a probe keeps its schedule and its
result: the first check is the next instant of the original grid (start + initialDelaySeconds +
k × periodSeconds) at or after the restart, so it comes within one period, as upstream's workers
do after a kubelet restart (a random delay below one period); the counted result starts as the
one reported before (readiness: the container's ``ready``), not the initial value — Kubernetes
1.35 keeps ``ready`` and ``started`` across a kubelet restart (KEP-4781). Runs toward a threshold
start over. Worked example: periodSeconds 10, started at 0 s, engine back at 42 s: next check at 50 s.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from graceroll.node.process.actions import Outcome

ProbeKind = Literal["startup", "readiness", "liveness"]
INITIAL: dict[ProbeKind, bool | None] = {"startup": None, "readiness": False, "liveness": True}


class ProbeClock(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class ProbeSpec:
    kind: ProbeKind
    handler: Mapping[str, Any]  # the probe object itself: holds exec / httpGet / tcpSocket
    initial_delay: float = 0.0
    period: float = 10.0
    timeout: float = 1.0
    success_threshold: int = 1
    failure_threshold: int = 3

    @staticmethod
    def from_manifest(kind: ProbeKind, probe: Mapping[str, Any]) -> ProbeSpec:
        return ProbeSpec(
            kind=kind,
            handler=probe,
            initial_delay=float(probe.get("initialDelaySeconds") or 0),
            period=float(probe.get("periodSeconds") or 10),
            timeout=float(probe.get("timeoutSeconds") or 1),
            success_threshold=int(probe.get("successThreshold") or 1),
            failure_threshold=int(probe.get("failureThreshold") or 3),
        )


@dataclass(frozen=True)
class Resume:
    """A probe taken over from an earlier engine: resumed at ``at``, its counted result so far ``result``."""

    at: float
    result: bool | None


def next_on_schedule(first: float, period: float, at: float) -> float:
    """The first instant ``first + k * period`` (k >= 0) not before ``at``."""
    if at <= first:
        return first
    return first + math.ceil((at - first) / period) * period


Check = Callable[[], Awaitable[Outcome]]
Report = Callable[[bool, Outcome], None]


async def run_probe(
    spec: ProbeSpec,
    check: Check,
    clock: ProbeClock,
    started_at: float,
    report: Report,
    until_success: bool = False,
    resume: Resume | None = None,
) -> None:
    """Check forever (or, with ``until_success``, until the result is success); ``report`` is
    called each time the counted result changes."""
    current = INITIAL[spec.kind] if resume is None else resume.result
    last: bool | None = None
    run = 0
    next_at = started_at + spec.initial_delay
    if resume is not None:
        next_at = next_on_schedule(next_at, spec.period, resume.at)
    while True:
        wait = next_at - clock.now()
        if wait > 0:
            await clock.sleep(wait)
        began = clock.now()
        outcome = await check()
        run = run + 1 if outcome.ok == last else 1
        last = outcome.ok
        needed = spec.success_threshold if outcome.ok else spec.failure_threshold
        if run >= needed and outcome.ok != current:
            current = outcome.ok
            report(current, outcome)
            if current and until_success:
                return
        next_at = began + spec.period
