"""``tkex.tencent.com/v1alpha1`` HookTemplate and HookRun (bcs-hook-operator).

Shape: ``kubernetes/common/bcs-hook/apis/tkex/v1alpha1/hook_types.go``; rules: the hook
operator's ``ValidateMetrics``. Upstream checks a HookRun only when it runs it and then ends the
run in phase ``Error``; graceroll refuses a bad manifest at admission too, and the HookRun
controller runs the same ``metrics_errors`` for runs written straight to the store (the workload
controllers create theirs that way).

The ``graceroll`` provider is graceroll's own: the built-in judge (``controllers/hookrun/judge.py``).
Its ``minRequests`` defaults to 50, ``successRate`` to ``{tolerance: 0.01}`` and ``latencyP99`` to
``{factor: 1.5}`` when they are not given.
"""

from __future__ import annotations

import re
from typing import Any

from graceroll.api import field_checks as fc
from graceroll.api.core_v1 import default_object_meta
from graceroll.api.kinds import Kind, register
from graceroll.api.meta import Obj
from graceroll.api.structure import FreeMap, Strict, TypedObject, child_map, map_items, set_default, validator
from graceroll.errors import FieldError

GROUP = "tkex.tencent.com"
PARALLEL = "Parallel"
ORDERED = "Ordered"
POLICIES = [PARALLEL, ORDERED]
FUNCTIONS = ["get", "patch"]
DEFAULT_WEB_TIMEOUT = 10
PROVIDERS = ("web", "prometheus", "kubernetes", "graceroll")
DEFAULT_MIN_REQUESTS = 50  # per side and window, for the graceroll provider
DEFAULT_TOLERANCE = 0.01  # the canary's success rate may be 1 point below the stable's
DEFAULT_LATENCY_FACTOR = 1.5  # the canary's p99 may be 1.5 times the stable's

# --- shape ---------------------------------------------------------------------------------------


class Arg(Strict):
    name: str | None = None
    value: str | None = None


class WebHeader(Strict):
    key: str | None = None
    value: str | None = None


class WebMetric(Strict):
    url: str | None = None
    headers: list[WebHeader] | None = None
    timeoutSeconds: int | None = None
    jsonPath: str | None = None


class PrometheusMetric(Strict):
    address: str | None = None
    query: str | None = None


class KubernetesField(Strict):
    path: str | None = None
    value: str | None = None


class KubernetesMetric(Strict):
    function: str | None = None
    fields: list[KubernetesField] | None = None


class SuccessRate(Strict):
    """The canary's share of requests without a failure (refused, reset, timeout, 5xx)."""
    tolerance: float | None = None
    """The canary passes at or above the stable revision's rate minus this (0.01: one point below). Defaults to 0.01."""
    minimum: float | None = None
    """The canary passes at or above this rate (0.99), whatever the stable revision's."""


class LatencyP99(Strict):
    """The canary's 99th percentile latency, from the data plane's histogram."""
    factor: float | None = None
    """The canary passes at or below the stable revision's p99 times this. Defaults to 1.5."""
    maximumSeconds: float | None = None
    """The canary passes at or below this p99, in seconds."""


class GracerollMetric(Strict):
    """graceroll's built-in judge (``controllers/hookrun/judge.py``): the canary revision against the stable one, over the requests since the previous measurement."""
    service: str | None = None
    """The Service whose traffic is judged (may use {{ args.NAME }}). Defaults to every Service selecting the pods of the run's workload."""
    canaryRevision: str | None = None
    """The canary pods' revision label value. Defaults to the arg CanaryRevision, which canary steps and a Deployment's judge supply."""
    stableRevision: str | None = None
    """The stable pods' revision label value. Defaults to every revision other than the canary."""
    minRequests: int | None = None
    """Fewer requests than this on a side in the window make the measurement Inconclusive. Defaults to 50."""
    successRate: SuccessRate | None = None
    """The success-rate check."""
    latencyP99: LatencyP99 | None = None
    """The p99-latency check."""


class Provider(Strict):
    """Where a measurement comes from: exactly one of web, prometheus, kubernetes or graceroll."""
    web: WebMetric | None = None
    """An HTTP request whose JSON answer is read with jsonPath."""
    prometheus: PrometheusMetric | None = None
    """A Prometheus query."""
    kubernetes: KubernetesMetric | None = None
    """A field of a Kubernetes object."""
    graceroll: GracerollMetric | None = None
    """graceroll's built-in judge: the canary revision against the stable one, from the data plane's own counters."""


