"""What the engine asks of a data plane, whichever one it is."""

from __future__ import annotations

from typing import Protocol

from graceroll.proxy.table import Table


class DataPlane(Protocol):
    async def start(self) -> None:
        """Start serving, or attach to the data plane an earlier engine left running."""
        ...

    async def apply(self, table: Table) -> None:
        """Serve this routing table from now on, without dropping open connections."""
        ...

    async def drained(self, pod_ip: str, timeout: float) -> bool:
        """The node agent's ``DrainGate``: True once nothing new can reach ``pod_ip``."""
        ...

    async def stop(self) -> None:
        """Stop serving (after the pods have stopped, at ``graceroll down``)."""
        ...
