"""The shape of objects: pydantic models for the structural half of validation.

Validation runs in two halves, as in the API server: decoding (is every key known, is every value
of the right JSON type) and then the semantic rules. Here the first half is a pydantic model with
``extra="forbid"`` and ``strict=True``, used only to check: objects stay plain dicts. Its errors are
translated into ``FieldError``s with Kubernetes field paths; then every offending value is cut
out of a copy, so that the semantic rules run on well-typed data and the caller still gets every
error of the object in one go (semantic errors under a cut-out path are dropped as duplicates).

Every field is optional here; "required" is a semantic rule with its own upstream message.
Fields that graceroll does not interpret (affinity, volumes, resources, ...) are typed loosely as
free-form maps or lists of maps, so that real-world manifests load while misspelt keys do not.

The shared models (metadata, selectors, the pod template) live here; each kind's own models live
in that kind's module, next to its defaults and rules.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

from graceroll.api import field_checks
from graceroll.api.meta import Obj, clone
from graceroll.errors import FieldError

Semantic = Callable[[Obj], list[FieldError]]


def _int_or_string(v: object) -> int | str:
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise PydanticCustomError("int_or_string", "expected an integer or a string")
    return v


IntOrString = Annotated[int | str, PlainValidator(_int_or_string)]
FreeMap = dict[str, Any]  # a field graceroll passes through without interpreting it
FreeList = list[dict[str, Any]]


class Strict(BaseModel):
    """Unknown keys and wrongly typed values are errors, as with ``kubectl apply --validate=strict``."""

    model_config = ConfigDict(extra="forbid", strict=True)


# --- metadata ------------------------------------------------------------------------------------


class OwnerReference(Strict):
    apiVersion: str | None = None
    kind: str | None = None
    name: str | None = None
    uid: str | None = None
    controller: bool | None = None
    blockOwnerDeletion: bool | None = None


class ObjectMeta(Strict):
    name: str | None = None
    generateName: str | None = None
    namespace: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    ownerReferences: list[OwnerReference] | None = None
    finalizers: list[str] | None = None
    uid: str | None = None
    resourceVersion: str | None = None
    generation: int | None = None
    creationTimestamp: str | None = None
    deletionTimestamp: str | None = None
    deletionGracePeriodSeconds: int | None = None
    selfLink: str | None = None
    managedFields: Any = None  # ignored


class LabelSelectorRequirement(Strict):
    key: str | None = None
    operator: str | None = None
    values: list[str] | None = None


class LabelSelector(Strict):
    matchLabels: dict[str, str] | None = None
    matchExpressions: list[LabelSelectorRequirement] | None = None


class TypedObject(Strict):
    """What every top-level object has. ``status`` is accepted and not checked: the store owns it."""

    apiVersion: str | None = None
    kind: str | None = None
    metadata: ObjectMeta | None = None
    status: Any = None


# --- the pod template ----------------------------------------------------------------------------


class ExecAction(Strict):
    command: list[str] | None = None


class HTTPHeader(Strict):
    name: str | None = None
    value: str | None = None


class HTTPGetAction(Strict):
    path: str | None = None
    port: IntOrString | None = None
    host: str | None = None
    scheme: str | None = None
    httpHeaders: list[HTTPHeader] | None = None


class TCPSocketAction(Strict):
    port: IntOrString | None = None
    host: str | None = None


class GRPCAction(Strict):
    port: int | None = None
    service: str | None = None


class SleepAction(Strict):
    seconds: int | None = None


class Probe(Strict):
    exec: ExecAction | None = None
    httpGet: HTTPGetAction | None = None
    tcpSocket: TCPSocketAction | None = None
    grpc: GRPCAction | None = None
    initialDelaySeconds: int | None = None
    timeoutSeconds: int | None = None
    periodSeconds: int | None = None
    successThreshold: int | None = None
    failureThreshold: int | None = None
    terminationGracePeriodSeconds: int | None = None


class LifecycleHandler(Strict):
    exec: ExecAction | None = None
    httpGet: HTTPGetAction | None = None
    tcpSocket: TCPSocketAction | None = None
    sleep: SleepAction | None = None


class Lifecycle(Strict):
    postStart: LifecycleHandler | None = None
    preStop: LifecycleHandler | None = None
    stopSignal: str | None = None


class ContainerPort(Strict):
    name: str | None = None
    containerPort: int | None = None
    hostPort: int | None = None
    hostIP: str | None = None
    protocol: str | None = None


class EnvVarSource(Strict):
    fieldRef: FreeMap | None = None
    resourceFieldRef: FreeMap | None = None
    configMapKeyRef: FreeMap | None = None
    secretKeyRef: FreeMap | None = None
    fileKeyRef: FreeMap | None = None


class EnvVar(Strict):
    name: str | None = None
    value: str | None = None
    valueFrom: EnvVarSource | None = None


class Container(Strict):
    name: str | None = None
    image: str | None = None
    command: list[str] | None = None
    args: list[str] | None = None
    workingDir: str | None = None
    ports: list[ContainerPort] | None = None
    envFrom: FreeList | None = None
    env: list[EnvVar] | None = None
    resources: FreeMap | None = None
    resizePolicy: FreeList | None = None
    restartPolicy: str | None = None
    restartPolicyRules: FreeList | None = None
    volumeMounts: FreeList | None = None
    volumeDevices: FreeList | None = None
    livenessProbe: Probe | None = None
    readinessProbe: Probe | None = None
    startupProbe: Probe | None = None
    lifecycle: Lifecycle | None = None
    terminationMessagePath: str | None = None
    terminationMessagePolicy: str | None = None
    imagePullPolicy: str | None = None
    securityContext: FreeMap | None = None
    stdin: bool | None = None
    stdinOnce: bool | None = None
    tty: bool | None = None


class ReadinessGate(Strict):
    conditionType: str | None = None


class PodSpec(Strict):
    containers: list[Container] | None = None
    initContainers: FreeList | None = None
    ephemeralContainers: FreeList | None = None
    volumes: FreeList | None = None
    restartPolicy: str | None = None
    terminationGracePeriodSeconds: int | None = None
    activeDeadlineSeconds: int | None = None
    dnsPolicy: str | None = None
    dnsConfig: FreeMap | None = None
    nodeSelector: dict[str, str] | None = None
    nodeName: str | None = None
    serviceAccountName: str | None = None
    serviceAccount: str | None = None
    automountServiceAccountToken: bool | None = None
    hostNetwork: bool | None = None
    hostPID: bool | None = None
    hostIPC: bool | None = None
    hostUsers: bool | None = None
    shareProcessNamespace: bool | None = None
    securityContext: FreeMap | None = None
    imagePullSecrets: FreeList | None = None
    hostname: str | None = None
    hostnameOverride: str | None = None
    subdomain: str | None = None
    setHostnameAsFQDN: bool | None = None
    hostAliases: FreeList | None = None
    affinity: FreeMap | None = None
    tolerations: FreeList | None = None
    topologySpreadConstraints: FreeList | None = None
    schedulerName: str | None = None
    schedulingGates: FreeList | None = None
    priorityClassName: str | None = None
    priority: int | None = None
    preemptionPolicy: str | None = None
    runtimeClassName: str | None = None
    readinessGates: list[ReadinessGate] | None = None
    enableServiceLinks: bool | None = None
    overhead: FreeMap | None = None
    os: FreeMap | None = None
    resourceClaims: FreeList | None = None
    resources: FreeMap | None = None


class PodTemplateSpec(Strict):
    metadata: ObjectMeta | None = None
    spec: PodSpec | None = None


# --- running a check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """The structural errors, and a copy of the object with every offending value cut out."""

    errors: list[FieldError]
    obj: Obj
    cut: tuple[str, ...] = field(default=())

    def covers(self, path: str) -> bool:
        """Whether ``path`` lies at or under a cut-out value (its semantic error would be a duplicate)."""
        return any(path == c or path.startswith((c + ".", c + "[")) for c in self.cut)


def check(model: type[BaseModel], obj: Obj) -> Checked:
    try:
        model.model_validate(obj)
    except ValidationError as e:
        errors: list[FieldError] = []
        cut: list[str] = []
        pruned = clone(obj)
        for err in e.errors():
            loc = tuple(err["loc"])
            target = loc[:-1] if loc and loc[-1] == "[key]" else loc
            path = format_loc(model, target)
            errors.append(_field_error(path, target, err["type"], err["input"], err["msg"]))
            cut.append(path)
            _cut(pruned, target)
        return Checked(errors, pruned, tuple(cut))
    return Checked([], obj)


@dataclass(frozen=True)
class ModelValidator:
    """A kind's ``validate`` hook: structural errors first, then the semantic ones not already covered.

    It keeps its model, so the API server can publish the kind's schema (OpenAPI) and find the
    unknown fields of a request (``fieldValidation``) from the same definition that validates it.
    """

    model: type[BaseModel]
    semantic: Semantic

    def __call__(self, obj: Obj) -> list[FieldError]:
        checked = check(self.model, obj)
        return checked.errors + [e for e in self.semantic(checked.obj) if not checked.covers(e.path)]


def validator(model: type[BaseModel], semantic: Semantic) -> ModelValidator:
    return ModelValidator(model, semantic)


def unknown_fields(model: type[BaseModel], obj: Obj) -> list[tuple[str, tuple[Any, ...]]]:
    """Every key of ``obj`` its model does not declare: (field path, location), in document order."""
    try:
        model.model_validate(obj)
    except ValidationError as e:
        return [(format_loc(model, tuple(err["loc"])), tuple(err["loc"])) for err in e.errors() if err["type"] == "extra_forbidden"]
    return []


def without(obj: Obj, locations: list[tuple[Any, ...]]) -> Obj:
    """A copy of ``obj`` without the values at ``locations`` (dropped unknown fields)."""
    pruned = clone(obj)
    for loc in locations:
        _cut(pruned, loc)
    return pruned


_EXPECTED = {
    "int_type": "integer",
    "string_type": "string",
    "bool_type": "boolean",
    "float_type": "number",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "list_type": "array",
    "int_or_string": "integer or string",
}


def json_type(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return "object"
    if isinstance(v, list):
        return "array"
    return type(v).__name__


def _field_error(path: str, loc: tuple[Any, ...], kind: str, value: object, msg: str) -> FieldError:
    if kind == "extra_forbidden":
        return field_checks.forbidden(path, f'unknown field "{loc[-1]}"')
    if kind == "invalid_key":
        return field_checks.invalid(path, value, "field names must be strings")
    if kind in _EXPECTED:
        detail = f"expected {_EXPECTED[kind]}, got {json_type(value)}"
        if isinstance(value, (dict, list)):  # a whole subtree as the "value" would drown the message
            return FieldError(path, "Invalid value", detail)
        return field_checks.invalid(path, value, detail)
    return field_checks.invalid(path, value, msg)


def _cut(obj: Any, loc: tuple[Any, ...]) -> None:
    """Remove the value at ``loc``; list items become null so the indices of their siblings stay put."""
    node = obj
    for part in loc[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return
    if not loc:
        return
    last = loc[-1]
    if isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        node[last] = None
    elif isinstance(node, dict):
        node.pop(last, None)


def _unwrap(t: Any) -> Any:
    while True:
        origin = get_origin(t)
        if origin is Annotated:
            t = get_args(t)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(t) if a is not type(None)]
            if len(args) != 1:
                return Any
            t = args[0]
        else:
            return t


def format_loc(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a Kubernetes field path; the model tells fields from map keys."""
    out = ""
    t: Any = model
    for part in loc:
        t = _unwrap(t)
        origin = get_origin(t)
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
            t = get_args(t)[0] if origin is list and get_args(t) else Any
        elif isinstance(t, type) and issubclass(t, BaseModel):
            out += f".{part}" if out else str(part)
            info = t.model_fields.get(str(part))
            t = info.annotation if info is not None else Any
        elif origin is dict:
            out += f"[{part}]"
            t = get_args(t)[1] if get_args(t) else Any
        else:
            out += f".{part}" if out and str(part).isidentifier() else f"[{part}]" if out else str(part)
            t = Any
    return out


# --- null-tolerant access for defaulters ---------------------------------------------------------
# Defaulting runs before validation (admission order), so it must survive any input: it fills in
# only where the shape is right and leaves everything else for validation to report.


def child_map(parent: Obj, key: str) -> Obj | None:
    """The mapping under ``key``, created when absent or null; None when something else is there."""
    v = parent.get(key)
    if v is None:
        v = parent[key] = {}
    return v if isinstance(v, dict) else None


def existing_map(parent: Obj, key: str) -> Obj | None:
    v = parent.get(key)
    return v if isinstance(v, dict) else None


def map_items(parent: Obj, key: str) -> list[Obj]:
    """The mappings in the list under ``key`` (nothing when it is not a list)."""
    v = parent.get(key)
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def set_default(d: Obj, key: str, value: object) -> None:
    if d.get(key) is None:
        d[key] = value


def drop_nulls(v: Any) -> None:
    """``key: null`` means "not set" in Kubernetes (pointer fields decode to nil); remove such keys."""
    if isinstance(v, dict):
        for k in [k for k, x in v.items() if x is None]:
            del v[k]
        for x in v.values():
            drop_nulls(x)
    elif isinstance(v, list):
        for x in v:
            drop_nulls(x)
