"""The HAProxy configuration for a routing table (pure).

One ``frontend`` per listener address, one ``backend`` per route and mode, one ``server`` per
ready endpoint, named after its address and its pod's revision (``names``:
``s_127.10.0.3_8080_web-5d8c7f9b4``), so the runtime API can find it and the request log says
which revision answered. A pod whose revision changes in place gets a new server (the old one is
drained and deleted, as for a pod that leaves).

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

Traffic split (``proxy.split``): with a weight, every backend of the route gets per-server
weights that give the canary group its exact share (``weights``; changed live with ``set server
… weight``). Header routes add a backend ``<base>_canary`` (HTTP, the canary servers only) and,
in the frontend, one ``use_backend <base>_canary if <matches> { nbsrv(<base>_canary) gt 0 }`` per
route: ``req.fhdr(<name>)`` (every occurrence, commas included) ``-m str`` for ``exact``,
``-m beg`` for ``prefix``, ``-m reg`` anchored as ``^(?:…)$`` for ``regex`` (PCRE syntax; keep
to what Python's ``re`` also reads, since the built-in proxy uses that). The header routes are
part of a listener's identity (``listeners_of``): changing them reloads, as a new listener does.

Traffic counters: every frontend logs each request (each connection in TCP) as one UDP datagram
``<tag> <backend> <server> <status> <Tu> <termination state>`` to the collector on
``127.0.0.1:<port>`` (``collector``; an HAProxy ``program``, so it lives and dies with the master
and is not restarted on reload). The port and the tag are chosen when HAProxy starts and kept in
the config's second line (``traffic_log_in``), so a reload or a new engine keeps them; the tag is
a secret (the config is mode 0600, the collector gets it from the environment, ``setenv``), so
another local process cannot forge counts. Why UDP: a log line is sent at once, so an old
worker finishing its last requests after a reload loses none (a ring buffer forwarded over a
stream is not flushed when the worker exits), and a loopback UDP socket queues up to its receive
buffer, where a Unix datagram socket queues only ``net.unix.max_dgram_qlen`` (10 by default).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graceroll.dataplane.haproxy import weights
from graceroll.dataplane.haproxy.names import TAG_VARIABLE, server_name
from graceroll.proxy.routes import Address, Route
from graceroll.proxy.split import HeaderMatch, routes_to_json

LISTENERS_LINE = "# graceroll listeners: "
IDEMPOTENT = ("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE")
TRAFFIC_LINE = "# graceroll traffic log: "
LOG_FIELDS = "%b %s %ST %Tu %ts"
MATCH_FLAG = {"exact": "str", "prefix": "beg", "regex": "reg"}

Listener = tuple[str, int, str, str]  # host, port, mode, header routes (JSON, "" for none)


@dataclass(frozen=True)
class Paths:
    admin_socket: str  # the stats socket (level admin, expose-fd listeners)
    counters: str = ""  # the collector's control socket ("" renders no collector: tests of the config alone)
    python: str = "python3"  # the interpreter that runs the collector
    log_port: int = 0  # the collector's UDP port on 127.0.0.1
    log_tag: str = "gr"  # the first word of every request log line (a secret)


@dataclass(frozen=True)
class Server:
    name: str
    address: Address
    weight: int = 1


@dataclass(frozen=True)
class Backend:
    mode: str  # http | tcp
    servers: tuple[Server, ...]


def frontend_name(address: Address) -> str:
    return f"fe_{address[0]}_{address[1]}"


def canary_backend(address: Address) -> str:
    return f"be_{address[0]}_{address[1]}_canary"


def backends_of(address: Address, route: Route, draining: Iterable[str] = ()) -> dict[str, Backend]:
    """The backends serving one listener, with their servers and weights (the module docstring)."""
    base = f"be_{address[0]}_{address[1]}"
    servers = _weighted(route, set(draining))
    if route.mode == "auto":
        out = {f"{base}_http": Backend("http", servers), f"{base}_tcp": Backend("tcp", servers)}
    else:
        out = {base: Backend("http" if route.mode == "http" else "tcp", servers)}
    if header_routes(route):
        assert route.split is not None
        out[canary_backend(address)] = Backend("http", tuple(Server(server_name(b, route.revision(b)), b) for b in route.split.canary))
    return out


def _weighted(route: Route, draining: set[str]) -> tuple[Server, ...]:
    split = route.split
    if split is None or split.weight is None:
        return tuple(Server(server_name(b, route.revision(b)), b) for b in route.backends)
    canary = set(split.canary)
    usable = [b for b in route.backends if b[0] not in draining]
    wc, ws = weights.server_weights(sum(1 for b in usable if b in canary), sum(1 for b in usable if b not in canary), split.weight)
    return tuple(Server(server_name(b, route.revision(b)), b, wc if b in canary else ws) for b in route.backends)


def header_routes(route: Route) -> bool:
    """Whether the route has header routes HAProxy can apply (none in L4: no headers there)."""
    return route.mode != "l4" and route.split is not None and bool(route.split.header_routes)


def listeners_of(table: Mapping[Address, Route]) -> tuple[Listener, ...]:
    """What a reload is needed for: the listener addresses, their modes and header routes (servers
    and weights change live)."""
    return tuple(sorted((a[0], a[1], r.mode, _routes_key(r)) for a, r in table.items()))


def _routes_key(route: Route) -> str:
    return json.dumps(routes_to_json(route.split.header_routes), sort_keys=True) if header_routes(route) and route.split else ""


def listeners_in(config: str) -> tuple[Listener, ...] | None:
    """The listeners a config written by ``render`` has (from its first line), None if unreadable;
    a config from before header routes reads as having none."""
    first = config.partition("\n")[0]
    if not first.startswith(LISTENERS_LINE):
        return None
    try:
        return tuple((str(x[0]), int(x[1]), str(x[2]), str(x[3]) if len(x) > 3 else "") for x in json.loads(first[len(LISTENERS_LINE) :]))
    except (ValueError, TypeError, IndexError):
        return None


def quote(text: str) -> str:
    """A config word that HAProxy reads back as ``text``: single quotes (nothing is expanded in
    them), or double quotes with ``\\``, ``"`` and ``$`` escaped when ``text`` has a single quote."""
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def collector_command(paths: Paths) -> str:
    """The collector's command line, for ``sh -c``: SIGUSR1 is ignored from before the interpreter
    starts (an ignored signal stays ignored across exec), so a reload right after the start, which
    signals the programs, cannot end it while Python is still loading."""
    args = [paths.python, "-m", "graceroll.dataplane.haproxy.collector", "--port", str(paths.log_port), "--control", paths.counters]
    return "trap '' USR1; exec " + " ".join(shlex.quote(a) for a in args)


