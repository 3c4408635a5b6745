"""Pod specs and pod templates: defaults and validation shared by every workload kind.

Defaults follow ``kubernetes/kubernetes:pkg/apis/core/v1/defaults.go`` (SetDefaults_PodSpec,
_Container, _ContainerPort, _Probe, _HTTPGetAction); rules follow ``pkg/apis/core/validation``
(ValidatePodTemplateSpec, ValidatePodSpec, validateContainers, validateProbe, validateLifecycle).
Deployment and ReplicaSet add ``replicated_template``; CloneSet and GameStatefulSet reuse the
same functions for their templates.

Not checked (accepted as written): volumes themselves (a volumeMount must name one),
initContainers, resources, security contexts, affinity, tolerations and the other fields
graceroll passes through without interpreting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from graceroll.api import field_checks as fc
from graceroll.api import selectors
from graceroll.api.meta import Obj
from graceroll.api.structure import child_map, existing_map, map_items, set_default
from graceroll.errors import FieldError

TERMINATION_GRACE_PERIOD = 30
RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]  # sets.List order: sorted
PROTOCOLS = ["SCTP", "TCP", "UDP"]
HTTP_SCHEMES = ["HTTP", "HTTPS"]
_ENV_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


# --- defaults ------------------------------------------------------------------------------------


def default_template(template: Obj) -> None:
    """A pod template's spec gets the pod-spec defaults (its metadata gets none)."""
    spec = child_map(template, "spec")
    if spec is not None:
        default_pod_spec(spec)


def default_pod_spec(spec: Obj) -> None:
    set_default(spec, "dnsPolicy", "ClusterFirst")
    set_default(spec, "restartPolicy", "Always")
    set_default(spec, "securityContext", {})
    set_default(spec, "terminationGracePeriodSeconds", TERMINATION_GRACE_PERIOD)
    set_default(spec, "schedulerName", "default-scheduler")
    for key in ("containers", "initContainers"):
        for c in map_items(spec, key):
            default_container(c)


def default_container(c: Obj) -> None:
    set_default(c, "resources", {})  # always serialized upstream; clients echo it back (kubectl rollout undo)
    set_default(c, "terminationMessagePath", "/dev/termination-log")
    set_default(c, "terminationMessagePolicy", "File")
    if c.get("imagePullPolicy") is None:
        image = c.get("image")
        c["imagePullPolicy"] = pull_policy_for(image if isinstance(image, str) else "")
    for port in map_items(c, "ports"):
        set_default(port, "protocol", "TCP")
    for key in _PROBES:
        probe = existing_map(c, key)
        if probe is not None:
            _default_probe(probe)
    lifecycle = existing_map(c, "lifecycle")
    if lifecycle is not None:
        for key in ("postStart", "preStop"):
            handler = existing_map(lifecycle, key)
            if handler is not None:
                _default_http_get(handler)


def pull_policy_for(image: str) -> str:
    """``Always`` for ``:latest`` or an untagged, undigested image; ``IfNotPresent`` otherwise."""
    if not image:
        return "IfNotPresent"  # upstream's image parser fails on "", giving no tag
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else ""
    if not tag and not digest:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _default_probe(probe: Obj) -> None:
    """Zero counts as unset here, as in SetDefaults_Probe; initialDelaySeconds stays as written."""
    for key, value in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        if not probe.get(key):
            probe[key] = value
    _default_http_get(probe)


def _default_http_get(handler: Obj) -> None:
    http = existing_map(handler, "httpGet")
    if http is not None:
        if not http.get("path"):
            http["path"] = "/"
        if not http.get("scheme"):
            http["scheme"] = "HTTP"


# --- validation ----------------------------------------------------------------------------------


def validate_template(template: Obj | None, path: str, claim_volumes: Iterable[str] = ()) -> list[FieldError]:
    """``ValidatePodTemplateSpec``: template labels and annotations, the pod spec, no ephemeral containers.

    ``claim_volumes``: the names of ``volumeClaimTemplates`` (CloneSet, GameStatefulSet), which
    the pods get as volumes and may mount.
    """
    template = template or {}
    meta = template.get("metadata") or {}
    spec = template.get("spec") or {}
    errs = fc.label_map(f"{path}.metadata.labels", meta.get("labels"))
    errs += fc.annotation_map(f"{path}.metadata.annotations", meta.get("annotations"))
    errs += validate_pod_spec(spec, f"{path}.spec", claim_volumes)
    if spec.get("ephemeralContainers"):
        errs.append(
            fc.forbidden(
                f"{path}.spec.ephemeralContainers", "ephemeral containers not allowed in pod template"
            )
        )
    return errs


