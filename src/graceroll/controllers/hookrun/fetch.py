"""HTTP GET for the web and prometheus providers, behind a one-method seam.

The controller never talks to the network itself: it is given a ``Fetcher``. ``HttpxFetcher`` is
the real, blocking one; ``BackgroundFetcher`` runs it on worker threads for the engine, whose one
event loop also carries the service proxy and must never wait on a slow metrics server;
``FakeFetcher`` answers from a table, so that tests and the simulator run hooks deterministically
on virtual time. Network failures become ``FetchError``: an Error measurement, which counts towards
the metric's ``count`` as every measurement does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx

from graceroll.errors import GracerollError


@dataclass(frozen=True)
class Response:
    status: int
    text: str


class FetchError(GracerollError):
    """The request got no HTTP answer (refused, timed out, bad URL): the measurement is an Error."""


class FetchPending(Exception):
    """The answer is on its way: the caller is woken when it is in and asks again."""


class Fetcher(Protocol):
    def get(self, url: str, headers: Mapping[str, str], timeout: float) -> Response: ...


class HttpxFetcher:
    """Real HTTP through httpx; one client, reused across measurements."""

    def __init__(self, client: httpx.Client | None = None) -> None:
        self._client = client or httpx.Client(follow_redirects=True)

    def get(self, url: str, headers: Mapping[str, str], timeout: float) -> Response:
        try:
            r = self._client.get(url, headers=dict(headers), timeout=timeout)
        except (httpx.HTTPError, httpx.InvalidURL) as e:
            raise FetchError(f"GET {url}: {e}") from e
        return Response(r.status_code, r.text)

    def close(self) -> None:
        self._client.close()


RequestKey = tuple[str, tuple[tuple[str, str], ...]]


class BackgroundFetcher:
    """Non-blocking gets for the engine's event loop (used from that one thread only).

    The first ``get`` of a request starts it on a worker thread and raises ``FetchPending``; when
    the answer is in, ``on_ready`` is called *from the worker thread* (the engine hops back to its
    loop with ``call_soon_threadsafe``) and the next ``get`` of the same request returns it, once.
    """

    def __init__(self, on_ready: Callable[[], None], workers: int = 4, inner: HttpxFetcher | None = None) -> None:
        self._inner = inner or HttpxFetcher()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hook-fetch")
        self._on_ready = on_ready
        self._requests: dict[RequestKey, Future[Response]] = {}

    def get(self, url: str, headers: Mapping[str, str], timeout: float) -> Response:
        key: RequestKey = (url, tuple(sorted(headers.items())))
        future = self._requests.get(key)
        if future is None:
            future = self._pool.submit(self._inner.get, url, headers, timeout)
            self._requests[key] = future
            future.add_done_callback(lambda _: self._on_ready())
            raise FetchPending(url)
        if not future.done():
            raise FetchPending(url)
        del self._requests[key]
        return future.result()  # raises the worker's FetchError

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._inner.close()


@dataclass
class FakeFetcher:
    """Answers by URL (exact, else without its query string); each URL's answers are served in
    order and the last one repeats. An unknown URL is a refused connection."""

    routes: dict[str, list[Response]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def respond(self, url: str, *responses: Response) -> None:
        self.routes[url] = list(responses)

    def get(self, url: str, headers: Mapping[str, str], timeout: float) -> Response:
        self.requests.append(url)
        parts = urlsplit(url)
        bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        answers = self.routes.get(url) or self.routes.get(bare)
        if not answers:
            raise FetchError(f"GET {url}: connection refused")
        return answers.pop(0) if len(answers) > 1 else answers[0]
