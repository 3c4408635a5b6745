"""Mesos health checks as probes: readiness always, liveness when failures are counted."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.mesos.healthcheck import probes


def test_an_http_check_with_consecutive_failures_is_a_readiness_and_a_liveness_probe() -> None:
    check = {
        "type": "HTTP",
        "delaySeconds": 5,
        "gracePeriodSeconds": 30,
        "intervalSeconds": 15,
        "timeoutSeconds": 3,
        "consecutiveFailures": 4,
        "http": {"port": 8888, "scheme": "https", "path": "/healthz", "headers": {"Host": "game"}},
    }
    out = probes([check])
    get = {"path": "/healthz", "port": 8888, "scheme": "HTTPS", "httpHeaders": [{"name": "Host", "value": "game"}]}
    timing = {"periodSeconds": 15, "timeoutSeconds": 3, "successThreshold": 1, "failureThreshold": 4}
    assert out["readinessProbe"] == {"httpGet": get, "initialDelaySeconds": 5} | timing
    # failures within the grace period after the start are ignored: liveness starts after it
    assert out["livenessProbe"] == {"httpGet": get, "initialDelaySeconds": 35} | timing


def test_without_consecutive_failures_nothing_is_killed_and_probe_defaults_apply() -> None:
    out = probes([{"type": "tcp", "tcp": {"portName": "game"}}])
    assert out == {
        "readinessProbe": {
            "tcpSocket": {"port": "game"},
            "initialDelaySeconds": 0,
            "periodSeconds": 10,
            "timeoutSeconds": 1,
            "successThreshold": 1,
            "failureThreshold": 3,
        }
    }


@pytest.mark.parametrize(
    ("checks", "handler"),
    [
        pytest.param([{"type": "COMMAND", "command": {"value": "test -f /tmp/ok"}}], {"exec": {"command": ["/bin/sh", "-c", "test -f /tmp/ok"]}}, id="command through a shell"),
        pytest.param([{"type": "REMOTE_TCP", "tcp": {"port": 80}}], {"tcpSocket": {"port": 80}}, id="remote tcp reaches the same address"),
        pytest.param([{"type": "REMOTE_HTTP", "http": {"port": 80}}], {"httpGet": {"path": "/", "port": 80, "scheme": "HTTP"}}, id="remote http, path defaults to /"),
        pytest.param(
            [{"type": "HTTP", "http": {}}, {"type": "TCP", "tcp": {"port": 81}}, {"type": "TCP", "tcp": {"port": 82}}],
            {"tcpSocket": {"port": 81}},
            id="the first usable check; one probe of a kind per container",
        ),
    ],
)
def test_each_check_type_becomes_its_probe_action(checks: list[dict[str, Any]], handler: dict[str, Any]) -> None:
    probe = probes(checks)["readinessProbe"]
    assert {k: v for k, v in probe.items() if k in ("exec", "tcpSocket", "httpGet")} == handler


@pytest.mark.parametrize("checks", [None, [], "HTTP", [{"type": "UDP"}], [{"type": "COMMAND", "command": {}}]])
def test_no_usable_check_means_no_probe(checks: Any) -> None:
    assert probes(checks) == {}
