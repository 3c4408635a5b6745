"""Columns of the BCS Mesos kinds, as bcs-client lists deployments and applications."""

from __future__ import annotations

from graceroll.api.meta import Obj
from graceroll.printers.tables import Table, field, name, register


def _create_time(obj: Obj, now: float) -> str:
    return str(obj["metadata"].get("creationTimestamp") or "")


def _namespace(obj: Obj, now: float) -> str:
    return str(obj["metadata"].get("namespace") or "")


def _running(obj: Obj, now: float) -> str:
    status = obj.get("status") or {}
    return str(status.get("runningInstances", status.get("instances", 0)))


def _message(obj: Obj, now: float) -> str:
    return str((obj.get("status") or {}).get("message") or "")


register(
    "MesosDeployment",
    Table(
        (
            ("NAME", name),
            ("STATUS", field("status", "phase", default="Deploying")),
            ("INSTANCE", field("spec", "instance")),
            ("APPLICATION", field("status", "application", default="")),
            ("MESSAGE", _message),
            ("CREATETIME", _create_time),
            ("NAMESPACE", _namespace),
        ),
        (("NEW_APPLICATION", field("status", "newApplication", default="")),),
    ),
)
register(
    "Application",
    Table(
        (
            ("NAME", name),
            ("STATUS", field("status", "status", default="Staging")),
            ("INSTANCE", field("spec", "instance")),
            ("RUNNING_INSTANCE", _running),
            ("MESSAGE", _message),
            ("CREATETIME", _create_time),
            ("NAMESPACE", _namespace),
        ),
        (),
    ),
)
