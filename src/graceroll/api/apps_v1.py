"""``apps/v1`` kinds: Deployment, ReplicaSet, ControllerRevision."""

from __future__ import annotations

from graceroll.api.kinds import Kind, register

DEPLOYMENT = register(Kind("apps", "v1", "Deployment", "deployments", ("deploy",), generation_tracks_annotations=True, scalable=True))
REPLICASET = register(Kind("apps", "v1", "ReplicaSet", "replicasets", ("rs",), scalable=True))
CONTROLLER_REVISION = register(Kind("apps", "v1", "ControllerRevision", "controllerrevisions", (), has_status=False))