def replicated_template(template: Obj | None, selector: Obj | None, path: str, claim_volumes: Iterable[str] = ()) -> list[FieldError]:
    """``ValidatePodTemplateSpecForReplicaSet``: the selector must pick the template's own pods.

    ``selector`` is passed only when it is a valid, non-empty selector (an empty one matches
    everything; a missing or invalid one has its own error already).
    """
    template = template or {}
    errs: list[FieldError] = []
    template_labels = (template.get("metadata") or {}).get("labels")
    if selector is not None and not selectors.from_label_selector(selector).matches(template_labels or {}):
        errs.append(
            fc.invalid(
                f"{path}.metadata.labels", template_labels, "`selector` does not match template `labels`"
            )
        )
    errs += validate_template(template, path, claim_volumes)
    spec = template.get("spec") or {}
    policy = spec.get("restartPolicy")
    if policy != "Always":
        errs.append(fc.not_supported(f"{path}.spec.restartPolicy", policy or "", ["Always"]))
    if spec.get("activeDeadlineSeconds") is not None:
        errs.append(
            fc.forbidden(
                f"{path}.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet is not Supported"
            )
        )
    return errs


def validate_pod_spec(spec: Obj, path: str, claim_volumes: Iterable[str] = ()) -> list[FieldError]:
    """``ValidatePodSpec``, for the fields graceroll interprets."""
    errs = validate_containers(spec.get("containers") or [], spec, f"{path}.containers", claim_volumes)
    errs += _init_container_names(spec, path)
    errs += _one_of(spec.get("restartPolicy"), RESTART_POLICIES, f"{path}.restartPolicy")
    errs += _one_of(spec.get("dnsPolicy"), DNS_POLICIES, f"{path}.dnsPolicy")
    if spec.get("dnsPolicy") == "None" and spec.get("dnsConfig") is None:
        errs.append(fc.required(f"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"))
    errs += fc.label_map(f"{path}.nodeSelector", spec.get("nodeSelector"))
    for key, check in (
        ("serviceAccountName", fc.is_dns1123_subdomain),
        ("nodeName", fc.is_dns1123_subdomain),
        ("hostname", fc.is_dns1123_label),
        ("subdomain", fc.is_dns1123_label),
        ("schedulerName", fc.is_dns1123_subdomain),
        ("priorityClassName", fc.is_dns1123_subdomain),
    ):
        if spec.get(key):
            errs += fc.name_errors(f"{path}.{key}", spec[key], check)
    errs += fc.non_negative(
        f"{path}.terminationGracePeriodSeconds", spec.get("terminationGracePeriodSeconds")
    )
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and not 1 <= deadline <= fc.MAX_INT32:
        errs.append(
            fc.invalid(
                f"{path}.activeDeadlineSeconds", deadline, f"must be between 1 and {fc.MAX_INT32}, inclusive"
            )
        )
    for i, gate in enumerate(spec.get("readinessGates") or ()):
        if isinstance(gate, dict):
            cond = gate.get("conditionType") or ""
            errs += fc.messages(f"{path}.readinessGates[{i}].conditionType", cond, fc.is_qualified_name(cond))
    return errs


def _one_of(value: str | None, valid: list[str], path: str) -> list[FieldError]:
    if not value:
        return [fc.required(path)]
    return [] if value in valid else [fc.not_supported(path, value, valid)]


def _init_container_names(spec: Obj, path: str) -> list[FieldError]:
    """Init containers are passed through, but their names may not clash with the regular ones."""
    taken = {c.get("name") for c in spec.get("containers") or () if isinstance(c, dict)}
    errs: list[FieldError] = []
    for i, c in enumerate(spec.get("initContainers") or ()):
        name = c.get("name") if isinstance(c, dict) else None
        if isinstance(name, str) and name:
            if name in taken:
                errs.append(fc.duplicate(f"{path}.initContainers[{i}].name", name))
            taken.add(name)
    return errs


def validate_containers(containers: list[Any], spec: Obj, path: str, claim_volumes: Iterable[str] = ()) -> list[FieldError]:
    if not containers:
        return [fc.required(path)]
    grace = spec.get("terminationGracePeriodSeconds")
    volumes = {v.get("name") for v in spec.get("volumes") or () if isinstance(v, dict)} | set(claim_volumes)
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, c in enumerate(containers):
        if not isinstance(c, dict):
            continue  # a structural error already
        p = f"{path}[{i}]"
        name = c.get("name") or ""
        if not name:
            errs.append(fc.required(f"{p}.name"))
        else:
            errs += fc.name_errors(f"{p}.name", name, fc.is_dns1123_label)
            if name in names:
                errs.append(fc.duplicate(f"{p}.name", name))
            names.add(name)
        errs += validate_container(c, grace, p)
        errs += _volume_mounts(c.get("volumeMounts") or [], volumes, f"{p}.volumeMounts")
    return errs


