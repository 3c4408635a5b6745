"""HAProxy and traffic splits: per-server weights that give exact group shares, the config for
header routes (checked by HAProxy itself when installed), and the collector's reading of the
request log."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from graceroll.dataplane.haproxy import collector, config, names, servers, weights
from graceroll.dataplane.haproxy.runtime import ServerState
from graceroll.proxy.counters import Counter
from graceroll.proxy.routes import Endpoint, Route
from graceroll.proxy.split import HeaderMatch, HeaderRoute, Split

CANARY, OLD1, OLD2 = ("127.10.0.1", 8080), ("127.10.0.2", 8080), ("127.10.0.3", 8080)
ENDPOINTS = {CANARY: Endpoint("web-new", "web-2"), OLD1: Endpoint("web-a", "web-1"), OLD2: Endpoint("web-b", "web-1")}


@pytest.mark.parametrize(
    ("canary", "stable", "weight", "expected"),
    [
        (1, 9, 10, (1, 1)),  # one pod of ten at 10 %: every server alike
        (1, 9, 50, (9, 1)),
        (1, 9, 0, (0, 1)),
        (1, 9, 100, (1, 0)),
        (0, 9, 50, (1, 1)),  # an empty side: the other gets everything anyway
        (2, 3, 40, (1, 1)),
        (1, 1, 20, (1, 4)),
    ],
)
def test_server_weights_for_known_splits(canary: int, stable: int, weight: int, expected: tuple[int, int]) -> None:
    assert weights.server_weights(canary, stable, weight) == expected


def fits(c: int, s: int, w: int) -> bool:
    """Whether the per-server ratio the split needs is within HAProxy's 1..256."""
    ratio = w * s / ((100 - w) * c)
    return max(ratio, 1 / ratio) <= weights.MAX_WEIGHT


def test_the_rounding_is_within_a_tenth_of_a_percent_wherever_the_ratio_fits() -> None:
    cases = [(c, s, w) for c in range(1, 11) for s in range(1, 101) for w in range(1, 100)]
    assert max(weights.error(*case) for case in cases if fits(*case)) < 0.001
    assert weights.error(1, 9, 96) < 0.001 and weights.error(1, 49, 83) < 0.001  # 1 of 10 up to 96 %, 1 of 50 up to 83 %
    for c, s, w in ((1, 9, 10), (1, 9, 50), (3, 7, 30), (1, 99, 1)):
        wc, ws = weights.server_weights(c, s, w)
        assert 0 < wc <= weights.MAX_WEIGHT and 0 < ws <= weights.MAX_WEIGHT
        assert weights.share(c, s, wc, ws) == pytest.approx(w / 100)  # exact where the ratio fits


def test_a_canary_share_a_large_other_group_cannot_give_is_reported() -> None:
    assert weights.server_weights(1, 999, 50) == (256, 1)  # the best 1..256 can do
    assert weights.error(1, 999, 50) == pytest.approx(0.5 - 256 / 1255)


def split_route(mode: str = "http", weight: int | None = 50, routes: tuple[HeaderRoute, ...] = ()) -> Route:
    return Route("default/web:http", mode, (CANARY, OLD1, OLD2), ENDPOINTS, Split("web-2", (CANARY,), weight, routes))


COUNTING = config.Paths("/run/admin.sock", "/run/counters.sock", "/usr/bin/python3", 5514, "gr-secret")
BETA = HeaderRoute("beta", (HeaderMatch("X-User", "prefix", "beta-"), HeaderMatch("X-Ring", "exact", "it's 1 $HOME")))
RC = HeaderRoute("rc", (HeaderMatch("X-Build", "regex", "[0-9]+-rc"),))


