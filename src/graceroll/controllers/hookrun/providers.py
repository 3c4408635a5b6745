"""One measurement of one metric: web, prometheus, kubernetes (``bcs-hook-operator/pkg/providers``)
or graceroll (the built-in judge, graceroll's own).

* web: GET the templated URL (and headers); non-2xx or non-JSON is an Error; the JSONPath gives
  ``result`` as a string.
* prometheus: an instant query at ``<address>/api/v1/query``; a scalar gives a float, a vector a
  list of floats; any NaN is Inconclusive; other result types are an Error.
* kubernetes: the object named by the args ``Group``/``Version``/``Kind`` (default a core Pod),
  ``PodName`` and ``PodNamespace``; ``get`` checks that each ``metadata.annotations.<key>`` equals
  its value (else Error), ``patch`` sets them. Successful otherwise; never Failed.
* graceroll: the canary revision against the stable one from the data plane's own counters
  (``judge``). The Services are ``service`` (templated), or every Service in the run's namespace
  whose selector matches the pod template labels of the run's owner (the workload). The canary
  revision is ``canaryRevision``, else the arg ``CanaryRevision`` (which canary steps and a
  Deployment's judge supply); the stable side is ``stableRevision``, else every other revision.
  The measurement keeps the counters it read (``counters``), so the next one judges the window
  in between. Without a data plane (the operator, the simulator) it is an Error that says so.

Conditions (``pkg/util/evaluate``): neither set → Successful; only success set → Failed when it is
false; only failure set → Successful when it is false; both → Failed if failure holds, else
Successful if success holds, else Inconclusive. An evaluation error is an Error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from graceroll.api import selectors
from graceroll.api.meta import clone, controller_ref
from graceroll.controllers.bcshook.runs import CANARY_REVISION
from graceroll.controllers.hookrun import expr, jsonpath, judge, schedule
from graceroll.controllers.hookrun.fetch import Fetcher, FetchError
from graceroll.controllers.hookrun.template import TemplateError, resolve
from graceroll.errors import GracerollError
from graceroll.metrics.traffic import TrafficSample
from graceroll.store.base import Store

Obj = dict[str, Any]
PROMETHEUS_TIMEOUT = 30.0
ANNOTATION_PATH = "metadata.annotations."
COUNTERS = "counters"  # the graceroll provider's readings, kept in its measurement
TrafficSamples = Callable[[], Iterable[TrafficSample]]
NO_DATA_PLANE = (
    "provider graceroll: no data plane reports traffic here; the built-in judge measures the traffic "
    "of graceroll's own data plane (graceroll up), so on a cluster use the prometheus provider"
)


@dataclass(frozen=True)
class Context:
    """What a measurement may need besides the metric: its run, the metric's previous measurement,
    and the data plane's counters (None where there is no data plane)."""

    run: Obj
    previous: Obj | None = None
    traffic: TrafficSamples | None = None


def decide(metric: Obj, result: Any) -> str:
    env = {"result": result}
    success, failure = metric.get("successCondition"), metric.get("failureCondition")
    if not success and not failure:
        return schedule.SUCCESSFUL
    ok = expr.condition(success, env) if success else None
    bad = expr.condition(failure, env) if failure else None
    if bad is None:
        bad = not ok
    if ok is None:
        ok = not bad
    if bad:
        return schedule.FAILED
    return schedule.SUCCESSFUL if ok else schedule.INCONCLUSIVE


def measure(metric: Obj, args: Mapping[str, str | None], fetcher: Fetcher, store: Store, now: float, ctx: Context | None = None) -> Obj:
    """The finished measurement (a ``measurements[]`` entry); errors become Error measurements."""
    provider = metric.get("provider") or {}
    try:
        if provider.get("graceroll") is not None:
            return _graceroll(provider["graceroll"], args, store, now, ctx)
        if provider.get("web") is not None:
            return _web(metric, provider["web"], args, fetcher, now)
        if provider.get("prometheus") is not None:
            return _prometheus(metric, provider["prometheus"], args, fetcher, now)
        if provider.get("kubernetes") is not None:
            return _kubernetes(provider["kubernetes"], args, store, now)
        return schedule.measurement(schedule.ERROR, now, message="no provider")
    except (FetchError, TemplateError, expr.ExprError, jsonpath.JSONPathError, ValueError, GracerollError) as e:
        return schedule.measurement(schedule.ERROR, now, message=str(e))


def _web(metric: Obj, web: Obj, args: Mapping[str, str | None], fetcher: Fetcher, now: float) -> Obj:
    url = resolve(str(web.get("url") or ""), args)
    headers = {str(h.get("key")): resolve(str(h.get("value") or ""), args) for h in web.get("headers") or ()}
    response = fetcher.get(url, headers, float(web.get("timeoutSeconds") or 10))
    if not 200 <= response.status < 300:
        return schedule.measurement(schedule.ERROR, now, message=f"received non 2xx response code: {response.status}")
    try:
        body = json.loads(response.text)
    except ValueError as e:
        return schedule.measurement(schedule.ERROR, now, message=f"could not parse JSON body: {e}")
    value = jsonpath.evaluate(body, str(web.get("jsonPath") or ""))
    return schedule.measurement(decide(metric, value), now, value=value)


