"""Core ``v1`` kinds: Pod, Service, Endpoints, Event, Namespace."""

from __future__ import annotations

from graceroll.api.kinds import Kind, register

POD = register(Kind("", "v1", "Pod", "pods", ("po",)))
SERVICE = register(Kind("", "v1", "Service", "services", ("svc",)))
EVENT = register(Kind("", "v1", "Event", "events", ("ev",), has_status=False))