class Metric(Strict):
    """One measurement of a hook and its success condition."""
    name: str | None = None
    """Name of the metric."""
    interval: str | None = None
    """How long to wait between measurements."""
    initialDelay: str | None = None
    count: int | None = None
    """How many measurements to take."""
    successCondition: str | None = None
    """An expression over the result that means success."""
    failureCondition: str | None = None
    """An expression that means failure."""
    failureLimit: int | None = None
    """How many failed measurements are tolerated."""
    successfulLimit: int | None = None
    inconclusiveLimit: int | None = None
    consecutiveErrorLimit: int | None = None
    consecutiveSuccessfulLimit: int | None = None
    provider: Provider | None = None
    """Where the measurement comes from."""


class HookTemplateSpec(Strict):
    metrics: list[Metric] | None = None
    args: list[Arg] | None = None
    policy: str | None = None


class HookRunSpec(Strict):
    metrics: list[Metric] | None = None
    args: list[Arg] | None = None
    policy: str | None = None
    terminate: bool | None = None


class HookTemplateModel(TypedObject):
    """HookTemplate (BCS) describes a check (web request, Prometheus query, Kubernetes field) that gates a GameStatefulSet update step."""
    spec: HookTemplateSpec | None = None
    """The metrics and their success conditions."""


class HookRunModel(TypedObject):
    """HookRun is one run of a HookTemplate, made by a GameStatefulSet; its status records each measurement."""
    spec: HookRunSpec | None = None
    """The metrics, as copied from the template, with arguments filled in."""
    status: FreeMap | None = None


# --- durations -----------------------------------------------------------------------------------

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(text: str) -> float:
    """Go's ``time.ParseDuration`` in seconds: ``"30s"``, ``"1m30s"``, ``"1.5h"``, ``"0"``."""
    s = text.strip()
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    if s == "0":
        return 0.0
    if not s:
        raise ValueError(f'time: invalid duration "{text}"')
    total, pos = 0.0, 0
    while pos < len(s):
        m = _PART.match(s, pos)
        if m is None:
            raise ValueError(f'time: invalid duration "{text}"')
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return sign * total


# --- defaults ------------------------------------------------------------------------------------


def _default_spec(obj: Obj) -> None:
    default_object_meta(obj)
    spec = child_map(obj, "spec")
    if spec is None:
        return
    set_default(spec, "policy", PARALLEL)
    for metric in map_items(spec, "metrics"):
        web = (metric.get("provider") or {}).get("web")
        if isinstance(web, dict):
            set_default(web, "timeoutSeconds", DEFAULT_WEB_TIMEOUT)
        judge = (metric.get("provider") or {}).get("graceroll")
        if isinstance(judge, dict):
            set_default(judge, "minRequests", DEFAULT_MIN_REQUESTS)
            set_default(judge, "successRate", {"tolerance": DEFAULT_TOLERANCE})
            set_default(judge, "latencyP99", {"factor": DEFAULT_LATENCY_FACTOR})


# --- rules ---------------------------------------------------------------------------------------


def effective_count(metric: Obj) -> int | None:
    """``count`` if > 0; 1 when neither count nor interval is set; None (unlimited) with an interval only."""
    count = int(metric.get("count") or 0)
    if count > 0:
        return count
    return None if metric.get("interval") else 1


def metrics_errors(spec: Obj, path: str = "spec") -> list[FieldError]:
    """``ValidateMetrics`` plus the shape of each provider."""
    metrics = spec.get("metrics")
    errs: list[FieldError] = []
    if not metrics:
        return [fc.required(f"{path}.metrics", "at least one metric is required")]
    names: set[str] = set()
    for i, metric in enumerate(metrics):
        if isinstance(metric, dict):
            errs += _metric(metric, f"{path}.metrics[{i}]", names)
    policy = spec.get("policy")
    if policy is not None and policy not in POLICIES:
        errs.append(fc.not_supported(f"{path}.policy", policy, POLICIES))
    for i, arg in enumerate(spec.get("args") or ()):
        if isinstance(arg, dict) and not arg.get("name"):
            errs.append(fc.required(f"{path}.args[{i}].name"))
    return errs


