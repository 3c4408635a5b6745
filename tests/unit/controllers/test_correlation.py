"""Event correlation as client-go's EventCorrelator (k8s.io/client-go/tools/record/events_cache.go):
repeated events counted into one, similar ones combined, a chatty object rate-limited."""

from __future__ import annotations

import graceroll.api.builtin  # noqa: F401
from graceroll.clock import VirtualClock, parse_time
from graceroll.controllers.correlation import Correlator
from graceroll.controllers.events import WARNING, EventRecorder
from graceroll.store.memory import MemoryStore

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "default", "uid": "u1"}}


def test_an_identical_event_is_the_same_event_counted_again() -> None:
    c = Correlator()
    first = c.correlate("kubelet", "pod", "Warning", "Unhealthy", "Readiness probe failed: 404", 0)
    c.written(first, "web-1.abc")
    again = c.correlate("kubelet", "pod", "Warning", "Unhealthy", "Readiness probe failed: 404", 10)
    assert (first.count, first.name) == (1, None)
    assert (again.count, again.first, again.name, again.message) == (2, 0, "web-1.abc", "Readiness probe failed: 404")


def test_the_tenth_distinct_message_is_combined() -> None:
    c = Correlator()
    out = [c.correlate("kubelet", "pod", "Warning", "Unhealthy", f"message {i}", i) for i in range(11)]
    assert [o.message for o in out[:9]] == [f"message {i}" for i in range(9)]
    assert out[9].message == "(combined from similar events): message 9"
    assert out[10].message == "(combined from similar events): message 10" and out[10].count == 2


def test_a_chatty_object_gets_25_events_then_one_every_five_minutes_with_the_whole_count() -> None:
    c = Correlator()
    out = [c.correlate("kubelet", "pod", "Warning", "Unhealthy", "x", t) for t in range(0, 310, 10)]  # every 10 s for 300 s
    # the 25 tokens are spent by 240 s; 240 s of refill at 1/300 per s is 0.8 token: a whole one at 300 s
    assert [o.skip for o in out] == [False] * 25 + [True] * 5 + [False]
    assert out[-1].count == 31


def test_the_kubelet_recorder_updates_one_event_with_count_and_times() -> None:
    clock = VirtualClock()
    store = MemoryStore(clock, seed=0)
    recorder = EventRecorder(store, clock, "kubelet", correlate=True)
    start = clock.now()
    for _ in range(3):
        recorder.record(POD, WARNING, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404")
        clock.advance_to(clock.now() + 10)
    (event,) = store.list("Event")
    assert event["count"] == 3
    assert parse_time(event["firstTimestamp"]) == start and parse_time(event["lastTimestamp"]) == start + 20


def test_a_controller_recorder_keeps_every_occurrence() -> None:
    clock = VirtualClock()
    store = MemoryStore(clock, seed=0)
    recorder = EventRecorder(store, clock, "replicaset-controller")
    for _ in range(3):
        recorder.record(POD, "Normal", "SuccessfulCreate", "Created pod: web-1")
    assert len(store.list("Event")) == 3
