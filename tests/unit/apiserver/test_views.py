"""events.k8s.io/v1 Events as views of core Events: the renames both ways and the new API's rules."""

from __future__ import annotations

from graceroll.apiserver.views import event_from_v1, event_to_v1, validate_v1_event

CORE = {
    "kind": "Event", "apiVersion": "v1", "metadata": {"name": "e", "namespace": "shop"},
    "involvedObject": {"kind": "Pod", "name": "web"}, "reason": "Started", "message": "Started container app",
    "source": {"component": "kubelet"}, "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:01Z",
    "count": 2, "type": "Normal", "eventTime": "2026-01-01T00:00:00.000000Z", "reportingComponent": "kubelet", "reportingInstance": "local",
}


def test_a_core_event_converts_to_events_k8s_io_and_back() -> None:
    v1 = event_to_v1(CORE)
    assert v1["apiVersion"] == "events.k8s.io/v1"
    assert (v1["regarding"], v1["note"], v1["reportingController"], v1["deprecatedCount"]) == (CORE["involvedObject"], CORE["message"], "kubelet", 2)
    assert (v1["deprecatedSource"], v1["deprecatedFirstTimestamp"]) == ({"component": "kubelet"}, "2026-01-01T00:00:00Z")
    assert "message" not in v1 and "involvedObject" not in v1
    assert event_from_v1(v1) == CORE


def test_a_legacy_event_without_event_time_answers_null_as_upstream() -> None:
    legacy = {k: v for k, v in CORE.items() if k != "eventTime"}
    assert event_to_v1(legacy)["eventTime"] is None


def test_the_new_api_requires_what_it_requires() -> None:
    assert validate_v1_event(event_to_v1(dict(CORE, action="Start"))) == []
    missing = [str(e) for e in validate_v1_event({"note": "x" * 1025, "type": "Odd"})]
    assert missing == [
        "eventTime: Required value",
        'type: Invalid value: "": has invalid value: Odd',
        "reportingController: Required value",
        "reportingInstance: Required value",
        "action: Required value",
        "reason: Required value",
        'note: Invalid value: "": can have at most 1024 characters',
    ]