def test_servers_are_named_by_revision_and_weighted_by_group() -> None:
    backends = config.backends_of(("127.1.0.1", 80), split_route())
    (name, backend), = backends.items()
    assert name == "be_127.1.0.1_80"
    assert {(s.name, s.weight) for s in backend.servers} == {("s_127.10.0.1_8080_web-2", 2), ("s_127.10.0.2_8080_web-1", 1), ("s_127.10.0.3_8080_web-1", 1)}
    assert names.revision_of("s_127.10.0.1_8080_web-2") == "web-2" and names.revision_of("s_127.10.0.1_8080") == ""
    assert names.listener_of("be_127.1.0.1_80_canary") == names.listener_of("be_127.1.0.1_80") == ("127.1.0.1", 80)
    assert names.listener_of("stats") is None
    drained = config.backends_of(("127.1.0.1", 80), split_route(), draining={OLD2[0]})["be_127.1.0.1_80"]
    assert {s.name: s.weight for s in drained.servers}["s_127.10.0.1_8080_web-2"] == 1  # 1 canary against 1 usable other


def test_header_routes_render_a_canary_backend_and_rules_that_need_a_usable_canary() -> None:
    cfg = config.render({("127.1.0.1", 80): split_route(routes=(BETA, RC))}, (), COUNTING)
    frontend = cfg[cfg.index("frontend fe_127.1.0.1_80") :].split("\n\n")[0]
    assert (
        "    use_backend be_127.1.0.1_80_canary if { req.fhdr(X-User) -m beg 'beta-' } { req.fhdr(X-Ring) -m str \"it's 1 \\$HOME\" }"
        " { nbsrv(be_127.1.0.1_80_canary) gt 0 }"
    ) in frontend
    assert "    use_backend be_127.1.0.1_80_canary if { req.fhdr(X-Build) -m reg '^(?:[0-9]+-rc)$' } { nbsrv(be_127.1.0.1_80_canary) gt 0 }" in frontend
    assert frontend.index("use_backend") < frontend.index("default_backend be_127.1.0.1_80")
    assert '    log-format "gr-secret %b %s %ST %Tu %ts"' in frontend and "    log 127.0.0.1:5514 len 1024 format raw local0 info" in frontend
    assert "    setenv GRACEROLL_TRAFFIC_TAG gr-secret" in cfg and config.traffic_log_in(cfg) == (5514, "gr-secret")
    canary = cfg[cfg.index("\nbackend be_127.1.0.1_80_canary") :].split("\n\n")[0]
    assert "server s_127.10.0.1_8080_web-2 127.10.0.1:8080\n" in canary + "\n" and "web-1" not in canary
    assert "command /bin/sh -c \"trap '' USR1; exec /usr/bin/python3 -m graceroll.dataplane.haproxy.collector --port 5514 --control /run/counters.sock\"" in cfg
    assert "no option start-on-reload" in cfg
    auto = config.render({("127.1.0.1", 80): split_route("auto", routes=(RC,))}, (), config.Paths("/run/a.sock"))
    assert "use_backend be_127.1.0.1_80_canary if HTTP { req.fhdr(X-Build)" in auto
    l4 = config.render({("127.1.0.1", 80): split_route("l4", routes=(RC,))}, (), config.Paths("/run/a.sock"))
    assert "canary" not in l4  # no headers in L4: only the weights apply


def test_header_routes_are_part_of_a_listeners_identity() -> None:
    plain, routed = {("127.1.0.1", 80): split_route()}, {("127.1.0.1", 80): split_route(routes=(RC,))}
    assert config.listeners_of(plain) != config.listeners_of(routed)  # a change reloads
    assert config.listeners_of(plain) == config.listeners_of({("127.1.0.1", 80): split_route(weight=10)})  # weights do not
    assert config.listeners_in(config.render(routed, (), config.Paths("/run/a.sock"))) == config.listeners_of(routed)
    old = '# graceroll listeners: [["127.1.0.1", 80, "http"]]\n'  # written before header routes existed
    assert config.listeners_in(old) == (("127.1.0.1", 80, "http", ""),)


def test_the_plan_sets_weights_live() -> None:
    wanted = {"be": (config.Server("s_127.10.0.1_80_r2", ("127.10.0.1", 80), 9), config.Server("s_127.10.0.2_80_r1", ("127.10.0.2", 80), 1), config.Server("s_127.10.0.3_80_r2", ("127.10.0.3", 80), 9))}
    actual = [ServerState("be", "s_127.10.0.1_80_r2", "127.10.0.1", 80, 0, 1), ServerState("be", "s_127.10.0.2_80_r1", "127.10.0.2", 80, 0, 1)]
    assert servers.plan(actual, wanted, set()) == [
        "set server be/s_127.10.0.1_80_r2 weight 9",
        "add server be/s_127.10.0.3_80_r2 127.10.0.3:80 weight 9",
        "enable server be/s_127.10.0.3_80_r2",
    ]


