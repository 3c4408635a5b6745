"""What ``graceroll wait`` and ``graceroll delete --wait`` wait for, and the wait itself.

The ``--for`` forms and their tests follow ``kubectl wait``:

* ``delete``: the object is gone (one that never existed counts as gone);
* ``condition=NAME[=VALUE]``: ``status.conditions[type=NAME].status`` equals VALUE (default
  ``true``), both compared case-insensitively, and the condition is not stale (its
  ``observedGeneration``, else ``status.observedGeneration``, is not behind
  ``metadata.generation``);
* ``jsonpath=EXPR[=VALUE]``: EXPR selects exactly one value and it prints as VALUE; without a
  VALUE it is enough that EXPR selects something (even an empty string or a map).

The wait is driven by changes, never by polling: the object as listed, then a watch from its
resourceVersion; when the watch ends early (server timeout, connection closed, history expired)
the object is listed again and the watch resumes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from typing import Any, Literal

from graceroll.api import kinds
from graceroll.cli.watch_feed import MonotonicClock, watch
from graceroll.controllers.hookrun import jsonpath
from graceroll.errors import GracerollError, UsageError
from graceroll.store.base import Expired

Obj = dict[str, Any]
Check = Callable[[Obj | None], bool]

FOR_FORMS = "delete, condition=NAME[=VALUE] or jsonpath={EXPR}[=VALUE]"
JSONPATH_FORMAT = "jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'"
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|ms|s|m|h)")
_SECONDS = re.compile(r"\d+\.?\d*|\.\d+")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


class WaitFailed(GracerollError):
    """Waiting on one object failed (not met, timed out, unusable value); the others are still waited for."""


# ---- parsing the command line ------------------------------------------------------------------
@dataclass(frozen=True)
class WaitFor:
    """A parsed ``--for``. ``name`` is the condition type or the JSONPath expression; ``value`` the
    wanted status or value (None with jsonpath: any value)."""

    mode: Literal["delete", "condition", "jsonpath"]
    name: str = ""
    value: str | None = None


def parse_for(text: str) -> WaitFor:
    """``--for`` as kubectl reads it: ``delete`` in any case, ``condition=``/``jsonpath=`` as spelled."""
    if text.lower() == "delete":
        return WaitFor("delete")
    if text.startswith("condition="):
        name, sep, status = text.removeprefix("condition=").partition("=")
        return WaitFor("condition", name, status if sep else "true")
    if text.startswith("jsonpath="):
        expr, value = split_jsonpath(text.removeprefix("jsonpath="))
        return WaitFor("jsonpath", expr, value)
    raise UsageError(f'unrecognized condition: "{text}" (use {FOR_FORMS})')


def split_jsonpath(text: str) -> tuple[str, str | None]:
    """``{.status.phase}=Running`` → (``{.status.phase}``, ``Running``); no ``=VALUE`` → value None.

    The value may be quoted (``'3'``, ``"3"``); an ``=`` inside the braces belongs to the expression.
    """
    cut = text.find("}") + 1 if text.startswith("{") else 0
    head, sep, value = text[cut:].partition("=")
    expr = relaxed_jsonpath(text[:cut] + head)
    if not sep:
        return expr, None
    if "=" in value:
        raise UsageError(JSONPATH_FORMAT)
    value = value.strip("'\"")
    if not value.strip():
        raise UsageError("jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3")
    return expr, value


def relaxed_jsonpath(text: str) -> str:
    """kubectl's relaxed spellings ``{.a.b}``, ``{a.b}``, ``.a.b``, ``a.b`` → ``{.a.b}``; checked
    against what the JSONPath reader supports."""
    if not text:
        raise UsageError("jsonpath expression cannot be empty")
    inner = text[1:-1] if text.startswith("{") and text.endswith("}") else text
    if not inner or "{" in inner or "}" in inner:
        raise UsageError(f"unexpected path string {text!r}, expected a 'name1.name2' or '.name1.name2' or '{{name1.name2}}' or '{{.name1.name2}}'")
    expr = "{" + (inner if inner.startswith((".", "[", "$")) else "." + inner) + "}"
    try:
        jsonpath.check(expr)
    except jsonpath.JSONPathError as e:
        raise UsageError(str(e)) from None
    return expr


def parse_duration(text: str, flag: str = "--timeout") -> float:
    """Seconds in ``text``: a Go/kubectl duration (``30s``, ``1m30s``, ``1.5h``, ``500ms``) or plain
    seconds (``30``, ``2.5``); a leading ``-`` makes it negative."""
    body = text.strip()
    sign = -1.0 if body.startswith("-") else 1.0
    body = body[1:] if body[:1] in "+-" else body
    if _SECONDS.fullmatch(body):
        return sign * float(body)
    total, pos = 0.0, 0
    while body and pos < len(body):
        m = _DURATION_PART.match(body, pos)
        if m is None:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not body or pos < len(body):
        raise UsageError(f'invalid argument "{text}" for "{flag}" flag: use a duration such as 30s, 2m or 1h, or seconds')
    return sign * total


def parse_bool(text: str, flag: str) -> bool:
    """A boolean flag value as kubectl accepts it (``--wait=false``)."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UsageError(f'invalid argument "{text}" for "{flag}" flag: use true or false')