def _volume_mounts(mounts: list[Any], volumes: set[Any], path: str) -> list[FieldError]:
    """``ValidateVolumeMounts``: each names a volume of the pod, at a path of its own."""
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, m in enumerate(mounts):
        if not isinstance(m, dict):
            continue
        p = f"{path}[{i}]"
        name = m.get("name") or ""
        if not name:
            errs.append(fc.required(f"{p}.name"))
        if name not in volumes:
            errs.append(fc.not_found(f"{p}.name", name))
        mount_path = m.get("mountPath") or ""
        if not mount_path:
            errs.append(fc.required(f"{p}.mountPath"))
        elif mount_path in seen:
            errs.append(fc.invalid(f"{p}.mountPath", mount_path, "must be unique"))
        seen.add(mount_path)
    return errs


def validate_container(c: Obj, grace: int | None, path: str) -> list[FieldError]:
    """``validateContainerCommon`` and the per-container part of ``validateContainers``."""
    errs: list[FieldError] = []
    if not c.get("image"):
        errs.append(fc.required(f"{path}.image"))
    errs += _container_ports(c.get("ports") or [], f"{path}.ports")
    errs += _env(c.get("env") or [], f"{path}.env")
    for key in _PROBES:
        probe = c.get(key)
        if probe is None:
            continue
        errs += _probe(probe, f"{path}.{key}")
        if key != "readinessProbe" and probe.get("successThreshold") not in (None, 1):
            errs.append(fc.invalid(f"{path}.{key}.successThreshold", probe["successThreshold"], "must be 1"))
    lifecycle = c.get("lifecycle") or {}
    for key in ("postStart", "preStop"):
        if lifecycle.get(key) is not None:
            errs += _handler(
                lifecycle[key], grace, f"{path}.lifecycle.{key}", ("exec", "httpGet", "tcpSocket", "sleep")
            )
    errs += _one_of(c.get("imagePullPolicy"), PULL_POLICIES, f"{path}.imagePullPolicy")
    policy = c.get("terminationMessagePolicy")
    if policy not in ("File", "FallbackToLogsOnError"):
        detail = "must be 'File' or 'FallbackToLogsOnError'"
        errs.append(
            fc.invalid(f"{path}.terminationMessagePolicy", policy, detail)
            if policy
            else fc.required(f"{path}.terminationMessagePolicy", detail)
        )
    return errs


