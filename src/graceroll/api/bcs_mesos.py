"""The BCS Mesos deployment (``apiVersion: v4``, ``kind: deployment``) and its applications.

Users keep their bcs-client JSON unchanged: the loader converts such a document into graceroll's
``mesos.bcs.tencent.com/v4`` ``MesosDeployment`` (``get mesosdeployment``, short ``mdeploy``; the
name ``deployment`` keeps meaning the Kubernetes one). Like the original Go decoder, keys match
case-insensitively (``rollingupdate``, ``unionData``); ``maxUnavilable`` — the spelling of the
original struct tag — and ``maxUnavailable`` — the spelling of the how-to — are both read, the
original one first; ``restartPolicy``, ``killPolicy`` and ``constraint`` move into ``spec``.

An ``Application`` is one version of the deployment: ``spec.instance`` taskgroups, each run as a
pod ``<application>-<index>`` (bcs-scheduler application semantics, reference bcs.md §5.2).
Namespaces keep their BCS names (``defaultGroup``): the Kubernetes DNS-label rule is not applied.
"""

from __future__ import annotations

from typing import Any

from graceroll.api import field_checks as fc
from graceroll.api.kinds import Kind, register, register_conversion
from graceroll.api.meta import Obj
from graceroll.errors import FieldError

GROUP = "mesos.bcs.tencent.com"
API_VERSION = f"{GROUP}/v4"
ROLLING_ORDERS = ["CreateFirst", "DeleteFirst"]
STRATEGY_TYPES = ["RollingUpdate"]
DEFAULT_NAMESPACE = "defaultGroup"


def _get(m: Any, key: str) -> Any:
    """A value by key, case-insensitively, as Go's encoding/json matches struct fields."""
    if not isinstance(m, dict):
        return None
    if key in m:
        return m[key]
    low = key.lower()
    return next((v for k, v in m.items() if isinstance(k, str) and k.lower() == low), None)


def _pick(m: Any, *keys: str) -> Any:
    return next((v for k in keys if (v := _get(m, k)) is not None), None)


def convert(doc: Obj) -> Obj:
    """bcs-client's v4 deployment JSON → a ``MesosDeployment`` (values untouched, keys normalised)."""
    md = _get(doc, "metadata") or {}
    spec = _get(doc, "spec") or {}
    strategy = _get(spec, "strategy") or {}
    rolling = _get(strategy, "rollingupdate")
    out_spec: Obj = {k: v for k, v in {"instance": _get(spec, "instance"), "selector": _get(spec, "selector"), "template": _get(spec, "template")}.items() if v is not None}
    out_strategy: Obj = {"type": _get(strategy, "type") or "RollingUpdate"}
    if isinstance(rolling, dict):
        ru = {
            "maxUnavailable": _pick(rolling, "maxUnavilable", "maxUnavailable"),
            "maxSurge": _get(rolling, "maxSurge"),
            "upgradeDuration": _get(rolling, "upgradeDuration"),
            "rollingOrder": _get(rolling, "rollingOrder"),
            "rollingManually": _get(rolling, "rollingManually"),
        }
        out_strategy["rollingUpdate"] = {k: v for k, v in ru.items() if v is not None}
    out_spec["strategy"] = out_strategy
    for key in ("restartPolicy", "killPolicy", "constraint"):
        if (v := _get(doc, key)) is not None:
            out_spec[key] = v
    metadata = {k: v for k, v in {"name": _get(md, "name"), "namespace": _get(md, "namespace"), "labels": _get(md, "labels"), "annotations": _get(md, "annotations")}.items() if v is not None}
    return {"apiVersion": API_VERSION, "kind": "MesosDeployment", "metadata": metadata, "spec": out_spec}


def default_deployment(obj: Obj) -> None:
    md = obj.setdefault("metadata", {})
    if not md.get("namespace"):
        md["namespace"] = DEFAULT_NAMESPACE
    spec = obj.setdefault("spec", {})
    ru = spec.setdefault("strategy", {}).setdefault("rollingUpdate", {})
    # upstream: <= 0 becomes 1 (UpdateDeployment); upgradeDuration has no default (0 = next tick)
    for key in ("maxUnavailable", "maxSurge"):
        v = ru.get(key)
        if v is None or (isinstance(v, int) and not isinstance(v, bool) and v <= 0):
            ru[key] = 1  # (values of the wrong type are left for validation to report)
    ru.setdefault("upgradeDuration", 0)
    ru.setdefault("rollingManually", False)


def _meta(obj: Obj) -> list[FieldError]:
    md = obj.get("metadata") or {}
    name = md.get("name")
    errs: list[FieldError] = []
    if not name:
        errs.append(fc.required("metadata.name"))
    elif not isinstance(name, str):
        errs.append(fc.invalid("metadata.name", name, "expected string"))
    else:
        errs += fc.messages("metadata.name", name, fc.is_dns1123_label(name))
    return errs


def _count(path: str, v: Any, required: bool = False) -> list[FieldError]:
    if v is None:
        return [fc.required(path)] if required else []
    if not isinstance(v, int) or isinstance(v, bool):
        return [fc.invalid(path, v, "must be an integer")]
    return [fc.invalid(path, v, "must be greater than or equal to 0")] if v < 0 else []


def validate_deployment(obj: Obj) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errs = _meta(obj) + _count("spec.instance", spec.get("instance"), required=True)
    strategy = spec.get("strategy") or {}
    if strategy.get("type") not in STRATEGY_TYPES:
        errs.append(fc.not_supported("spec.strategy.type", strategy.get("type") or "", STRATEGY_TYPES))
    ru = strategy.get("rollingUpdate") or {}
    for key in ("maxUnavailable", "maxSurge", "upgradeDuration"):
        errs += _count(f"spec.strategy.rollingupdate.{key}", ru.get(key))
    order = ru.get("rollingOrder")
    if order is not None and order not in ROLLING_ORDERS:
        errs.append(fc.not_supported("spec.strategy.rollingupdate.rollingOrder", order, ROLLING_ORDERS))
    if not isinstance(ru.get("rollingManually", False), bool):
        errs.append(fc.invalid("spec.strategy.rollingupdate.rollingManually", ru.get("rollingManually"), "must be true or false"))
    errs += validate_template(spec.get("template"), "spec.template")
    return errs


def validate_template(template: Any, path: str) -> list[FieldError]:
    if not isinstance(template, dict):
        return [fc.required(path)]
    containers = (template.get("spec") or {}).get("containers")
    if not isinstance(containers, list) or not containers:
        return [fc.required(f"{path}.spec.containers")]
    errs = []
    for i, c in enumerate(containers):
        if not isinstance(c, dict) or not c.get("image"):
            errs.append(fc.required(f"{path}.spec.containers[{i}].image"))
    return errs


def validate_application(obj: Obj) -> list[FieldError]:
    spec = obj.get("spec") or {}
    return _meta(obj) + _count("spec.instance", spec.get("instance"), required=True) + validate_template(spec.get("template"), "spec.template")


def default_application(obj: Obj) -> None:
    md = obj.setdefault("metadata", {})
    if not md.get("namespace"):
        md["namespace"] = DEFAULT_NAMESPACE


register_conversion("v4", "deployment", convert)
MESOS_DEPLOYMENT = register(
    Kind(GROUP, "v4", "MesosDeployment", "mesosdeployments", ("mdeploy", "mesosdeploy"), default=default_deployment, validate=validate_deployment)
)
APPLICATION = register(Kind(GROUP, "v4", "Application", "applications", ("app",), default=default_application, validate=validate_application))
