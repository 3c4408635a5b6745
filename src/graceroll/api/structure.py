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
from collections.abc import Callable, Iterator
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
    """Unknown keys and wrongly typed values are errors, as with ``kubectl apply --validate=strict``.

    Class and attribute docstrings of the models are the descriptions the OpenAPI documents
    publish (``kubectl explain``): they are written for users.
    """

    model_config = ConfigDict(extra="forbid", strict=True, use_attribute_docstrings=True)


# --- metadata ------------------------------------------------------------------------------------


class OwnerReference(Strict):
    """OwnerReference names an object this one depends on."""
    apiVersion: str | None = None
    """API version of the owner."""
    kind: str | None = None
    """Kind of the owner."""
    name: str | None = None
    """Name of the owner."""
    uid: str | None = None
    """UID of the owner."""
    controller: bool | None = None
    """True for the one owner that manages this object."""
    blockOwnerDeletion: bool | None = None
    """When true, a foreground deletion of the owner waits for this object to be gone."""


class ObjectMeta(Strict):
    """ObjectMeta is the metadata every stored object has."""
    name: str | None = None
    """Name of the object, unique within its namespace and kind. Cannot be updated."""
    generateName: str | None = None
    """A prefix from which the server makes a unique name when name is not given."""
    namespace: str | None = None
    """The namespace the object lives in; "default" when not given."""
    labels: dict[str, str] | None = None
    """Key/value pairs that selectors (of Services, Deployments, ...) match on."""
    annotations: dict[str, str] | None = None
    """Key/value pairs for tools and controllers; not used to select objects."""
    ownerReferences: list[OwnerReference] | None = None
    """The objects this one depends on; when every owner is gone the object is garbage-collected."""
    finalizers: list[str] | None = None
    """Names that must be removed before the object is deleted from storage."""
    uid: str | None = None
    """A unique identifier the server gives the object when it is created. Read-only."""
    resourceVersion: str | None = None
    """The version of the object the server holds, used for optimistic concurrency and for watches. Read-only."""
    generation: int | None = None
    """A sequence number of changes to the desired state (spec). Read-only."""
    creationTimestamp: str | None = None
    """When the object was created (RFC 3339). Read-only."""
    deletionTimestamp: str | None = None
    """When the object will be removed; set by a graceful delete. Read-only."""
    deletionGracePeriodSeconds: int | None = None
    """The seconds the object is given to terminate once deletionTimestamp is set. Read-only."""
    selfLink: str | None = None
    managedFields: Any = None  # ignored


class LabelSelectorRequirement(Strict):
    """A requirement on one label key."""
    key: str | None = None
    """The label key the requirement applies to."""
    operator: str | None = None
    """In, NotIn, Exists or DoesNotExist."""
    values: list[str] | None = None
    """The values for In and NotIn; must be empty for Exists and DoesNotExist."""


class LabelSelector(Strict):
    """A label query: the requirements of matchLabels and matchExpressions are ANDed; an empty selector matches everything."""
    matchLabels: dict[str, str] | None = None
    """Labels an object must carry, each key with exactly this value."""
    matchExpressions: list[LabelSelectorRequirement] | None = None
    """Requirements with operators In, NotIn, Exists and DoesNotExist."""


class TypedObject(Strict):
    """What every top-level object has. ``status`` is accepted and not checked: the store owns it."""

    apiVersion: str | None = None
    """The versioned schema of this representation of an object, such as apps/v1."""
    kind: str | None = None
    """The kind of object this is, such as Deployment. In CamelCase."""
    metadata: ObjectMeta | None = None
    """Standard object metadata: name, namespace, labels, annotations and what the server records (uid, resourceVersion, generation, timestamps)."""
    status: Any = None
    """The most recently observed state of the object. Written by the system (controllers and the node agent), read-only for users."""


# --- the pod template ----------------------------------------------------------------------------


class ExecAction(Strict):
    """A command run in the container's environment."""
    command: list[str] | None = None
    """The command and its arguments; not run in a shell."""


class HTTPHeader(Strict):
    name: str | None = None
    value: str | None = None