def traffic_log_in(config: str) -> tuple[int, str] | None:
    """The (port, tag) of the request log a config written by ``render`` has (its second line)."""
    lines = config.split("\n", 2)
    if len(lines) < 2 or not lines[1].startswith(TRAFFIC_LINE):
        return None
    try:
        found = json.loads(lines[1][len(TRAFFIC_LINE) :])
        return int(found["port"]), str(found["tag"])
    except (ValueError, TypeError, KeyError):
        return None


def render(table: Mapping[Address, Route], draining: Iterable[str], paths: Paths) -> str:
    drain = set(draining)
    counting = bool(paths.counters and paths.log_port)
    out = [
        LISTENERS_LINE + json.dumps([list(x) for x in listeners_of(table)]),
        *([TRAFFIC_LINE + json.dumps({"port": paths.log_port, "tag": paths.log_tag})] if counting else []),
        "# written by graceroll from the routing table; servers change live through the runtime API",
        "global",
        "    master-worker",  # as -W: a program section needs it, also for the check (haproxy -c)
        f"    stats socket {paths.admin_socket} mode 600 level admin expose-fd listeners",
        "    stats timeout 30s",
        "    maxconn 8192",
        "    hard-stop-after 1h",
        "    log stderr format short local0 notice",
    ]
    if counting:
        out += [
            f"    setenv {TAG_VARIABLE} {paths.log_tag}",
            "",
            "program graceroll-traffic",
            f"    command /bin/sh -c {quote(collector_command(paths))}",
            "    no option start-on-reload",
        ]
    out += [
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
        backends = backends_of(address, route, drain)
        out += _frontend(address, route, list(backends), paths if counting else None)
        for name, backend in backends.items():
            out += _backend(name, backend, drain)
    return "\n".join(out) + "\n"


def _frontend(address: Address, route: Route, backends: list[str], paths: Paths | None) -> list[str]:
    lines = [f"frontend {frontend_name(address)}", f"    # {route.service}", f"    bind {address[0]}:{address[1]}"]
    mode = "tcp" if route.mode != "http" else "http"
    lines.append(f"    mode {mode}")
    if paths is not None:
        lines += ["    log global", f"    log 127.0.0.1:{paths.log_port} len 1024 format raw local0 info", f'    log-format "{paths.log_tag} {LOG_FIELDS}"']
    canary = canary_backend(address)
    pins = [f"    use_backend {canary} if {'HTTP ' if route.mode == 'auto' else ''}{_matches(r.match)} {{ nbsrv({canary}) gt 0 }}" for r in route.split.header_routes] if header_routes(route) and route.split else []
    if route.mode == "auto":
        http, tcp = backends[:2]
        lines += ["    tcp-request inspect-delay 1s", "    tcp-request content switch-mode http if HTTP", *pins, f"    use_backend {http} if HTTP", f"    default_backend {tcp}"]
    else:
        lines += [*pins, f"    default_backend {backends[0]}"]
    return [*lines, ""]


def _matches(match: Iterable[HeaderMatch]) -> str:
    """Anonymous ACLs, all of which must match (HAProxy ANDs the conditions of one rule)."""
    out = []
    for m in match:
        value = f"^(?:{m.value})$" if m.kind == "regex" else m.value
        out.append(f"{{ req.fhdr({m.header}) -m {MATCH_FLAG[m.kind]} {quote(value)} }}")
    return " ".join(out)


def _backend(name: str, backend: Backend, drain: set[str]) -> list[str]:
    lines = [f"backend {name}", f"    mode {backend.mode}", "    balance roundrobin", "    retries 3", "    option redispatch 1"]
    if backend.mode == "http":
        lines += [
            "    option forwardfor",
            "    retry-on conn-failure empty-response response-timeout",
            f"    http-request disable-l7-retry unless {{ method {' '.join(IDEMPOTENT)} }}",
        ]
    for s in backend.servers:
        weight = f" weight {s.weight}" if s.weight != 1 else ""
        lines.append(f"    server {s.name} {s.address[0]}:{s.address[1]}{weight}" + (" disabled" if s.address[0] in drain else ""))
    return [*lines, ""]
