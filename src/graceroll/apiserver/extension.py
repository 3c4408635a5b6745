"""Routes served beside the Kubernetes API by the same server (``/metrics``, ``/dashboard``).

An extension brings its routes (matched before the API's catch-all), the paths it serves without
credentials (the dashboard's one-time-code exchange), and a second way to authenticate (the
dashboard's session cookie). Everything else needs the bearer token, as the API does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web


@dataclass(frozen=True)
class Extension:
    routes: Sequence[web.RouteDef]
    public: frozenset[str] = field(default_factory=frozenset)
    # True: the request carries this extension's credentials and may go on (CSRF checks included)
    authenticate: Callable[[web.Request], bool] | None = None
