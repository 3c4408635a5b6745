"""The BCS Mesos deployment (``apiVersion: v4``, ``kind: deployment``) and its applications.

Users keep their bcs-client JSON unchanged: the loader converts such a document into graceroll's
``mesos.bcs.tencent.com/v4`` ``MesosDeployment`` (``get mesosdeployment``, short ``mdeploy``; the
name ``deployment`` keeps meaning the Kubernetes one). Like the original Go decoder, keys match
case-insensitively (``Rollingupdate``, ``UnionData``) and are spelled as the struct fields are;
``maxUnavilable`` — the spelling of the original struct tag — and ``maxUnavailable`` — the
spelling of the how-to — are both read, the original one first; ``restartPolicy``, ``killPolicy``
and ``constraint`` move into ``spec``. Keys no struct has are dropped, as the decoder drops them,
and reported (``graceroll apply`` prints a warning with the nearest known key).

An ``Application`` is one version of the deployment: ``spec.instance`` taskgroups, each run as a
pod ``<application>-<index>`` (bcs-scheduler application semantics). A
``v4`` ``application`` document becomes one on its own, which a deployment without a template
binds through ``spec.selector`` (bcs-scheduler ``CreateDeployment``).
Namespaces keep their BCS names (``defaultGroup``; graceroll's namespace rule accepts upper-case
letters, see ``field_checks.is_namespace_name``), and applying a deployment or application
creates its namespace when it does not exist yet (``Kind.implicit_namespace``): BCS namespaces
are implicit.
"""

from __future__ import annotations

from typing import Any

from graceroll.api import bcs_mesos_fields as fields
from graceroll.api import field_checks as fc
from graceroll.api.kinds import Kind, register, register_conversion
from graceroll.api.meta import Obj
from graceroll.api.unknown_fields import UnknownField, prune
from graceroll.errors import FieldError

GROUP = "mesos.bcs.tencent.com"
API_VERSION = f"{GROUP}/v4"
ROLLING_ORDERS = ["CreateFirst", "DeleteFirst"]
STRATEGY_TYPES = ["RollingUpdate"]
DEFAULT_NAMESPACE = "defaultGroup"
UPDATE_PHASES = ("Update", "UpdatePaused", "UpdateSuspend")
SPEC_KEYS = ("instance", "template", "killPolicy", "constraint")  # what an application runs
HTTP_CHECKS = ["HTTP", "REMOTE_HTTP"]
TCP_CHECKS = ["TCP", "REMOTE_TCP"]
HEALTH_CHECK_TYPES = ["COMMAND", *HTTP_CHECKS, *TCP_CHECKS]


def _object(v: Any) -> Obj:
    return v if isinstance(v, dict) else {}


def convert(doc: Obj) -> tuple[Obj, list[UnknownField]]:
    """bcs-client's v4 deployment JSON → a ``MesosDeployment``: values untouched, keys spelled as
    the struct fields are, unknown keys dropped and returned (``bcs_mesos_fields``)."""
    doc, unknown = prune(doc, fields.V4_DEPLOYMENT, rename=True)
    spec = _object(doc.get("spec"))
    strategy = _object(spec.get("strategy"))
    out_spec: Obj = {k: spec[k] for k in ("instance", "selector", "template") if spec.get(k) is not None}
    out_strategy: Obj = {"type": strategy.get("type") or "RollingUpdate"}
    rolling = strategy.get("rollingupdate")
    if isinstance(rolling, dict):
        unavailable = rolling.get("maxUnavilable", rolling.get("maxUnavailable"))  # the struct tag's spelling first
        ru = {"maxUnavailable": unavailable} | {k: rolling.get(k) for k in ("maxSurge", "upgradeDuration", "rollingOrder", "rollingManually")}
        out_strategy["rollingUpdate"] = {k: v for k, v in ru.items() if v is not None}
    out_spec["strategy"] = out_strategy
    return {"apiVersion": API_VERSION, "kind": "MesosDeployment", "metadata": _metadata(doc), "spec": out_spec | _policies(doc)}, unknown


def convert_application(doc: Obj) -> tuple[Obj, list[UnknownField]]:
    """bcs-client's v4 application JSON → an ``Application`` (``spec.instance`` and ``spec.template``)."""
    doc, unknown = prune(doc, fields.V4_APPLICATION, rename=True)
    spec = _object(doc.get("spec"))
    out_spec = {k: spec[k] for k in ("instance", "template") if spec.get(k) is not None}
    return {"apiVersion": API_VERSION, "kind": "Application", "metadata": _metadata(doc), "spec": out_spec | _policies(doc)}, unknown


def _metadata(doc: Obj) -> Obj:
    md = _object(doc.get("metadata"))
    return {k: md[k] for k in ("name", "namespace", "labels", "annotations") if md.get(k) is not None}


def _policies(doc: Obj) -> Obj:
    """The top-level ``restartPolicy``, ``killPolicy`` and ``constraint``, which graceroll keeps in ``spec``."""
    return {k: doc[k] for k in ("restartPolicy", "killPolicy", "constraint") if doc.get(k) is not None}


def unknown_in_deployment(obj: Obj) -> tuple[Obj, list[UnknownField]]:
    """A ``MesosDeployment`` as written to the API, without the fields it does not have."""
    return prune(obj, fields.MESOS_DEPLOYMENT)


