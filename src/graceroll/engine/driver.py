"""Drives the controller work queue from the asyncio loop: wake on store events, sleep until timers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable

from graceroll.clock import Clock
from graceroll.controllers.runtime import Controller, Key, Manager
from graceroll.store.base import WatchEvent


class ControllerLoop:
    def __init__(self, manager: Manager, clock: Clock) -> None:
        self.manager = manager
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        manager.store.subscribe(self._on_event)

    def _on_event(self, event: WatchEvent) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Reconcile whatever is queued or due; then wait for a store change or the next timer."""
        self.manager.enqueue_all()
        while not self._stopping:
            self._wake.clear()
            self.manager.fire_due()
            self.manager.run_pending()
            due = self.manager.next_due()
            timeout = None if due is None else max(0.0, due - self.clock.now())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def requeue(self, controller: Controller, keys: Iterable[Key]) -> None:
        """Reconcile ``keys`` again soon: something outside the store changed (a fetch came back)."""
        for key in keys:
            self.manager.enqueue(controller, key)
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()


def call_soon(loop: asyncio.AbstractEventLoop, fn: Callable[[], None]) -> None:
    """Run ``fn`` on ``loop`` from any thread (a fetch worker, an informer); dropped once it is closed."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(fn)


def log_reconcile_errors(log: logging.Logger) -> Callable[[Controller, Key, Exception], None]:
    """A ``Manager.on_error`` that logs the failure with its traceback; the key is retried."""

    def on_error(c: Controller, key: Key, e: Exception) -> None:
        log.error("%s %s/%s: reconcile failed: %s", c.name, key[0], key[1], e, exc_info=e)

    return on_error