# ---- the tests ---------------------------------------------------------------------------------
def condition_met(obj: Obj | None, name: str, status: str) -> bool:
    """Whether ``obj`` has condition ``name`` with ``status`` (case-insensitive) and it is current.

    A condition reported for an older generation says nothing about this one, so it does not count.
    """
    if obj is None:
        return False
    st = obj.get("status") or {}
    for cond in st.get("conditions") or []:
        if not isinstance(cond, dict) or str(cond.get("type", "")).casefold() != name.casefold():
            continue
        if not isinstance(cond.get("status"), str):
            continue
        generation = (obj.get("metadata") or {}).get("generation")
        observed = cond.get("observedGeneration", st.get("observedGeneration"))
        if isinstance(generation, int) and isinstance(observed, int) and observed < generation:
            return False
        return bool(cond["status"].casefold() == status.casefold())
    return False


def jsonpath_met(obj: Obj | None, expr: str, value: str | None) -> bool:
    """Whether ``expr`` selects one value in ``obj`` that prints as ``value`` (None: any value).

    A missing field is not an error, only not (yet) met; several matches, or comparing a map or a
    list to a value, cannot be decided and raise ``WaitFailed``.
    """
    if obj is None:
        return False
    try:
        found = jsonpath.find(obj, expr)
    except jsonpath.JSONPathError:
        return False
    if not found:
        return False
    if len(found) > 1:
        raise WaitFailed("given jsonpath expression matches more than one value")
    if value is None:
        return True
    if isinstance(found[0], (dict, list)):
        raise WaitFailed("jsonpath leads to a nested object or list which is not supported")
    return jsonpath.text(found[0]).strip() == value.strip()


def gone(obj: Obj | None, uid: str | None = None) -> bool:
    """Whether the object is deleted: absent, or (given the deleted one's ``uid``) replaced by a
    new object of the same name, as a StatefulSet-style controller does."""
    if obj is None:
        return True
    return uid is not None and (obj.get("metadata") or {}).get("uid") != uid


def predicate(cond: WaitFor, uid: str | None = None) -> Check:
    """The ``--for`` condition as a test of an object's state (None once it is gone)."""
    if cond.mode == "delete":
        return lambda obj: gone(obj, uid)
    if cond.mode == "condition":
        return lambda obj: condition_met(obj, cond.name, cond.value or "")
    return lambda obj: jsonpath_met(obj, cond.name, cond.value)


# ---- waiting -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """One object to wait on, with the state it was found in (None: not there, ``missing`` says so)."""

    kind: kinds.Kind
    namespace: str
    name: str
    obj: Obj | None
    missing: str = ""

    @property
    def printed(self) -> str:
        """``deployment.apps/web``, as the success line names it."""
        return f"{self.kind.qualified}/{self.name}"

    @property
    def resource(self) -> str:
        """``deployments/web``, as kubectl's wait errors name it."""
        return f"{self.kind.plural}/{self.name}"


@dataclass(frozen=True)
class Deadline:
    """When waiting stops: ``at`` on the clock's monotonic scale (None: never); ``once``: check
    the current state only (``--timeout=0``)."""

    at: float | None
    once: bool = False

    @classmethod
    def after(cls, clock: MonotonicClock, seconds: float | None) -> Deadline:
        """``seconds`` from now: None or negative waits without limit, 0 checks once."""
        if seconds is None or seconds < 0:
            return cls(None)
        return cls(clock.monotonic() + seconds, once=seconds == 0)

    def left(self, clock: MonotonicClock) -> float | None:
        return None if self.at is None else self.at - clock.monotonic()


def resource_version(obj: Obj | None) -> int | None:
    if obj is None:
        return None
    return int((obj.get("metadata") or {}).get("resourceVersion") or 0)


def current(store: Any, target: Target) -> Obj | None:
    """The object as it is now (a list by name: absence is an answer, not an error)."""
    found: list[Obj] = store.list(target.kind.kind, target.namespace, name=target.name)
    return found[0] if found else None


def await_state(store: Any, clock: MonotonicClock, target: Target, test: Check, deadline: Deadline) -> Obj | None:
    """Block until ``test`` holds for the object; its state then. ``WaitFailed`` when the deadline
    passes first (or, checking once, when it does not hold now)."""
    obj, since = target.obj, resource_version(target.obj)
    while True:
        if test(obj):
            return obj
        if deadline.once:
            raise WaitFailed(f"condition not met for {target.resource}")
        left = deadline.left(clock)
        if left is not None and left <= 0:
            raise WaitFailed(f"timed out waiting for the condition on {target.resource}")
        try:
            with closing(watch(store, clock, target.kind.kind, target.namespace, target.name, since, left)) as events:
                for event in events:
                    obj = None if event.type == "DELETED" else event.object
                    if test(obj):
                        return obj
                    left = deadline.left(clock)
                    if left is not None and left <= 0:
                        break
        except Expired:
            since = None  # too old to resume from: start again from the current state
            continue
        obj = current(store, target)  # the watch ended: list again, resume from there
        since = resource_version(obj)
