"""The hand-off between the node agent and the service proxy that makes stops lossless."""

from __future__ import annotations

from typing import Protocol


class DrainGate(Protocol):
    async def drained(self, pod_ip: str, timeout: float) -> bool:
        """Return once no new connection or request will be sent to ``pod_ip`` (True), or after
        ``timeout`` seconds (False). The node agent awaits this before preStop and SIGTERM."""
        ...


class NoProxy:
    """No service proxy (tests of the node alone): nothing routes to pods, so they are always drained."""

    async def drained(self, pod_ip: str, timeout: float) -> bool:
        return True