def _container_ports(ports: list[Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        p = f"{path}[{i}]"
        name = port.get("name")
        if name:
            msgs = fc.is_port_name(name)
            if msgs:
                errs += fc.messages(f"{p}.name", name, msgs)
            elif name in names:
                errs.append(fc.duplicate(f"{p}.name", name))
            names.add(name)
        number = port.get("containerPort")
        if not number:
            errs.append(fc.required(f"{p}.containerPort"))
        else:
            errs += fc.messages(f"{p}.containerPort", number, fc.is_port_num(number))
        if port.get("hostPort"):
            errs += fc.messages(f"{p}.hostPort", port["hostPort"], fc.is_port_num(port["hostPort"]))
        errs += _one_of(port.get("protocol"), PROTOCOLS, f"{p}.protocol")
    return errs


def _env(env: list[Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, var in enumerate(env):
        if not isinstance(var, dict):
            continue
        p = f"{path}[{i}]"
        name = var.get("name") or ""
        if not name:
            errs.append(fc.required(f"{p}.name"))
        else:
            errs += fc.name_errors(f"{p}.name", name, fc.is_env_var_name)
        source = var.get("valueFrom")
        if source is None:
            continue
        count = sum(1 for k in _ENV_SOURCES if source.get(k) is not None)
        if count == 0:
            errs.append(
                fc.invalid(
                    f"{p}.valueFrom",
                    "",
                    "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` "
                    "or `secretKeyRef`",
                )
            )
        elif var.get("value"):
            errs.append(fc.invalid(f"{p}.valueFrom", "", "may not be specified when `value` is not empty"))
        elif count > 1:
            errs.append(
                fc.invalid(f"{p}.valueFrom", "", "may not have more than one field specified at a time")
            )
        elif isinstance(source.get("fieldRef"), dict):
            errs += _field_ref(source["fieldRef"], f"{p}.valueFrom.fieldRef")
    return errs


# validEnvDownwardAPIFieldPathExpressions, and the labels ConvertDownwardAPIFieldLabel knows (v1)
_ENV_FIELD_PATHS = [
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
]
_FIELD_LABELS = {*_ENV_FIELD_PATHS, "metadata.annotations", "metadata.labels", "spec.restartPolicy", "spec.schedulerName", "status.phase"}
_SUBSCRIPTED = re.compile(r"^(metadata\.(?:annotations|labels))\['(.*)'\]$")


def _field_ref(ref: Obj, path: str) -> list[FieldError]:
    """``validateObjectFieldSelector`` for env: a field the downward API gives a container.

    ``apiVersion`` defaults to ``v1`` upstream; a missing one is read as ``v1`` here (not written,
    so stored templates, and their hashes, stay as the user wrote them).
    """
    field_path = ref.get("fieldPath") or ""
    if not field_path:
        return [fc.required(f"{path}.fieldPath")]
    version = ref.get("apiVersion") or "v1"
    label = "spec.nodeName" if field_path == "spec.host" else field_path
    m = _SUBSCRIPTED.match(label)
    error = None
    if version != "v1":
        error = f"unsupported pod version: {version}"
    elif m is None and "[" in label:
        error = f"field label does not support subscript: {label}"
    elif m is None and label not in _FIELD_LABELS:
        error = f"field label not supported: {label}"
    if error is not None:
        return [fc.invalid(f"{path}.fieldPath", field_path, f"error converting fieldPath: {error}")]
    if m is not None:
        key = m.group(2).lower() if m.group(1) == "metadata.annotations" else m.group(2)
        return fc.messages(path, key, fc.is_qualified_name(key))
    if label not in _ENV_FIELD_PATHS:
        return [fc.not_supported(f"{path}.fieldPath", label, _ENV_FIELD_PATHS)]
    return []


def _probe(probe: Obj, path: str) -> list[FieldError]:
    errs = _handler(probe, None, path, ("exec", "httpGet", "tcpSocket", "grpc"))
    for key in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        errs += fc.non_negative(f"{path}.{key}", probe.get(key))
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is not None and grace <= 0:
        errs.append(fc.invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be greater than 0"))
    return errs


def _handler(handler: Obj, grace: int | None, path: str, kinds: tuple[str, ...]) -> list[FieldError]:
    """Exactly one handler type; each checked the way ``validateHandler``/``validateLifecycleHandler`` do."""
    errs: list[FieldError] = []
    seen = 0
    for kind in kinds:
        action = handler.get(kind)
        if action is None:
            continue
        if seen:
            errs.append(fc.forbidden(f"{path}.{kind}", "may not specify more than 1 handler type"))
            continue
        seen += 1
        errs += _action(kind, action, grace, f"{path}.{kind}")
    if not seen:
        errs.append(fc.required(path, "must specify a handler type"))
    return errs


def _action(kind: str, action: Obj, grace: int | None, path: str) -> list[FieldError]:
    if kind == "exec":
        return [] if action.get("command") else [fc.required(f"{path}.command")]
    if kind == "httpGet":
        errs = [] if action.get("path") else [fc.required(f"{path}.path")]
        errs += _port(action.get("port"), f"{path}.port")
        scheme = action.get("scheme")
        if scheme not in HTTP_SCHEMES:
            errs.append(fc.not_supported(f"{path}.scheme", scheme or "", HTTP_SCHEMES))
        for header in action.get("httpHeaders") or ():
            if isinstance(header, dict):
                hname = header.get("name") or ""
                errs += fc.messages(f"{path}.httpHeaders", hname, fc.is_http_header_name(hname))
        return errs
    if kind == "tcpSocket":
        return _port(action.get("port"), f"{path}.port")
    if kind == "grpc":
        number = action.get("port") or 0
        return fc.messages(f"{path}.port", number, fc.is_port_num(number))
    seconds = action.get("seconds") or 0  # sleep
    if grace is not None and not 0 <= seconds <= grace:
        detail = f"must be non-negative and less than terminationGracePeriodSeconds ({grace})"
        return [fc.invalid(f"{path}.seconds", seconds, detail)]
    return []


def _port(port: int | str | None, path: str) -> list[FieldError]:
    if port is None or port == "":
        return [fc.required(path)]
    return fc.port_num_or_name(path, port)
