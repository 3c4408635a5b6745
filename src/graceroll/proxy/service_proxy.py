"""The service proxy in one process: the engine-side watcher feeding the built-in listeners
directly. The engine runs the listeners in a process of their own (``graceroll.dataplane``); this
form is for tests of the proxy alone, where a store and the listeners share one event loop.
"""

from __future__ import annotations

from graceroll.clock import Clock
from graceroll.proxy.draining import Draining
from graceroll.proxy.listener_set import ListenerSet
from graceroll.proxy.listeners import Listener
from graceroll.proxy.routes import Address
from graceroll.proxy.watcher import RouteWatcher
from graceroll.store.base import Store


class ServiceProxy:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.plane = ListenerSet()
        self.watcher = RouteWatcher(store, self.plane)

    @property
    def listeners(self) -> dict[Address, Listener]:
        return self.plane.listeners

    @property
    def draining(self) -> Draining:
        return self.plane.draining

    async def start(self) -> None:
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
