"""Canary steps (``spec.updateStrategy.canary.steps``): their shape, rules and CRD schema.

BCS's GameStatefulSet has three step kinds (bk-bcs 83deb16 ``types.go``): ``partition``, ``pause``
and ``hook``. graceroll adds two traffic steps under its own names, with Argo Rollouts' meaning,
and one option on hook steps:

* ``trafficWeight: N`` (0-100) is Argo's ``setWeight``. N% of the Service's requests go to the
  pods of the canary (update) revision and the rest to the other pods, whatever the pod counts
  are. If one side has no ready pod, every request goes to the other side.
* ``trafficHeaderRoute: {name, match: [{headerName, headerValue: {exact|prefix|regex}}]}`` is
  Argo's ``setHeaderRoute``. HTTP requests that satisfy every ``match`` entry of a route go to
  the canary only. A later step with the same ``name`` replaces the route, and one without
  ``match`` removes it.
* ``hook.onFailure``: ``Pause`` (BCS: the set pauses, and ``rollout resume`` overrides the
  failure) or ``Abort`` (the set goes back to its stable revision, as ``rollout cancel`` does).

The same steps are a graceroll extension of the OpenKruise CloneSet (``spec.updateStrategy.canary``),
which has no steps upstream. ``steps_schema`` is the OpenAPI form of the models below. The
operator's CRDs use it, so the schema a cluster checks cannot drift from graceroll's own checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graceroll.api import field_checks as fc
from graceroll.api.structure import IntOrString, Strict
from graceroll.errors import FieldError

Obj = dict[str, Any]

PARTITION = "partition"
PAUSE = "pause"
HOOK = "hook"
TRAFFIC_WEIGHT = "trafficWeight"
TRAFFIC_HEADER_ROUTE = "trafficHeaderRoute"
STEP_KINDS = (PARTITION, PAUSE, HOOK, TRAFFIC_WEIGHT, TRAFFIC_HEADER_ROUTE)
ON_FAILURE_PAUSE = "Pause"
ON_FAILURE_ABORT = "Abort"
ON_FAILURE = [ON_FAILURE_PAUSE, ON_FAILURE_ABORT]
HEADER_MATCH_KINDS = ("exact", "prefix", "regex")

PartitionCheck = Callable[[str, object, int], list[FieldError]]  # (path, value, replicas) -> errors

# --- shape ---------------------------------------------------------------------------------------


class HookArg(Strict):
    """An argument of a hook's HookRun."""
    name: str | None = None
    """The argument's name, as the template declares it."""
    value: str | None = None
    """Its value."""


class HookStep(Strict):
    """A hook: a HookRun made from a HookTemplate."""
    templateName: str | None = None
    """The HookTemplate, in the workload's namespace."""
    args: list[HookArg] | None = None
    """Values for the template's args."""


class CanaryHookStep(HookStep):
    """A canary step's hook: its HookRun must succeed for the canary to go on."""
    onFailure: str | None = None
    """Pause (the default, BCS's: the canary pauses until rollout resume) or Abort (back to the stable revision, as rollout cancel) when the run fails or errs."""


class Pause(Strict):
    """A pause of the canary."""
    duration: int | None = None
    """Seconds to wait; without it, wait for rollout resume."""


class HeaderValue(Strict):
    """How a header's value is compared: exactly one of exact, prefix, regex."""
    exact: str | None = None
    """The whole value."""
    prefix: str | None = None
    """The value's beginning."""
    regex: str | None = None
    """A regular expression the value matches."""


class HeaderMatch(Strict):
    """One condition on a request header."""
    headerName: str | None = None
    """The header, e.g. X-Canary."""
    headerValue: HeaderValue | None = None
    """How its value is compared."""


class HeaderRoute(Strict):
    """A header route: requests satisfying every match go to the canary only."""
    name: str | None = None
    """The route's name; a later step with the same name replaces it."""
    match: list[HeaderMatch] | None = None
    """The conditions, all of which a request must meet; without any, the route is removed."""


class CanaryStep(Strict):
    """One canary step: exactly one of partition, pause, hook, trafficWeight, trafficHeaderRoute."""
    partition: IntOrString | None = None
    """Update until only this many pods (or this percentage) keep the old revision."""
    pause: Pause | None = None
    """Wait (for a duration, or until rollout resume)."""
    hook: CanaryHookStep | None = None
    """Run a hook (a HookRun) and go on when it succeeds."""
    trafficWeight: int | None = None
    """graceroll's: send this percentage (0-100) of the Service's requests to the canary pods, whatever their count (Argo Rollouts' setWeight)."""
    trafficHeaderRoute: HeaderRoute | None = None
    """graceroll's: send the HTTP requests matching a route to the canary pods only (Argo Rollouts' setHeaderRoute)."""


class Canary(Strict):
    """An automated canary: the steps run in order."""
    steps: list[CanaryStep] | None = None
    """The steps."""


# --- rules ---------------------------------------------------------------------------------------


def canary_steps(steps: list[Any], replicas: int, path: str, partition: PartitionCheck) -> list[FieldError]:
    """Every step of ``steps`` (at ``path``); ``partition`` checks a partition step's value in the
    kind's own int-or-percent rules."""
    errs: list[FieldError] = []
    for i, step in enumerate(steps):
        if isinstance(step, dict):
            errs += canary_step(step, replicas, f"{path}[{i}]", partition)
    return errs


