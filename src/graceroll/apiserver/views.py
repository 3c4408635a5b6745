"""Resources served in another API version than the stored kind's: ``events.k8s.io/v1`` Events.

Upstream serves one stored object in several versions and converts on the way in and out; here a
``View`` names a (group, version, resource) and the two conversions to and from the stored kind.
The events.k8s.io Event is the core Event under other names (``pkg/apis/events/v1/conversion.go``):

    regarding <-> involvedObject      note <-> message          reportingController <-> reportingComponent
    deprecatedSource <-> source       deprecatedFirstTimestamp <-> firstTimestamp
    deprecatedLastTimestamp <-> lastTimestamp                    deprecatedCount <-> count

``eventTime``, ``series``, ``action``, ``reason``, ``related``, ``type`` and ``reportingInstance``
keep their names. An Event created through events.k8s.io/v1 must say what the new API requires
(``ValidateEventCreate`` for that version: eventTime, reportingController, reportingInstance,
action, reason, a Normal or Warning type, a note of at most 1 KiB).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graceroll.api import field_checks as fc
from graceroll.errors import FieldError

Obj = dict[str, Any]
RENAMED = (
    ("regarding", "involvedObject"),
    ("note", "message"),
    ("reportingController", "reportingComponent"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
)
KEPT = ("metadata", "eventTime", "series", "action", "reason", "related", "type", "reportingInstance")
EVENTS_API_VERSION = "events.k8s.io/v1"
NOTE_LIMIT = 1024
FIELD_LIMIT = 128


@dataclass(frozen=True)
class View:
    group: str
    version: str
    plural: str
    kind: str
    storage: str  # the stored kind
    to_view: Callable[[Obj], Obj] = field(compare=False)
    from_view: Callable[[Obj], Obj] = field(compare=False)
    validate_create: Callable[[Obj], list[FieldError]] = field(compare=False)
    short_names: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


def event_to_v1(core: Obj) -> Obj:
    out: Obj = {"kind": "Event", "apiVersion": EVENTS_API_VERSION}
    out.update({k: core[k] for k in KEPT if k in core})
    out.update({new: core[old] for new, old in RENAMED if old in core})
    out.setdefault("eventTime", None)  # a legacy event has none (upstream answers null too)
    return out


def event_from_v1(event: Obj) -> Obj:
    out: Obj = {"kind": "Event", "apiVersion": "v1"}
    out.update({k: event[k] for k in KEPT if k in event and event[k] is not None})
    out.update({old: event[new] for new, old in RENAMED if event.get(new) is not None})
    return out


def validate_v1_event(event: Obj) -> list[FieldError]:
    """The events.k8s.io/v1 rules, with its field names."""
    errs: list[FieldError] = []
    if not event.get("eventTime"):
        errs.append(fc.required("eventTime"))
    if event.get("type") not in ("Normal", "Warning"):
        errs.append(fc.invalid("type", "", f"has invalid value: {event.get('type') or ''}"))
    controller = event.get("reportingController") or ""
    if not controller:
        errs.append(fc.required("reportingController"))
    else:
        errs += fc.messages("reportingController", controller, fc.is_qualified_name(controller))
    for key in ("reportingInstance", "action", "reason"):
        value = event.get(key) or ""
        if not value:
            errs.append(fc.required(key))
        elif len(value) > FIELD_LIMIT:
            errs.append(fc.invalid(key, "", f"can have at most {FIELD_LIMIT} characters"))
    if len(event.get("note") or "") > NOTE_LIMIT:
        errs.append(fc.invalid("note", "", f"can have at most {NOTE_LIMIT} characters"))
    return errs


VIEWS = (View("events.k8s.io", "v1", "events", "Event", "Event", event_to_v1, event_from_v1, validate_v1_event, ("ev",)),)


def find(group: str, version: str, plural: str) -> View | None:
    return next((v for v in VIEWS if (v.group, v.version, v.plural) == (group, version, plural)), None)