class HTTPGetAction(Strict):
    """An HTTP GET request to the container."""
    path: str | None = None
    """The path to request."""
    port: IntOrString | None = None
    """The port, by number or by the name of a containerPort."""
    host: str | None = None
    """The host to connect to; defaults to the pod IP."""
    scheme: str | None = None
    """HTTP (default) or HTTPS."""
    httpHeaders: list[HTTPHeader] | None = None
    """Headers to send."""


class TCPSocketAction(Strict):
    """A TCP connection to the container."""
    port: IntOrString | None = None
    """The port, by number or name."""
    host: str | None = None
    """The host; defaults to the pod IP."""


class GRPCAction(Strict):
    port: int | None = None
    service: str | None = None


class SleepAction(Strict):
    seconds: int | None = None


class Probe(Strict):
    """A periodic check of a container: an exec command, an HTTP GET, a TCP connection or a gRPC health check."""
    exec: ExecAction | None = None
    """Run a command in the container; exit code 0 is success."""
    httpGet: HTTPGetAction | None = None
    """Send an HTTP GET; a status from 200 to 399 is success."""
    tcpSocket: TCPSocketAction | None = None
    """Open a TCP connection; success when it opens."""
    grpc: GRPCAction | None = None
    initialDelaySeconds: int | None = None
    """Seconds after the container starts before the first probe."""
    timeoutSeconds: int | None = None
    """Seconds after which a probe times out. Defaults to 1."""
    periodSeconds: int | None = None
    """Seconds between probes. Defaults to 10."""
    successThreshold: int | None = None
    """Consecutive successes after a failure needed to count as passing. Defaults to 1."""
    failureThreshold: int | None = None
    """Consecutive failures needed to count as failing. Defaults to 3."""
    terminationGracePeriodSeconds: int | None = None


class LifecycleHandler(Strict):
    exec: ExecAction | None = None
    httpGet: HTTPGetAction | None = None
    tcpSocket: TCPSocketAction | None = None
    sleep: SleepAction | None = None


class Lifecycle(Strict):
    """Actions run at container lifecycle events."""
    postStart: LifecycleHandler | None = None
    """Run right after the container starts; a failure restarts the container."""
    preStop: LifecycleHandler | None = None
    """Run before the container is stopped (after the pod has left its Services' endpoints); the grace period counts from its start."""
    stopSignal: str | None = None


class ContainerPort(Strict):
    """A network port of a container."""
    name: str | None = None
    """A name Services and probes can use instead of the number (an IANA service name)."""
    containerPort: int | None = None
    """The port number, listened on at the pod IP."""
    hostPort: int | None = None
    """A port of the node to expose (accepted, not used)."""
    hostIP: str | None = None
    protocol: str | None = None
    """TCP (default), UDP or SCTP."""


class EnvVarSource(Strict):
    fieldRef: FreeMap | None = None
    resourceFieldRef: FreeMap | None = None
    configMapKeyRef: FreeMap | None = None
    secretKeyRef: FreeMap | None = None
    fileKeyRef: FreeMap | None = None


class EnvVar(Strict):
    """An environment variable of a container."""
    name: str | None = None
    """The variable name."""
    value: str | None = None
    """Its value; $(VAR) references to earlier variables are expanded."""
    valueFrom: EnvVarSource | None = None
    """Where the value comes from, instead of value: a field of the pod, a ConfigMap or Secret key."""