def canary_step(step: Obj, replicas: int, path: str, partition: PartitionCheck) -> list[FieldError]:
    """Exactly one step kind per step (BCS reads them in the order of ``STEP_KINDS``)."""
    given = [k for k in STEP_KINDS if step.get(k) is not None]
    if len(given) != 1:
        return [fc.invalid(path, step, f"a step must have exactly one of {', '.join(STEP_KINDS)}")]
    kind = given[0]
    value = step[kind]
    if kind == PARTITION:
        return partition(f"{path}.partition", value, replicas)
    if kind == PAUSE:
        return fc.non_negative(f"{path}.pause.duration", value.get("duration"))
    if kind == HOOK:
        errs = hook_step(value, f"{path}.hook")
        on_failure = value.get("onFailure")
        if on_failure is not None and on_failure not in ON_FAILURE:
            errs.append(fc.not_supported(f"{path}.hook.onFailure", on_failure, ON_FAILURE))
        return errs
    if kind == TRAFFIC_WEIGHT:
        return [] if 0 <= value <= 100 else [fc.invalid(f"{path}.trafficWeight", value, "must be between 0 and 100, inclusive")]
    return header_route(value, f"{path}.trafficHeaderRoute")


def hook_step(hook: Obj, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    name = hook.get("templateName")
    if not name:
        errs.append(fc.required(f"{path}.templateName"))
    else:
        errs += fc.name_errors(f"{path}.templateName", name, fc.is_dns1123_subdomain)
    seen: set[str] = set()
    for i, arg in enumerate(hook.get("args") or ()):
        if not isinstance(arg, dict):
            continue
        arg_name = arg.get("name") or ""
        if not arg_name:
            errs.append(fc.required(f"{path}.args[{i}].name"))
        elif arg_name in seen:
            errs.append(fc.duplicate(f"{path}.args[{i}].name", arg_name))
        seen.add(arg_name)
    return errs


def header_route(route: Obj, path: str) -> list[FieldError]:
    """A route's name, and each match: a valid header name and exactly one way to compare its value."""
    errs: list[FieldError] = []
    name = route.get("name")
    if not name:
        errs.append(fc.required(f"{path}.name"))
    else:
        errs += fc.name_errors(f"{path}.name", name, fc.is_dns1123_label)
    for i, match in enumerate(route.get("match") or ()):
        if not isinstance(match, dict):
            continue
        p = f"{path}.match[{i}]"
        header = match.get("headerName")
        if not header:
            errs.append(fc.required(f"{p}.headerName"))
        else:
            errs += fc.messages(f"{p}.headerName", header, fc.is_http_header_name(header))
        value = match.get("headerValue") or {}
        kinds = [k for k in HEADER_MATCH_KINDS if value.get(k) is not None]
        if len(kinds) != 1:
            errs.append(fc.invalid(f"{p}.headerValue", value, "exactly one of exact, prefix, regex is required"))
        elif kinds == ["regex"]:
            try:
                re.compile(value["regex"])
            except re.error as e:
                errs.append(fc.invalid(f"{p}.headerValue.regex", value["regex"], f"not a valid regular expression: {e}"))
    return errs


# --- defaults ------------------------------------------------------------------------------------


def default_on_failure(steps: list[Any]) -> None:
    """A hook step's ``onFailure`` is ``Pause`` when not given (BCS's only behaviour)."""
    for step in steps:
        hook = step.get(HOOK) if isinstance(step, dict) else None
        if isinstance(hook, dict) and hook.get("onFailure") is None:
            hook["onFailure"] = ON_FAILURE_PAUSE


# --- the CRD schema ------------------------------------------------------------------------------


def steps_schema(on_failure_default: bool) -> Obj:
    """``canary.steps`` as an OpenAPI v3 structural schema; ``on_failure_default``: whether the API
    server fills ``hook.onFailure`` (graceroll's CloneSet does, BCS's GameStatefulSet does not)."""
    string: Obj = {"type": "string"}
    args: Obj = {"type": "array", "items": {"type": "object", "properties": {"name": string, "value": string}}}
    on_failure: Obj = {"type": "string", "enum": list(ON_FAILURE)}
    if on_failure_default:
        on_failure["default"] = ON_FAILURE_PAUSE
    header_value: Obj = {"type": "object", "minProperties": 1, "maxProperties": 1, "properties": {k: string for k in HEADER_MATCH_KINDS}}
    match: Obj = {"type": "object", "required": ["headerName", "headerValue"], "properties": {"headerName": string, "headerValue": header_value}}
    step: Obj = {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "properties": {
            PARTITION: {"x-kubernetes-int-or-string": True},
            PAUSE: {"type": "object", "properties": {"duration": {"type": "integer", "minimum": 0}}},
            HOOK: {
                "type": "object",
                "required": ["templateName"],
                "properties": {"templateName": string, "args": args, "onFailure": on_failure},
            },
            TRAFFIC_WEIGHT: {"type": "integer", "minimum": 0, "maximum": 100},
            TRAFFIC_HEADER_ROUTE: {
                "type": "object",
                "required": ["name"],
                "properties": {"name": string, "match": {"type": "array", "items": match}},
            },
        },
    }
    return {"type": "array", "items": step}
