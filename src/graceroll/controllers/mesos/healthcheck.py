"""A Mesos container's ``healthChecks`` as Kubernetes probes.

bcs-scheduler counts a new taskgroup as running only once its health checks have passed, and a
task that fails ``consecutiveFailures`` checks in a row is killed and restarted; failures within
``gracePeriodSeconds`` of the start are ignored. On a pod that is a readiness probe (the update
step and the Service wait for it) plus, when ``consecutiveFailures`` is set, a liveness probe that
starts after the grace period.

Kubernetes has one probe of each kind per container, so the first check that can be translated
is used and any further ones are ignored. ``REMOTE_HTTP`` / ``REMOTE_TCP`` (run by the scheduler
from outside the host) reach the same address as ``HTTP`` / ``TCP`` on one machine and are
translated the same way. Zero or absent numbers take the Kubernetes probe defaults.
"""

from __future__ import annotations

from typing import Any

from graceroll.api.bcs_mesos import HTTP_CHECKS, TCP_CHECKS
from graceroll.api.meta import Obj

PERIOD, TIMEOUT, FAILURES = 10, 1, 3  # Kubernetes' probe defaults


def probes(checks: Any) -> Obj:
    """``readinessProbe`` (and ``livenessProbe``) for the first usable check; {} without one."""
    for check in checks if isinstance(checks, list) else []:
        handler = _handler(check)
        if handler is None:
            continue
        timing = {
            "periodSeconds": _count(check, "intervalSeconds") or PERIOD,
            "timeoutSeconds": _count(check, "timeoutSeconds") or TIMEOUT,
            "successThreshold": 1,
        }
        delay, failures = _count(check, "delaySeconds"), _count(check, "consecutiveFailures")
        out: Obj = {"readinessProbe": handler | timing | {"initialDelaySeconds": delay, "failureThreshold": failures or FAILURES}}
        if failures:
            grace = _count(check, "gracePeriodSeconds")
            out["livenessProbe"] = handler | timing | {"initialDelaySeconds": delay + grace, "failureThreshold": failures}
        return out
    return {}


def _handler(check: Any) -> Obj | None:
    """The probe action of one check, or None when it names no usable target (validation refuses
    such a check; this only keeps a bad one from breaking the pod)."""
    if not isinstance(check, dict):
        return None
    kind = str(check.get("type") or "").upper()
    if kind in HTTP_CHECKS:
        http = _map(check, "http")
        port = _port(http)
        if port is None:
            return None
        get: Obj = {"path": str(http.get("path") or "/"), "port": port, "scheme": str(http.get("scheme") or "http").upper()}
        headers = http.get("headers")
        if isinstance(headers, dict) and headers:
            get["httpHeaders"] = [{"name": str(k), "value": str(v)} for k, v in headers.items()]
        return {"httpGet": get}
    if kind in TCP_CHECKS:
        port = _port(_map(check, "tcp"))
        return None if port is None else {"tcpSocket": {"port": port}}
    if kind == "COMMAND":
        value = _map(check, "command").get("value")
        return {"exec": {"command": ["/bin/sh", "-c", value]}} if isinstance(value, str) and value else None
    return None


def _port(target: Obj) -> int | str | None:
    """The port number, else the container port's name (``portName``), as a probe names a port."""
    port = target.get("port")
    if isinstance(port, int) and not isinstance(port, bool) and port > 0:
        return port
    name = target.get("portName")
    return name if isinstance(name, str) and name else None


def _count(check: Obj, key: str) -> int:
    v = check.get(key)
    return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else 0


def _map(check: Obj, key: str) -> Obj:
    v = check.get(key)
    return v if isinstance(v, dict) else {}
