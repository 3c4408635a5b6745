"""Recording Events: each occurrence is one v1 Event object in the store, shown by ``describe``.

Each carries the legacy fields (``source``, ``firstTimestamp``, ``count``) and the ones of the
events.k8s.io/v1 API (``eventTime``, ``reportingComponent``/``reportingController``,
``reportingInstance``), so both APIs, and clients that require ``eventTime``, read it whole.
"""

from __future__ import annotations

from graceroll.api.meta import Obj
from graceroll.clock import Clock, format_micro_time, format_time
from graceroll.store.base import Store

NORMAL = "Normal"
WARNING = "Warning"


class EventRecorder:
    def __init__(self, store: Store, clock: Clock, component: str) -> None:
        self._store = store
        self._clock = clock
        self._component = component

    def record(self, obj: Obj, type_: str, reason: str, message: str) -> None:
        md = obj["metadata"]
        t = self._clock.now()
        now = format_time(t)
        self._store.create(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"generateName": f"{md['name']}.", "namespace": md.get("namespace") or "default"},
                "involvedObject": {
                    "apiVersion": obj.get("apiVersion", ""),
                    "kind": obj["kind"],
                    "name": md["name"],
                    "namespace": md.get("namespace") or "default",
                    "uid": md.get("uid", ""),
                },
                "reason": reason,
                "message": message,
                "type": type_,
                "count": 1,
                "firstTimestamp": now,
                "lastTimestamp": now,
                "source": {"component": self._component},
                "eventTime": format_micro_time(t),
                "reportingComponent": self._component,
                "reportingInstance": self._component,
            }
        )