class Container(Strict):
    """A process the pod runs: its image (what to run), command, environment, ports, probes and hooks."""
    name: str | None = None
    """Name of the container, unique within the pod (a DNS label)."""
    image: str | None = None
    """The image reference. On the engine, <data dir>/images/<name>/<tag>/run is its entrypoint if it exists, else the built-in demo server."""
    command: list[str] | None = None
    """The entrypoint, replacing the image's. $(VAR) references are expanded from the container's environment."""
    args: list[str] | None = None
    """Arguments to the entrypoint, replacing the image's."""
    workingDir: str | None = None
    """The working directory; defaults to the image's or the pod directory."""
    ports: list[ContainerPort] | None = None
    """Ports the container listens on, at $POD_IP. Named ports can be referred to by Services and probes."""
    envFrom: FreeList | None = None
    """Sources (ConfigMaps, Secrets) of environment variables."""
    env: list[EnvVar] | None = None
    """Environment variables to set in the container."""
    resources: FreeMap | None = None
    """Compute resource requests and limits (accepted, not enforced on the engine)."""
    resizePolicy: FreeList | None = None
    restartPolicy: str | None = None
    restartPolicyRules: FreeList | None = None
    volumeMounts: FreeList | None = None
    """Volumes of the pod to mount; a relative mountPath is a link in the pod directory."""
    volumeDevices: FreeList | None = None
    livenessProbe: Probe | None = None
    """A probe whose failures restart the container."""
    readinessProbe: Probe | None = None
    """A probe whose failures take the pod out of its Services' endpoints."""
    startupProbe: Probe | None = None
    """A probe that must succeed before the others run; its failures restart the container."""
    lifecycle: Lifecycle | None = None
    """Hooks run after the container starts (postStart) and before it is stopped (preStop)."""
    terminationMessagePath: str | None = None
    terminationMessagePolicy: str | None = None
    imagePullPolicy: str | None = None
    """Always, IfNotPresent or Never (accepted; images are local)."""
    securityContext: FreeMap | None = None
    stdin: bool | None = None
    """Whether the container keeps a stdin open (for kubectl attach -i)."""
    stdinOnce: bool | None = None
    tty: bool | None = None
    """Whether the container is given a terminal."""


class ReadinessGate(Strict):
    conditionType: str | None = None


class PodSpec(Strict):
    """PodSpec describes the containers of a pod and how they run. On the engine each pod gets its own loopback IP and runs its containers as processes."""
    containers: list[Container] | None = None
    """The containers of the pod; at least one. Cannot be added or removed after creation."""
    initContainers: FreeList | None = None
    """Containers run one after another, to completion, before the others start."""
    ephemeralContainers: FreeList | None = None
    volumes: FreeList | None = None
    """Volumes the containers can mount: emptyDir, hostPath and persistentVolumeClaim on the engine."""
    restartPolicy: str | None = None
    """Always (default), OnFailure or Never: whether exited containers are restarted."""
    terminationGracePeriodSeconds: int | None = None
    """Seconds between the stop signal (after the preStop hook) and SIGKILL when the pod is deleted. Defaults to 30."""
    activeDeadlineSeconds: int | None = None
    """Seconds after its start a pod may run before it is marked failed."""
    dnsPolicy: str | None = None
    dnsConfig: FreeMap | None = None
    nodeSelector: dict[str, str] | None = None
    """Node labels the pod's node must carry."""
    nodeName: str | None = None
    """The node to run on; empty means the engine's own node."""
    serviceAccountName: str | None = None
    """The ServiceAccount the pod runs as."""
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
    """The pod's hostname; defaults to its name."""
    hostnameOverride: str | None = None
    subdomain: str | None = None
    setHostnameAsFQDN: bool | None = None
    hostAliases: FreeList | None = None
    affinity: FreeMap | None = None
    """Scheduling constraints (accepted; the engine has one node)."""
    tolerations: FreeList | None = None
    """Taints the pod tolerates (accepted; the engine has one node)."""
    topologySpreadConstraints: FreeList | None = None
    schedulerName: str | None = None
    schedulingGates: FreeList | None = None
    priorityClassName: str | None = None
    priority: int | None = None
    preemptionPolicy: str | None = None
    runtimeClassName: str | None = None
    readinessGates: list[ReadinessGate] | None = None
    """Extra conditions that must be True, besides ready containers, for the pod to be Ready (CloneSet's InPlaceUpdateReady)."""
    enableServiceLinks: bool | None = None
    overhead: FreeMap | None = None
    os: FreeMap | None = None
    resourceClaims: FreeList | None = None
    resources: FreeMap | None = None


class PodTemplateSpec(Strict):
    """The pods a workload creates: their metadata (labels the selector matches) and spec."""
    metadata: ObjectMeta | None = None
    """Labels and annotations every pod made from the template carries."""
    spec: PodSpec | None = None
    """The pod specification."""


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
        locs = [tuple(err["loc"]) for err in e.errors() if err["type"] == "extra_forbidden"]
        order = {loc: i for i, loc in enumerate(_locations(obj, ()))}
        return [(format_loc(model, loc), loc) for loc in sorted(locs, key=lambda loc: order.get(loc, len(order)))]
    return []


def _locations(value: Any, loc: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    """Every location in ``value``, in document order."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*loc, k)
            yield from _locations(v, (*loc, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _locations(v, (*loc, i))


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
