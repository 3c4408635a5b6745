"""Columns of the BCS Mesos kinds, as bcs-client lists them (bk-bcs
``bcs-services/bcs-client/cmd/list/application.go`` and ``deployment.go``; seed 003).

* ``get application``: NAME, STATUS, INSTANCE, RUNNING_INSTANCE, MESSAGE, CREATETIME, NAMESPACE.
  INSTANCE is the instance count the application's version defines (``DefineInstances``), not what
  a rolling step has scaled it to: mid-update the seed shows ``2 1`` on both applications.
* ``get mesosdeployment``: NAME, STATUS, NAMESPACE, APP_NAME, APPEXT_NAME (the bound application and,
  during an update, the new one; bcs-client prints the bound one's name in both, a slip of its code).
  ``-o wide`` adds what ``inspect`` would show: INSTANCE, RUNNING_INSTANCE, MESSAGE, CREATETIME.

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


def _define_instances(obj: Obj, now: float) -> str:
    return str((obj.get("status") or {}).get("defineInstances", obj["spec"].get("instance", 0)))


register(
    "MesosDeployment",
    Table(
        (
            ("NAME", name),
            ("STATUS", field("status", "phase", default="Deploying")),
            ("NAMESPACE", _namespace),
            ("APP_NAME", field("status", "application", default="")),
            ("APPEXT_NAME", field("status", "newApplication", default="")),
        ),
        (
            ("INSTANCE", field("spec", "instance")),
            ("RUNNING_INSTANCE", field("status", "runningInstances")),
            ("MESSAGE", _message),
            ("CREATETIME", _create_time),
        ),
    ),
)
register(
    "Application",
    Table(
        (
            ("NAME", name),
            ("STATUS", field("status", "status", default="Staging")),
            ("INSTANCE", _define_instances),
            ("RUNNING_INSTANCE", field("status", "runningInstances")),
            ("MESSAGE", _message),
            ("CREATETIME", _create_time),
            ("NAMESPACE", _namespace),
        ),
        (("SUB_STATUS", field("status", "subStatus", default="")),),
    ),
)
