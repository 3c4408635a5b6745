"""CrashLoopBackOff: how long a container that exited waits before it is started again.

Kubernetes semantics (``kubernetes/kubernetes:pkg/kubelet/kuberuntime/kuberuntime_manager.go``
``doBackOff`` over ``client-go/util/flowcontrol/backoff.go``): the first exit restarts the container
at once and arms a 10 s back-off; each later exit waits out the current back-off, counted from the
instant the container finished, and doubles it for next time, up to 300 s. A container that ran for
more than 2 × 300 s = 10 minutes after its last restart counts as stable: its next exit restarts
at once and the back-off starts over at 10 s.

Worked example, a container that crashes 1 s after every start::

    exits at t=1   restart at 1   (no back-off yet; arms 10 s)
    exits at t=2   restart at 12  (waits 10 s; arms 20 s)
    exits at t=13  restart at 33  (waits 20 s; arms 40 s)
    ... 40, 80, 160, 300, 300 ...

Pure: the caller passes the instants, so the rule is tested without a clock.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BackoffPolicy:
    initial: float = 10.0
    cap: float = 300.0

    @property
    def stable_after(self) -> float:
        """Seconds of running after which an exit no longer counts as part of a crash loop (10 min)."""
        return 2 * self.cap


class Backoff:
    """One container's back-off state (the kubelet keeps one per pod uid and container name)."""

    def __init__(self, policy: BackoffPolicy) -> None:
        self.policy = policy
        self._delay: float | None = None
        self._last_restart = 0.0

    @property
    def delay(self) -> float | None:
        """The armed back-off, None before the first restart."""
        return self._delay

    def remaining(self, finished_at: float, now: float) -> float:
        """Seconds still to wait before restarting a container that exited at ``finished_at`` (0: now)."""
        if self._delay is None or self._stable(finished_at):
            return 0.0
        return max(0.0, finished_at + self._delay - now)

    def restarted(self, finished_at: float, now: float) -> None:
        """Record a restart at ``now`` of a container that exited at ``finished_at``; arms the next delay."""
        if self._delay is None or self._stable(finished_at):
            self._delay = self.policy.initial
        else:
            self._delay = min(self._delay * 2, self.policy.cap)
        self._last_restart = now

    def _stable(self, finished_at: float) -> bool:
        return finished_at - self._last_restart > self.policy.stable_after
