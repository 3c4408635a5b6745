"""The one exception tree of graceroll.

::

    GracerollError
    ├── StoreError                 a store operation was refused
    │   ├── NotFound               the object does not exist: create it, or stop
    │   ├── AlreadyExists          the name is taken: update instead, or pick another name
    │   ├── Conflict               stale resourceVersion: re-read the object and retry
    │   └── Forbidden              a rule of the server refuses the request (HTTP 403): do not retry
    ├── StorageError               the store's files cannot be used (locked, corrupt, newer schema, I/O
    │                              failure): fix the data dir, or stop the process that holds it
    ├── Invalid                    the object breaks a validation rule; ``causes`` lists each field error
    ├── UsageError                 a command was called wrongly; the message says how to call it
    └── StepFailed                 a scenario step failed: the message names the step (index, text)
                                   and the cause; fix that step

Foreign exceptions are translated at the boundary with ``raise ... from ...``.
"""

from __future__ import annotations

from dataclasses import dataclass


class GracerollError(Exception):
    """Base of every error graceroll raises on purpose."""


class StoreError(GracerollError):
    def __init__(self, kind: str, name: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name


class NotFound(StoreError):
    def __init__(self, kind: str, name: str) -> None:
        super().__init__(kind, name, f'{kind} "{name}" not found')


class AlreadyExists(StoreError):
    def __init__(self, kind: str, name: str) -> None:
        super().__init__(kind, name, f'{kind} "{name}" already exists')


class Conflict(StoreError):
    def __init__(self, kind: str, name: str, detail: str = "") -> None:
        msg = (
            f'Operation cannot be fulfilled on {kind} "{name}": '
            f"{detail or 'the object has been modified; please apply your changes to the latest version and try again'}"
        )
        super().__init__(kind, name, msg)


class Forbidden(StoreError):
    """Upstream's ``NewForbidden``: ``<resource> "<name>" is forbidden: <reason>``."""

    def __init__(self, kind: str, name: str, reason: str) -> None:
        super().__init__(kind, name, f'{kind} "{name}" is forbidden: {reason}')
        self.reason = reason


class StorageError(GracerollError):
    """The store's backing files cannot be opened or written; the message names the file and the cause."""


@dataclass(frozen=True)
class FieldError:
    """One validation failure, rendered the Kubernetes way: ``<path>: <type>[: <value>][: <detail>]``."""

    path: str
    type: str  # "Required value", "Invalid value", "Unsupported value", "Forbidden", "Duplicate value"
    detail: str = ""
    value: object = None
    has_value: bool = False
    source: str = ""  # "file:line" when the error comes from a manifest on disk

    def __str__(self) -> str:
        parts = [f"{self.path}: {self.type}"]
        if self.has_value:
            parts.append(render_value(self.value))
        if self.detail:
            parts.append(self.detail)
        text = ": ".join(parts)
        return f"{self.source}: {text}" if self.source else text


def render_value(v: object) -> str:
    """Bad values as upstream prints them: strings quoted, numbers bare, the rest as JSON."""
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(v, separators=(",", ":"), sort_keys=True)


class Invalid(GracerollError):
    """An object (or manifest) failed validation; nothing was stored."""

    def __init__(self, kind: str, name: str, causes: list[FieldError]) -> None:
        self.kind = kind
        self.name = name
        self.causes = causes
        head = f'{kind} "{name}" is invalid' if name else f"{kind} is invalid"
        super().__init__(head + ": " + "; ".join(str(c) for c in causes))


class UsageError(GracerollError):
    """A command was given arguments it cannot use."""


class ManifestError(GracerollError):
    """One or more manifests could not be loaded; ``causes`` holds every problem, each with its source."""

    def __init__(self, causes: list[FieldError]) -> None:
        self.causes = causes
        super().__init__("\n".join(str(c) for c in causes))


class StepFailed(GracerollError):
    """A simulation scenario's step failed; ``index`` counts from 0, as ``steps[i]`` in the file."""

    def __init__(self, index: int, step: str, cause: str) -> None:
        self.index = index
        self.step = step
        super().__init__(f"steps[{index}] ({step}) failed: {cause}")