def _metric(metric: Obj, path: str, names: set[str]) -> list[FieldError]:
    errs: list[FieldError] = []
    name = metric.get("name") or ""
    if not name:
        errs.append(fc.required(f"{path}.name"))
    elif name in names:
        errs.append(fc.duplicate(f"{path}.name", name))
    names.add(name)
    for key in ("interval", "initialDelay"):
        if metric.get(key) is not None:
            try:
                if parse_duration(metric[key]) < 0:
                    errs.append(fc.invalid(f"{path}.{key}", metric[key], fc.NEGATIVE))
            except ValueError as e:
                errs.append(fc.invalid(f"{path}.{key}", metric[key], str(e)))
    count = int(metric.get("count") or 0)
    if count > 1 and not metric.get("interval"):
        errs.append(fc.invalid(f"{path}.count", count, "interval must be specified when count > 1"))
    for key in ("count", "failureLimit", "successfulLimit", "inconclusiveLimit", "consecutiveErrorLimit"):
        errs += fc.non_negative(f"{path}.{key}", metric.get(key))
    if count > 0:
        for key in ("failureLimit", "successfulLimit", "inconclusiveLimit"):
            limit = metric.get(key)
            if isinstance(limit, int) and limit > count:
                errs.append(fc.invalid(f"{path}.{key}", limit, f"{key} must be <= count"))
    successes = metric.get("consecutiveSuccessfulLimit")
    if successes is not None and successes < 1:
        errs.append(fc.invalid(f"{path}.consecutiveSuccessfulLimit", successes, "must be >= 1"))
    return errs + _provider(metric, path)


def _provider(metric: Obj, metric_path: str) -> list[FieldError]:
    provider: Obj = metric.get("provider") or {}
    path = f"{metric_path}.provider"
    given = [k for k in PROVIDERS if provider.get(k) is not None]
    if len(given) != 1:
        return [fc.invalid(path, sorted(given), f"exactly one of {', '.join(PROVIDERS)} is required")]
    body: Obj = provider[given[0]]
    p = f"{path}.{given[0]}"
    errs: list[FieldError] = []
    if given == ["web"]:
        errs += [fc.required(f"{p}.{k}") for k in ("url", "jsonPath") if not body.get(k)]
        errs += fc.non_negative(f"{p}.timeoutSeconds", body.get("timeoutSeconds"))
    elif given == ["prometheus"]:
        errs += [fc.required(f"{p}.{k}") for k in ("address", "query") if not body.get(k)]
    elif given == ["graceroll"]:
        errs += _judge(body, p, metric, metric_path)
    else:
        if body.get("function") not in FUNCTIONS:
            errs.append(fc.not_supported(f"{p}.function", body.get("function") or "", FUNCTIONS))
        fields: list[Any] = body.get("fields") or []
        if not fields:
            errs.append(fc.required(f"{p}.fields"))
        for i, f in enumerate(fields):
            if isinstance(f, dict) and not str(f.get("path") or "").startswith("metadata.annotations."):
                errs.append(fc.invalid(f"{p}.fields[{i}].path", f.get("path") or "", "only metadata.annotations.<key> is supported"))
    return errs


def _judge(body: Obj, path: str, metric: Obj, metric_path: str) -> list[FieldError]:
    """The built-in judge decides with its own thresholds, so conditions would only mislead."""
    errs = [
        fc.forbidden(f"{metric_path}.{k}", "the graceroll provider decides with its successRate and latencyP99 thresholds")
        for k in ("successCondition", "failureCondition")
        if metric.get(k)
    ]
    service = body.get("service")
    if service and "{{" not in service:
        errs += fc.name_errors(f"{path}.service", service, fc.is_dns1123_label)
    requests = body.get("minRequests")
    if requests is not None and requests < 1:
        errs.append(fc.invalid(f"{path}.minRequests", requests, "must be at least 1"))
    rate = body.get("successRate") or {}
    for key in ("tolerance", "minimum"):
        if rate.get(key) is not None and not 0 <= rate[key] <= 1:
            errs.append(fc.invalid(f"{path}.successRate.{key}", rate[key], "must be between 0 and 1, inclusive"))
    latency = body.get("latencyP99") or {}
    for key in ("factor", "maximumSeconds"):
        if latency.get(key) is not None and latency[key] <= 0:
            errs.append(fc.invalid(f"{path}.latencyP99.{key}", latency[key], "must be greater than 0"))
    return errs


def _template_rules(obj: Obj) -> list[FieldError]:
    return fc.object_meta(obj.get("metadata"), fc.is_dns1123_subdomain) + metrics_errors(obj.get("spec") or {})


validate_hook_template = validator(HookTemplateModel, _template_rules)
validate_hook_run = validator(HookRunModel, _template_rules)

HOOK_TEMPLATE = register(
    Kind(GROUP, "v1alpha1", "HookTemplate", "hooktemplates", ("ht",), has_status=False, default=_default_spec, validate=validate_hook_template)
)
HOOK_RUN = register(Kind(GROUP, "v1alpha1", "HookRun", "hookruns", ("hr",), default=_default_spec, validate=validate_hook_run))
