"""The node's timing constants in one place; Kubernetes values by default, shortened by tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from graceroll.node.process.backoff import BackoffPolicy


@dataclass(frozen=True)
class Tuning:
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    # kubelet minimumGracePeriodInSeconds: SIGKILL comes at least this long after SIGTERM, even when
    # draining and preStop used up the whole grace period (kuberuntime_container.go killContainer).
    min_kill_grace: float = 2.0
    default_grace: float = 30.0  # spec.terminationGracePeriodSeconds when unset
    config_retry: float = 10.0  # seconds between attempts to start a container whose config is unusable
    sweep_interval: float = 1.0  # seconds between sweeps for orphaned processes
    kill_wait: float = 10.0  # seconds to wait for a SIGKILLed group leader to be reaped
