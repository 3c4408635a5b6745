"""HAProxy: the config for a table, the runtime commands for a change, and parsing its answers."""

from __future__ import annotations

from graceroll.dataplane.haproxy import config, names, runtime, servers
from graceroll.dataplane.haproxy.runtime import ServerState
from graceroll.proxy.routes import Route

PATHS = config.Paths("/run/admin.sock")
WEB = Route("default/web:http", "http", (("127.10.0.1", 8080), ("127.10.0.2", 8080)))


def test_each_mode_gets_its_frontend_and_backends() -> None:
    table = {
        ("127.1.0.1", 80): WEB,
        ("127.1.0.2", 5432): Route("default/db:5432", "l4", (("127.10.0.5", 5432),)),
        ("127.1.0.3", 80): Route("default/any:80", "auto", (("127.10.0.7", 80),)),
    }
    cfg = config.render(table, (), PATHS)
    assert "stats socket /run/admin.sock mode 600 level admin expose-fd listeners" in cfg
    http = cfg[cfg.index("\nbackend be_127.1.0.1_80") :].split("\n\n")[0]
    assert "mode http" in http and "retry-on conn-failure empty-response response-timeout" in http
    assert "option redispatch 1" in http and "http-request disable-l7-retry unless { method GET HEAD OPTIONS TRACE PUT DELETE }" in http
    assert "server s_127.10.0.1_8080 127.10.0.1:8080\n" in http + "\n"
    tcp = cfg[cfg.index("\nbackend be_127.1.0.2_5432") :].split("\n\n")[0]
    assert "mode tcp" in tcp and "retry-on" not in tcp
    auto = cfg[cfg.index("frontend fe_127.1.0.3_80") :].split("\n\n")[0]
    assert "tcp-request content switch-mode http if HTTP" in auto
    assert "use_backend be_127.1.0.3_80_http if HTTP" in auto and "default_backend be_127.1.0.3_80_tcp" in auto
    assert "check" not in cfg  # readiness comes from graceroll's probes
    assert config.listeners_in(cfg) == config.listeners_of(table)


def test_servers_of_draining_pods_are_rendered_disabled() -> None:
    cfg = config.render({("127.1.0.1", 80): WEB}, {"127.10.0.2"}, PATHS)
    assert "server s_127.10.0.1_8080 127.10.0.1:8080\n" in cfg
    assert "server s_127.10.0.2_8080 127.10.0.2:8080 disabled\n" in cfg


def state(name: str, admin: int = 0, backend: str = "be", weight: int = 1) -> ServerState:
    _, ip, port, *_ = name.split("_", 3)
    return ServerState(backend, name, ip, int(port), admin, weight)


def servers_at(*addresses: tuple[str, int]) -> tuple[config.Server, ...]:
    return tuple(config.Server(names.server_name(a), a) for a in addresses)


def test_the_plan_adds_enables_drains_readies_and_deletes() -> None:
    actual = [state("s_127.10.0.1_80"), state("s_127.10.0.2_80"), state("s_127.10.0.3_80", admin=1), state("s_127.10.0.9_80", admin=1)]
    wanted = {"be": servers_at(("127.10.0.1", 80), ("127.10.0.2", 80), ("127.10.0.3", 80), ("127.10.0.4", 80), ("127.10.0.5", 80))}
    assert servers.plan(actual, wanted, draining={"127.10.0.2", "127.10.0.5"}) == [
        "set server be/s_127.10.0.2_80 state maint",  # being drained
        "set server be/s_127.10.0.3_80 state ready",  # drained before, ready again
        "add server be/s_127.10.0.4_80 127.10.0.4:80",
        "enable server be/s_127.10.0.4_80",
        "add server be/s_127.10.0.5_80 127.10.0.5:80",  # new, but its pod is draining: stays in maintenance
        "del server be/s_127.10.0.9_80",  # gone from the table, already in maintenance
    ]
    assert servers.plan([state("s_127.10.0.1_80")], {}, set()) == ["set server be/s_127.10.0.1_80 state maint", "del server be/s_127.10.0.1_80"]
    assert servers.plan(actual[:2], {"be": servers_at(("127.10.0.1", 80), ("127.10.0.2", 80))}, set()) == []


SERVERS_STATE = """1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 b1_http 1 s1 127.10.0.1 2 0 1 1 0 1 0 0 0 0 0 0 - 8000 - 0 0 - - 0
3 b1_http 2 s2 127.10.0.2 0 1 1 1 0 1 0 0 0 0 0 0 - 8000 - 0 0 - - 0
"""

SHOW_STAT = """# pxname,svname,qcur,qmax,scur,smax,slim
fe,FRONTEND,,,3,5,8192
be,s_127.10.0.1_80,0,0,2,4,
be,BACKEND,0,0,2,4,819
"""

SHOW_PROC = """#<PID>          <type>          <reloads>       <uptime>        <version>
19020           master          2 [failed: 1]   0d00h13m56s     2.6.12-1+deb12u3
# workers
19113           worker          0               0d00h13m56s     2.6.12-1+deb12u3
"""


def test_the_runtime_answers_are_parsed() -> None:
    s1, s2 = runtime.parse_servers_state(SERVERS_STATE)
    assert (s1.backend, s1.name, s1.addr, s1.port, s1.in_maint, s1.weight) == ("b1_http", "s1", "127.10.0.1", 8000, False, 1)
    assert s2.in_maint
    assert runtime.parse_sessions(SHOW_STAT) == {("be", "s_127.10.0.1_80"): 2}
    assert runtime.master_reloads(SHOW_PROC) == (2, 1)
    assert runtime.parse_servers_state("") == [] and runtime.parse_sessions("") == {}
