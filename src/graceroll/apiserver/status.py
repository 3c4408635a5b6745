"""``Status`` objects: how the API reports errors (and successful deletes), with the HTTP code."""

from __future__ import annotations

from typing import Any

from graceroll.api import kinds
from graceroll.errors import (
    AlreadyExists,
    Conflict,
    Forbidden,
    GracerollError,
    Invalid,
    NotFound,
    StorageError,
    UsageError,
)

Obj = dict[str, Any]

_CAUSE_REASONS = {
    "Required value": "FieldValueRequired",
    "Invalid value": "FieldValueInvalid",
    "Unsupported value": "FieldValueNotSupported",
    "Forbidden": "FieldValueForbidden",
    "Duplicate value": "FieldValueDuplicate",
}


def status(code: int, reason: str, message: str, details: Obj | None = None) -> Obj:
    out: Obj = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success" if code < 400 else "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        out["details"] = details
    return out


def from_error(e: Exception) -> Obj:
    """Translate a graceroll error into the Status kubectl expects (reason, code, causes)."""
    if isinstance(e, NotFound):
        return status(404, "NotFound", str(e), {"name": e.name, "kind": e.kind})
    if isinstance(e, AlreadyExists):
        return status(409, "AlreadyExists", str(e), {"name": e.name, "kind": e.kind})
    if isinstance(e, Forbidden):
        return status(403, "Forbidden", str(e), {"name": e.name, "kind": e.kind})
    if isinstance(e, Conflict):
        return status(409, "Conflict", str(e), {"name": e.name, "kind": e.kind})
    if isinstance(e, Invalid):
        info = kinds.find(e.kind)
        causes = [
            {"reason": _CAUSE_REASONS.get(c.type, "FieldValueInvalid"), "message": str(c).split(": ", 1)[-1], "field": c.path}
            for c in e.causes
        ]
        group = info.group if info else ""
        return status(
            422,
            "Invalid",
            str(e),
            {"name": e.name, "group": group, "kind": e.kind, "causes": causes},
        )
    if isinstance(e, (UsageError,)):
        return status(400, "BadRequest", str(e))
    if isinstance(e, StorageError):
        return status(500, "InternalError", str(e))
    if isinstance(e, GracerollError):
        return status(400, "BadRequest", str(e))
    return status(500, "InternalError", f"internal error: {type(e).__name__}: {e}")
