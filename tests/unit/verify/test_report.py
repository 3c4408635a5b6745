"""``graceroll verify``'s verdict: a run that made no request proves nothing and fails."""

from __future__ import annotations

import pytest

from graceroll.errors import UsageError
from graceroll.verify.report import Report, Sample, render_text
from graceroll.verify.run import VerifyOptions


def test_zero_requests_fail_with_a_reason() -> None:
    r = Report(command="set image deployment/web app=demo:v2", rollout_started=0.0, rollout_completed=3.0)
    doc = r.to_json()
    assert doc["ok"] is False and doc["reason"] == "no request was made: nothing shows the Service stayed up"
    text = render_text(doc)
    assert "None" not in text
    assert "latency:         - (no request was answered)" in text
    assert text.endswith("RESULT: FAILED: no request was made: nothing shows the Service stayed up")


def test_answered_requests_pass() -> None:
    r = Report(samples=[Sample(0.1, "keepalive", 0.002, None, "v1")])
    assert r.to_json()["ok"] is True and r.reason is None
    assert render_text(r.to_json()).endswith("RESULT: zero failed requests")


def test_a_failed_request_is_the_reason() -> None:
    r = Report(samples=[Sample(0.1, "keepalive", 0.002, None, "v1"), Sample(0.2, "new-conn", 0.001, "refused", None)])
    assert r.reason == "1 of 2 requests failed"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"keepalive_clients": -1}, "--keepalive-clients must be 0 or more, got -1"),
        ({"new_conn_clients": -3}, "--new-conn-clients must be 0 or more, got -3"),
        ({"keepalive_clients": 0, "new_conn_clients": 0}, "no clients: --keepalive-clients and --new-conn-clients are both 0"),
        ({"timeout": 0}, "--timeout must be more than 0 seconds, got 0"),
        ({"duration": -1}, "--duration must be more than 0 seconds, got -1"),
    ],
)
def test_options_that_cannot_prove_anything_are_refused(changes: dict[str, float], message: str) -> None:
    opts = VerifyOptions("web", **changes)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match=message):
        opts.check()
