"""Recording Events: v1 Event objects in the store, shown by ``describe``.

Controllers record each occurrence as its own Event (the simulator lists every one). The kubelet's
recorder correlates as client-go does (``correlation``): a repeated event updates one Event's
``count`` and ``lastTimestamp``, similar ones are combined, and a chatty pod is rate-limited.

Each carries the legacy fields (``source``, ``firstTimestamp``, ``count``) and the ones of the
events.k8s.io/v1 API (``eventTime``, ``reportingComponent``/``reportingController``,
``reportingInstance``), so both APIs, and clients that require ``eventTime``, read it whole.
"""

from __future__ import annotations

from graceroll.api.meta import Obj, clone
from graceroll.clock import Clock, format_micro_time, format_time
from graceroll.controllers.correlation import Correlator, Occurrence
from graceroll.errors import NotFound
from graceroll.store.base import Store

NORMAL = "Normal"
WARNING = "Warning"


class EventRecorder:
    def __init__(self, store: Store, clock: Clock, component: str, correlate: bool = False) -> None:
        self._store = store
        self._clock = clock
        self._component = component
        self._correlator = Correlator() if correlate else None

    def record(self, obj: Obj, type_: str, reason: str, message: str) -> None:
        md = obj["metadata"]
        now = self._clock.now()
        involved = {
            "apiVersion": obj.get("apiVersion", ""),
            "kind": obj["kind"],
            "name": md["name"],
            "namespace": md.get("namespace") or "default",
            "uid": md.get("uid", ""),
        }
        if self._correlator is None:
            self._create(involved, type_, reason, message, 1, now, now)
            return
        identity = "\x00".join(str(involved[k]) for k in ("kind", "namespace", "name", "uid", "apiVersion"))
        occ = self._correlator.correlate(self._component, identity, type_, reason, message, now)
        if occ.skip:
            return
        stored = self._update(involved["namespace"], occ, now) if occ.name else None
        if stored is None:
            stored = self._create(involved, type_, reason, occ.message, occ.count, occ.first, now)
        self._correlator.written(occ, stored["metadata"]["name"])

    def _create(self, involved: Obj, type_: str, reason: str, message: str, count: int, first: float, now: float) -> Obj:
        return self._store.create(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"generateName": f"{involved['name']}.", "namespace": involved["namespace"]},
                "involvedObject": involved,
                "reason": reason,
                "message": message,
                "type": type_,
                "count": count,
                "firstTimestamp": format_time(first),
                "lastTimestamp": format_time(now),
                "source": {"component": self._component},
                "eventTime": format_micro_time(first),
                "reportingComponent": self._component,
                "reportingInstance": self._component,
            }
        )

    def _update(self, namespace: str, occ: Occurrence, now: float) -> Obj | None:
        """The event seen before, with its new count (None if it is gone: create it again)."""
        assert occ.name is not None
        try:
            event = clone(self._store.get("Event", namespace, occ.name))
        except NotFound:
            return None
        event.update(count=occ.count, message=occ.message, firstTimestamp=format_time(occ.first), lastTimestamp=format_time(now))
        event["metadata"].pop("resourceVersion", None)
        try:
            return self._store.update(event)
        except NotFound:
            return None
