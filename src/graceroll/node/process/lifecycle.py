"""postStart and preStop hooks (``kubernetes/kubernetes:pkg/kubelet/lifecycle/handlers.go``).

- postStart runs right after the process started; the container is not Running until the hook
  returns, and a failed hook kills the container (reason ``FailedPostStartHook``), which is then
  restarted by its restart policy. Kubernetes gives postStart no timeout; here it is cut short
  only when the container exits or the pod terminates.
- preStop runs before SIGTERM when a container is stopped (pod deletion, liveness failure, image
  change, engine stop), and its time counts against the grace period: it is cut off when the
  grace period ends, and SIGTERM follows either way.

Handlers: ``exec``, ``httpGet``, ``tcpSocket`` (deprecated upstream, still honoured) and ``sleep``.

A preStop runs at most once per container instance, even across an engine restart (the ledger
records when it began). The kubelet, which keeps no such record, runs it again after a restart;
here a hook that is not idempotent (deregister, flush, hand over) is never doubled. An interrupted
``sleep`` preStop is deterministic, so the next engine waits out what is left of it
(:func:`rest_of_sleep`); an interrupted ``exec`` or ``httpGet`` one is not repeated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graceroll.node.process.actions import Outcome, Target, run_action

FAILED_POST_START_HOOK = "FailedPostStartHook"
FAILED_PRE_STOP_HOOK = "FailedPreStopHook"
NO_TIMEOUT = 365 * 24 * 3600.0


def hook_of(container: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """``lifecycle.postStart`` / ``lifecycle.preStop`` of a container spec, if set."""
    hook = (container.get("lifecycle") or {}).get(name)
    return hook if isinstance(hook, Mapping) and hook else None


def rest_of_sleep(hook: Mapping[str, Any], began: float, now: float, budget: float) -> float:
    """Seconds still to wait of a preStop that began at ``began`` (only a ``sleep`` handler has any)."""
    seconds = (hook.get("sleep") or {}).get("seconds") if isinstance(hook.get("sleep"), Mapping) else None
    if seconds is None:
        return 0.0
    return max(0.0, min(began + float(seconds) - now, budget))


async def run_hook(hook: Mapping[str, Any], target: Target, budget: float | None) -> Outcome:
    """Run a hook within ``budget`` seconds (None: no limit)."""
    return await run_action(hook, target, NO_TIMEOUT if budget is None else budget)
