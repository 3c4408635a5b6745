"""The HAProxy configuration for a routing table (pure).

One ``frontend`` per listener address, one ``backend`` per route and mode, one ``server`` per
ready endpoint, named after its address (``s_127.10.0.3_8080``), so the runtime API can find it.

Modes: ``l4`` is a TCP frontend and backend; ``http`` an HTTP one; ``auto`` a TCP frontend that
inspects the first bytes (``tcp-request inspect-delay``) and switches to HTTP when they are an
HTTP request (``switch-mode http if HTTP``), with an HTTP and a TCP backend over the same servers.

HTTP backends retry what never reached the app: ``retries 3`` with ``option redispatch 1`` (each
retry on another server), ``retry-on conn-failure empty-response response-timeout``, and
``http-request disable-l7-retry`` for methods that are not idempotent (RFC 9110 section 9.2.2),
so a POST whose connection was closed under it is not sent twice — the built-in proxy's rule.

Timeouts (``defaults``), chosen to match the built-in proxy:

- ``connect 2s``          a pod that does not accept in 2 s is skipped (retried on another)
- ``client``/``server 60s`` silence from either side within a request or response
- ``http-request 10s``    to receive a request's headers
- ``http-keep-alive 60s`` an idle client keep-alive connection
- ``tunnel 1h``           an idle TCP connection or upgraded (WebSocket) stream
- ``inspect-delay 1s``    (``auto``) a client that sends nothing for 1 s is taken as not HTTP
- ``hard-stop-after 1h``  how long an old worker may finish its connections after a reload

Servers of pods being drained are rendered ``disabled`` (maintenance), so a reload keeps them
out. No active health checks: the servers are the ready endpoints, and graceroll's readiness
probes decide readiness.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graceroll.proxy.routes import Address, Route

LISTENERS_LINE = "# graceroll listeners: "
IDEMPOTENT = ("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE")


@dataclass(frozen=True)
class Paths:
    admin_socket: str  # the stats socket (level admin, expose-fd listeners)


def frontend_name(address: Address) -> str:
    return f"fe_{address[0]}_{address[1]}"


def backends_of(address: Address, route: Route) -> dict[str, str]:
    """The backends serving one listener: name → HAProxy mode."""
    base = f"be_{address[0]}_{address[1]}"
    if route.mode == "auto":
        return {f"{base}_http": "http", f"{base}_tcp": "tcp"}
    return {base: "http" if route.mode == "http" else "tcp"}


def server_name(backend: Address) -> str:
    return f"s_{backend[0]}_{backend[1]}"


def listeners_of(table: Mapping[Address, Route]) -> tuple[tuple[str, int, str], ...]:
    """What a reload is needed for: the listener addresses and their modes (servers change live)."""
    return tuple(sorted((a[0], a[1], r.mode) for a, r in table.items()))


def listeners_in(config: str) -> tuple[tuple[str, int, str], ...] | None:
    """The listeners a config written by ``render`` has (from its first line), None if unreadable."""
    first = config.partition("\n")[0]
    if not first.startswith(LISTENERS_LINE):
        return None
    try:
        return tuple((str(h), int(p), str(m)) for h, p, m in json.loads(first[len(LISTENERS_LINE) :]))
    except (ValueError, TypeError):
        return None


def render(table: Mapping[Address, Route], draining: Iterable[str], paths: Paths) -> str:
    drain = set(draining)
    out = [
        LISTENERS_LINE + json.dumps([list(x) for x in listeners_of(table)]),
        "# written by graceroll from the routing table; servers change live through the runtime API",
        "global",
        f"    stats socket {paths.admin_socket} mode 600 level admin expose-fd listeners",
        "    stats timeout 30s",
        "    maxconn 8192",
        "    hard-stop-after 1h",
        "    log stderr format short local0 notice",
        "",
        "defaults",
        "    log global",
        "    maxconn 8192",
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout http-request 10s",
        "    timeout http-keep-alive 60s",
        "    timeout tunnel 1h",
        "",
    ]
    for address in sorted(table):
        route = table[address]
        out += _frontend(address, route)
        for name, mode in backends_of(address, route).items():
            out += _backend(name, mode, route, drain)
    return "\n".join(out) + "\n"


def _frontend(address: Address, route: Route) -> list[str]:
    backends = backends_of(address, route)
    lines = [f"frontend {frontend_name(address)}", f"    # {route.service}", f"    bind {address[0]}:{address[1]}"]
    if route.mode == "auto":
        http, tcp = backends
        lines += [
            "    mode tcp",
            "    tcp-request inspect-delay 1s",
            "    tcp-request content switch-mode http if HTTP",
            f"    use_backend {http} if HTTP",
            f"    default_backend {tcp}",
        ]
    else:
        (name, mode), = backends.items()
        lines += [f"    mode {mode}", f"    default_backend {name}"]
    return [*lines, ""]


def _backend(name: str, mode: str, route: Route, drain: set[str]) -> list[str]:
    lines = [f"backend {name}", f"    mode {mode}", "    balance roundrobin", "    retries 3", "    option redispatch 1"]
    if mode == "http":
        lines += [
            "    option forwardfor",
            "    retry-on conn-failure empty-response response-timeout",
            f"    http-request disable-l7-retry unless {{ method {' '.join(IDEMPOTENT)} }}",
        ]
    for b in route.backends:
        lines.append(f"    server {server_name(b)} {b[0]}:{b[1]}" + (" disabled" if b[0] in drain else ""))
    return [*lines, ""]