def unknown_in_application(obj: Obj) -> tuple[Obj, list[UnknownField]]:
    return prune(obj, fields.APPLICATION)


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
    namespace = md.get("namespace")
    if not isinstance(namespace, str):
        errs.append(fc.invalid("metadata.namespace", namespace, "expected string"))
    else:
        errs += fc.messages("metadata.namespace", namespace, fc.is_namespace_name(namespace))
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
    selector = spec.get("selector")
    if selector is not None:
        errs += fc.label_map("spec.selector", selector) if isinstance(selector, dict) else [fc.invalid("spec.selector", selector, "must be a map of labels")]
    if spec.get("template") is not None or not selector:  # without a template, the selector binds an application
        errs += validate_template(spec.get("template"), "spec.template")
    return errs


def running_spec(spec: Obj) -> Obj:
    """The part of a deployment's spec its application runs."""
    return {k: spec.get(k) for k in SPEC_KEYS}


def is_scale(running: Obj, wanted: Obj) -> bool:
    """Only the instance count differs: a scale of the bound application, not an update."""
    return {**running, "instance": None} == {**wanted, "instance": None} and running.get("instance") != wanted.get("instance")


def validate_deployment_update(new: Obj, old: Obj) -> list[FieldError]:
    """bcs-scheduler's ``UpdateDeployment`` refusals, made when the change is written so that
    ``apply`` fails at once (upstream's API answers the same errors to ``bcs-client update``):
    never the selector; nothing while an update is in progress; an update (a change of what the
    application runs, other than its instance count) needs a ``rollingOrder`` and a template."""
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    errs = fc.immutable("spec.selector", new_spec.get("selector"), old_spec.get("selector"))
    phase = (old.get("status") or {}).get("phase")
    if phase in UPDATE_PHASES and new_spec != old_spec:
        detail = f"deployment is not running, cannot update (status {phase}: wait for the update to finish, or rollout cancel it)"
        errs.append(fc.forbidden("spec", detail))
        return errs
    running = (old.get("status") or {}).get("runningSpec") or running_spec(old_spec)  # what the application runs
    wanted = running_spec(new_spec)
    if wanted == running or is_scale(running, wanted):
        return errs
    if (new_spec.get("strategy") or {}).get("rollingUpdate", {}).get("rollingOrder") not in ROLLING_ORDERS:
        detail = f"update strategy rolling order error: an update needs {' or '.join(ROLLING_ORDERS)}"
        errs.append(fc.required("spec.strategy.rollingupdate.rollingOrder", detail))
    if new_spec.get("template") is None:
        errs.append(fc.required("spec.template", "an update runs a new application from the template"))
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
        elif c.get("healthChecks") is not None:
            errs += _health_checks(c, f"{path}.spec.containers[{i}].healthChecks")
    return errs


def _health_checks(container: Obj, path: str) -> list[FieldError]:
    """Each check has a known type and what that type needs: a port (number, or the name of one of
    the container's ports) for HTTP/TCP, a command for COMMAND."""
    checks = container["healthChecks"]
    if not isinstance(checks, list):
        return [fc.invalid(path, checks, "must be a list")]
    names = {p.get("name") for p in container.get("ports") or [] if isinstance(p, dict)}
    errs: list[FieldError] = []
    for j, check in enumerate(checks):
        at = f"{path}[{j}]"
        kind = str(check.get("type") or "").upper() if isinstance(check, dict) else ""
        if kind not in HEALTH_CHECK_TYPES:
            errs.append(fc.not_supported(f"{at}.type", check.get("type") if isinstance(check, dict) else check, HEALTH_CHECK_TYPES))
            continue
        if kind == "COMMAND":
            command = check.get("command")
            if not isinstance(command, dict) or not isinstance(command.get("value"), str) or not command["value"]:
                errs.append(fc.required(f"{at}.command.value"))
            continue
        key = "http" if kind in HTTP_CHECKS else "tcp"
        target = check.get(key) if isinstance(check.get(key), dict) else {}
        port, port_name = target.get("port"), target.get("portName")
        if isinstance(port, int) and not isinstance(port, bool) and port > 0:
            errs += fc.messages(f"{at}.{key}.port", port, fc.is_port_num(port))
        elif port_name:
            if port_name not in names:
                errs.append(fc.invalid(f"{at}.{key}.portName", port_name, "must be the name of one of the container's ports"))
        else:
            errs.append(fc.required(f"{at}.{key}.port", "a port number or portName"))
    return errs


def validate_application(obj: Obj) -> list[FieldError]:
    spec = obj.get("spec") or {}
    return _meta(obj) + _count("spec.instance", spec.get("instance"), required=True) + validate_template(spec.get("template"), "spec.template")


def default_application(obj: Obj) -> None:
    md = obj.setdefault("metadata", {})
    if not md.get("namespace"):
        md["namespace"] = DEFAULT_NAMESPACE


register_conversion("v4", "deployment", convert)
register_conversion("v4", "application", convert_application)
MESOS_DEPLOYMENT = register(
    Kind(
        GROUP,
        "v4",
        "MesosDeployment",
        "mesosdeployments",
        ("mdeploy", "mesosdeploy"),
        scale_field="instance",
        implicit_namespace=True,
        default=default_deployment,
        validate=validate_deployment,
        validate_update=validate_deployment_update,
        prune=unknown_in_deployment,
    )
)
APPLICATION = register(
    Kind(
        GROUP,
        "v4",
        "Application",
        "applications",
        ("app",),
        implicit_namespace=True,
        default=default_application,
        validate=validate_application,
        prune=unknown_in_application,
    )
)
