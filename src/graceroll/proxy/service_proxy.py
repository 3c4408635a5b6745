"""The service proxy for tests and benchmarks of the proxy alone: the engine-side watcher feeding a
data plane, by default the built-in listeners on the same event loop (the engine runs them in a
process of its own, ``graceroll.dataplane``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graceroll.clock import Clock
from graceroll.proxy.draining import Draining
from graceroll.proxy.listener_set import ListenerSet
from graceroll.proxy.listeners import Listener
from graceroll.proxy.routes import Address
from graceroll.proxy.watcher import RouteWatcher
from graceroll.store.base import Store

if TYPE_CHECKING:
    from graceroll.dataplane.base import DataPlane


class ServiceProxy:
    def __init__(self, store: Store, clock: Clock, plane: DataPlane | None = None) -> None:
        self.store = store
        self.clock = clock
        self.plane: DataPlane = plane or ListenerSet()
        self.watcher = RouteWatcher(store, self.plane)

    @property
    def listeners(self) -> dict[Address, Listener]:
        assert isinstance(self.plane, ListenerSet)
        return self.plane.listeners

    @property
    def draining(self) -> Draining:
        assert isinstance(self.plane, ListenerSet)
        return self.plane.draining

    async def start(self) -> None:
        await self.plane.start()
        await self.watcher.start()

    async def stop(self) -> None:
        await self.watcher.stop()
        await self.plane.stop()

    async def drained(self, pod_ip: str, timeout: float) -> bool:
        return await self.plane.drained(pod_ip, timeout)

    async def wait_synced(self) -> None:
        await self.watcher.wait_synced()

    async def sync(self) -> None:
        await self.watcher.sync()
