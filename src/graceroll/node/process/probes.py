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
- Every check is reported to ``observe`` (the kubelet records an ``Unhealthy`` event for each
  failed one). A check that could not run at all (``Outcome.errored``: a port name the container
  does not declare) is not counted, as the kubelet's worker throws such a result away.

Worked example: readiness with initialDelaySeconds 5, periodSeconds 10, successThreshold 2 on an
app that answers from the start: checks at 5 s and 15 s, Ready at 15 s.
"""

from __future__ import annotations

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


Check = Callable[[], Awaitable[Outcome]]
Report = Callable[[bool, Outcome], None]
Observe = Callable[[Outcome], None]


async def run_probe(
    spec: ProbeSpec,
    check: Check,
    clock: ProbeClock,
    started_at: float,
    report: Report,
    until_success: bool = False,
    observe: Observe | None = None,
) -> None:
    """Check forever (or, with ``until_success``, until the result is success); ``report`` is
    called each time the counted result changes."""
    current = INITIAL[spec.kind]
    last: bool | None = None
    run = 0
    next_at = started_at + spec.initial_delay
    while True:
        wait = next_at - clock.now()
        if wait > 0:
            await clock.sleep(wait)
        began = clock.now()
        outcome = await check()
        if observe is not None:
            observe(outcome)
        if outcome.errored:
            next_at = began + spec.period
            continue
        run = run + 1 if outcome.ok == last else 1
        last = outcome.ok
        needed = spec.success_threshold if outcome.ok else spec.failure_threshold
        if run >= needed and outcome.ok != current:
            current = outcome.ok
            report(current, outcome)
            if current and until_success:
                return
        next_at = began + spec.period