def _prometheus(metric: Obj, prom: Obj, args: Mapping[str, str | None], fetcher: Fetcher, now: float) -> Obj:
    query = resolve(str(prom.get("query") or ""), args)
    url = str(prom.get("address") or "").rstrip("/") + "/api/v1/query?" + urlencode({"query": query})
    response = fetcher.get(url, {}, PROMETHEUS_TIMEOUT)
    if not 200 <= response.status < 300:
        return schedule.measurement(schedule.ERROR, now, message=f"prometheus answered {response.status}: {response.text[:200]}")
    data = (json.loads(response.text) or {}).get("data") or {}
    kind, raw = data.get("resultType"), data.get("result")
    result: Any
    if kind == "scalar" and isinstance(raw, list) and len(raw) == 2:
        result = float(raw[1])
        values = [result]
    elif kind == "vector" and isinstance(raw, list):
        result = [float(sample["value"][1]) for sample in raw]
        values = result
    else:
        return schedule.measurement(schedule.ERROR, now, message=f"prometheus result type {kind!r} is not supported")
    text = "[" + " ".join(jsonpath.text(v) for v in values) + "]" if kind == "vector" else jsonpath.text(result)  # Go's %v
    if any(math.isnan(v) for v in values):
        return schedule.measurement(schedule.INCONCLUSIVE, now, value=text)
    return schedule.measurement(decide(metric, result), now, value=text)


def _kubernetes(kube: Obj, args: Mapping[str, str | None], store: Store, now: float) -> Obj:
    kind = args.get("Kind") or "Pod"
    name, namespace = args.get("PodName"), args.get("PodNamespace") or "default"
    if not name:
        return schedule.measurement(schedule.ERROR, now, message="args.PodName is required by the kubernetes provider")
    obj = store.get(kind, namespace, name)
    fields = [(str(f.get("path") or "")[len(ANNOTATION_PATH) :], str(f.get("value") or "")) for f in kube.get("fields") or ()]
    annotations = obj["metadata"].get("annotations") or {}
    if kube.get("function") == "get":
        for key, value in fields:
            if annotations.get(key) != value:
                return schedule.measurement(schedule.ERROR, now, message=f"annotation {key} is {annotations.get(key)!r}, want {value!r}")
        return schedule.measurement(schedule.SUCCESSFUL, now)
    new = clone(obj)
    new.pop("status", None)
    new["metadata"].setdefault("annotations", {}).update(dict(fields))
    if new["metadata"]["annotations"] != annotations:
        store.update(new)
    return schedule.measurement(schedule.SUCCESSFUL, now)


def _graceroll(body: Obj, args: Mapping[str, str | None], store: Store, now: float, ctx: Context | None) -> Obj:
    if ctx is None or ctx.traffic is None:
        return schedule.measurement(schedule.ERROR, now, message=NO_DATA_PLANE)
    namespace = str(ctx.run["metadata"].get("namespace") or "default")
    canary = resolve(str(body.get("canaryRevision") or ""), args) or args.get(CANARY_REVISION) or ""
    if not canary:
        return schedule.measurement(schedule.ERROR, now, message="provider graceroll: no canary revision: set canaryRevision, or run the template from a canary step")
    services = [resolve(str(body["service"]), args)] if body.get("service") else _services_of_owner(store, ctx.run)
    if not services:
        return schedule.measurement(schedule.ERROR, now, message="provider graceroll: no Service selects the pods of the run's workload; set service")
    stable = resolve(str(body.get("stableRevision") or ""), args) or None
    now_counters = judge.read(ctx.traffic(), namespace, services)
    before = {k: judge.Counters.load(v) for k, v in ((ctx.previous or {}).get(COUNTERS) or {}).items()}
    verdict = judge.judge(*judge.windows(now_counters, before, canary, stable), judge.Thresholds.of(body))
    out = schedule.measurement(verdict.phase, now, value=verdict.value, message=verdict.message)
    out[COUNTERS] = {k: c.dump() for k, c in sorted(now_counters.items())}
    return out


def _services_of_owner(store: Store, run: Obj) -> list[str]:
    """The Services whose (non-empty) selector matches the owner's pod template labels."""
    ref = controller_ref(run)
    namespace = run["metadata"].get("namespace") or "default"
    owner = store.try_get(str(ref.get("kind")), namespace, str(ref.get("name"))) if ref is not None else None
    labels = (((owner or {}).get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
    if not labels:
        return []
    found = []
    for svc in store.list("Service", namespace):
        selector = (svc.get("spec") or {}).get("selector") or {}
        if selector and selectors.from_labels(selector).matches(labels):
            found.append(svc["metadata"]["name"])
    return sorted(found)
