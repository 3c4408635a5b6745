"""Columns of the BCS Mesos kinds, as bcs-client lists applications (reference bcs.md §5, seed 003):
NAME, STATUS, INSTANCE, RUNNING_INSTANCE, MESSAGE, CREATETIME, NAMESPACE.

CREATETIME is printed the way Go prints a ``time.Time`` (``2019-07-08 00:31:32 +0000 UTC``), in UTC;
messages are printed whole (bcs-client cuts them at 22 characters and ``...``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from graceroll.api.meta import Obj
from graceroll.printers.tables import Table, field, name, register


def go_time(ts: str) -> str:
    """An RFC 3339 timestamp as Go's ``Time.String`` prints it, in UTC."""
    return datetime.fromisoformat(ts).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def _create_time(obj: Obj, now: float) -> str:
    ts = obj["metadata"].get("creationTimestamp")
    return go_time(ts) if ts else ""


def _namespace(obj: Obj, now: float) -> str:
    return str(obj["metadata"].get("namespace") or "")


def _message(obj: Obj, now: float) -> str:
    return str((obj.get("status") or {}).get("message") or "")


register(
    "MesosDeployment",
    Table(
        (
            ("NAME", name),
            ("STATUS", field("status", "phase", default="Deploying")),
            ("INSTANCE", field("spec", "instance")),
            ("RUNNING_INSTANCE", field("status", "runningInstances")),
            ("MESSAGE", _message),
            ("CREATETIME", _create_time),
            ("NAMESPACE", _namespace),
        ),
        (
            ("APPLICATION", field("status", "application", default="")),
            ("NEW_APPLICATION", field("status", "newApplication", default="")),
        ),
    ),
)
register(
    "Application",
    Table(
        (
            ("NAME", name),
            ("STATUS", field("status", "status", default="Staging")),
            ("INSTANCE", field("spec", "instance")),
            ("RUNNING_INSTANCE", field("status", "runningInstances")),
            ("MESSAGE", _message),
            ("CREATETIME", _create_time),
            ("NAMESPACE", _namespace),
        ),
        (("SUB_STATUS", field("status", "subStatus", default="")),),
    ),
)
