"""One kind's list+watch loop on its own thread (client-go's reflector).

List, hand the list over, watch from the list's resourceVersion, hand each event over; when the
server ends the watch, watch again from the last version seen; when it answers 410 Expired or the
stream breaks, list again. Nothing here touches the cache: every result goes to ``deliver``, which
runs it on the thread that owns the cache (the operator's event loop).

Stopping is bounded: ``stop`` shuts the socket of the open watch, so a blocked read ends at once.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Protocol

import httpx

from graceroll.store.base import Expired, Obj, WatchEvent

log = logging.getLogger("graceroll.informer")
Deliver = Callable[[Callable[[], None]], None]
OnList = Callable[[str, list[Obj], int], None]
OnEvent = Callable[[WatchEvent], None]
RETRY_FIRST, RETRY_MAX = 0.5, 30.0  # seconds between attempts after a failure, doubling
WATCH_EVENTS = ("ADDED", "MODIFIED", "DELETED")


class ListWatch(Protocol):
    """What an informer needs of the REST client (``client.http_store.HttpStore``)."""

    def list_at(self, kind: str, namespace: str | None = None) -> tuple[list[Obj], int]: ...

    def watch(
        self,
        kind: str,
        namespace: str | None = None,
        name: str | None = None,
        resource_version: str = "",
        timeout: float = 3600,
        on_open: Callable[[httpx.Response], None] | None = None,
    ) -> Iterator[WatchEvent]: ...


class Informer:
    def __init__(
        self,
        rest: ListWatch,
        kind: str,
        namespace: str | None,
        deliver: Deliver,
        on_list: OnList,
        on_event: OnEvent,
        watch_timeout: float = 300.0,
    ) -> None:
        self.kind = kind
        self._rest = rest
        self._namespace = namespace
        self._deliver = deliver
        self._on_list = on_list
        self._on_event = on_event
        self._watch_timeout = watch_timeout
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._open: httpx.Response | None = None
        self._thread = threading.Thread(target=self._run, name=f"informer-{kind}", daemon=True)
        self.lists = 0  # how many times this informer listed (1 + relists)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            if self._open is not None:
                _abort(self._open)

    def join(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds; True when the thread has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        rv: int | None = None
        retry = RETRY_FIRST
        while not self._stopping.is_set():
            try:
                if rv is None:
                    rv = self._list()
                rv = self._watch(rv)
                retry = RETRY_FIRST
            except Expired:
                log.info("%s: the watch expired; listing again", self.kind)
                rv = None
            except Exception as e:  # noqa: BLE001  (a broken stream or an API error: list again later)
                if self._stopping.is_set():
                    break
                log.warning("%s: list/watch failed (%s); retrying in %.1fs", self.kind, e or type(e).__name__, retry)
                rv = None
                self._stopping.wait(retry)
                retry = min(retry * 2, RETRY_MAX)

    def _list(self) -> int:
        items, rv = self._rest.list_at(self.kind, self._namespace)
        self.lists += 1
        self._deliver(functools.partial(self._on_list, self.kind, items, rv))
        return rv

    def _watch(self, rv: int) -> int:
        """Watch from ``rv`` until the server ends the stream; the last version seen."""
        for ev in self._rest.watch(self.kind, self._namespace, resource_version=str(rv), timeout=self._watch_timeout, on_open=self._opened):
            if self._stopping.is_set():
                break
            rv = max(rv, ev.resource_version)
            if ev.type in WATCH_EVENTS:  # a BOOKMARK only moves the version on
                self._deliver(functools.partial(self._on_event, ev))
        with self._lock:
            self._open = None
        return rv

    def _opened(self, response: httpx.Response) -> None:
        with self._lock:
            self._open = response
            if self._stopping.is_set():
                _abort(response)


def _abort(response: httpx.Response) -> None:
    """End a read blocked on ``response`` from another thread: shut its socket down."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