@pytest.mark.skipif(shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists(), reason="haproxy is not installed (Debian package haproxy; .ci/run installs it)")
def test_haproxy_loads_the_config_of_every_mode_with_header_routes(tmp_path: Path) -> None:
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    table = {("127.1.0.1", 80): split_route("http", routes=(BETA, RC)), ("127.1.0.2", 80): split_route("auto", routes=(BETA,)), ("127.1.0.3", 80): split_route("l4", routes=(RC,))}
    paths = config.Paths(str(tmp_path / "admin.sock"), str(tmp_path / "counters.sock"), "/usr/bin/python3", 5514, "gr-0123abcd")
    (tmp_path / "haproxy.cfg").write_text(config.render(table, {OLD1[0]}, paths))
    check = subprocess.run([binary, "-c", "-f", str(tmp_path / "haproxy.cfg")], capture_output=True, text=True, timeout=30, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("status", "state", "kind"),
    [
        (200, "--", None),
        (500, "--", "5xx"),
        (503, "SC", "refused"),
        (503, "sC", "timeout"),
        (504, "sH", "timeout"),
        (502, "SH", "reset"),
        (200, "SD", "reset"),
        (502, "PH", "reset"),
        (200, "CD", None),  # the client went away
        (0, "--", None),  # a TCP connection
    ],
)
def test_the_termination_state_gives_the_failure_kind(status: int, state: str, kind: str | None) -> None:
    assert collector.classify(status, state) == kind


def test_the_tally_reads_request_log_lines() -> None:
    tally = collector.Tally("gr-secret")
    for line in (
        b"gr-secret be_127.1.0.1_80 s_127.10.0.1_8080_web-2 200 3 --\n",
        b"gr-secret be_127.1.0.1_80 s_127.10.0.1_8080_web-2 500 120 --\n",
        b"gr-secret be_127.1.0.1_80 s_127.10.0.2_8080_web-1 503 3001 SC\n",
        b"gr-secret be_127.1.0.1_80_tcp s_127.10.0.2_8080_web-1 0 5000 --\n",
        b"gr-secret be_127.1.0.1_80 <NOSRV> 503 0 SC\n",  # no usable server: no revision
        b"gr-forged be_127.1.0.1_80 s_127.10.0.1_8080_web-2 500 1 --\n",  # not from our HAProxy
        b"Proxy fe_127.1.0.1_80 stopped (cumulated conns: FE: 1, BE: 0).\n",  # HAProxy's own message
    ):
        tally.line(line)
    assert tally.lines == 4
    canary = tally.counters.get(("be_127.1.0.1_80", "web-2"))
    assert canary.requests == 2 and canary.failures["5xx"] == 1 and sum(canary.buckets) == 2
    assert canary.buckets[2] == canary.buckets[7] == 1 and canary.latency_sum == pytest.approx(0.123)  # 3 ms: le 0.005; 120 ms: le 0.25
    old = tally.counters.get(("be_127.1.0.1_80", "web-1"))
    assert (old.requests, old.failures["refused"]) == (1, 1)
    tcp = tally.counters.get(("be_127.1.0.1_80_tcp", "web-1"))
    assert (tcp.requests, sum(tcp.buckets)) == (1, 0)  # a connection has no latency


def test_counters_cross_as_json_and_sum_to_cumulative_samples() -> None:
    c = Counter()
    c.answered(200, 0.002)
    c.answered(503, 0.3)
    c.failed("reset")
    again = Counter.from_json(c.to_json())
    assert (again.requests, again.failures, again.buckets, again.latency_sum) == (c.requests, c.failures, c.buckets, c.latency_sum)
    s = c.sample("default", "web", "web-2")
    assert (s.requests, dict(s.failures)) == (3, {"5xx": 1, "reset": 1})
    assert s.latency_buckets[0] == 0 and s.latency_buckets[1] == 1 and s.latency_buckets[-1] == 2  # cumulative, +Inf last

