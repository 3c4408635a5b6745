"""Core ``v1`` kinds: Pod, Service, Event — their shape, defaults and rules.

Defaults: ``kubernetes/kubernetes:pkg/apis/core/v1/defaults.go`` (SetDefaults_Pod, _Service);
rules: ``pkg/apis/core/validation/validation.go`` (ValidatePod, ValidateService, ValidateEvent).
What a pod update may change is ``api.pod_update``'s rule; a new pod's status and
ServiceAccount are ``api.pod_status``'s (the store applies them to every pod it creates).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from graceroll.api import field_checks as fc
from graceroll.api import pod_status, pod_template, pod_update
from graceroll.api.kinds import Kind, register
from graceroll.api.meta import Obj
from graceroll.api.structure import (
    FreeMap,
    IntOrString,
    PodSpec,
    Strict,
    TypedObject,
    child_map,
    drop_nulls,
    existing_map,
    map_items,
    set_default,
    validator,
)
from graceroll.errors import FieldError

SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
SESSION_AFFINITIES = ["ClientIP", "None"]
TRAFFIC_POLICIES = ["Cluster", "Local"]


def default_object_meta(obj: Obj) -> None:
    """What every kind gets first: nulls mean "unset", and a namespaced object lands in ``default``."""
    drop_nulls(obj)
    meta = child_map(obj, "metadata")
    if meta is not None and not meta.get("namespace"):
        meta["namespace"] = "default"


# --- Pod -----------------------------------------------------------------------------------------


class PodModel(TypedObject):
    """Pod is a group of containers run together on a node, sharing an IP address and volumes. On the engine its containers are processes."""
    spec: PodSpec | None = None
    """The desired state of the pod."""


def default_pod(obj: Obj) -> None:
    default_object_meta(obj)
    spec = child_map(obj, "spec")
    if spec is None:
        return
    pod_template.default_pod_spec(spec)
    set_default(spec, "enableServiceLinks", True)
    for key in ("containers", "initContainers"):
        for c in map_items(spec, key):
            _requests_from_limits(c)


def _requests_from_limits(c: Obj) -> None:
    """A pod (not a template) whose container sets only limits requests the same amounts."""
    resources = existing_map(c, "resources")
    limits = existing_map(resources, "limits") if resources is not None else None
    if resources is None or not limits:
        return
    requests = child_map(resources, "requests")
    if requests is not None:
        for k, v in limits.items():
            requests.setdefault(k, v)


def _pod_rules(obj: Obj) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errs = fc.object_meta(obj.get("metadata"), fc.is_dns1123_subdomain)
    errs += pod_template.validate_pod_spec(spec, "spec")
    for i, c in enumerate(spec.get("containers") or ()):
        image = c.get("image") if isinstance(c, dict) else None
        if isinstance(image, str) and image and image != image.strip():
            errs.append(
                fc.invalid(
                    f"spec.containers[{i}].image", image, "must not have leading or trailing whitespace"
                )
            )
    return errs


# --- Service -------------------------------------------------------------------------------------


class ServicePort(Strict):
    """One port of a Service."""
    name: str | None = None
    """A name for the port; required when there are several."""
    protocol: str | None = None
    """TCP (default), UDP or SCTP."""
    appProtocol: str | None = None
    """The application protocol; http makes the engine's proxy balance every request and drain keep-alive connections."""
    port: int | None = None
    """The port the Service listens on."""
    targetPort: IntOrString | None = None
    """The port of the pods, by number or by the name of a containerPort. Defaults to port."""
    nodePort: int | None = None
    """A port on the node (127.0.0.1 on the engine) for NodePort and LoadBalancer Services."""


class ServiceSpec(Strict):
    """ServiceSpec is the desired state of a Service."""
    ports: list[ServicePort] | None = None
    """The ports the Service exposes."""
    selector: dict[str, str] | None = None
    """Labels of the pods the Service routes to."""
    type: str | None = None
    """ClusterIP (default), NodePort, LoadBalancer or ExternalName."""
    clusterIP: str | None = None
    """The address of the Service (from 127.1.0.0/16 on the engine), allocated when not given; "None" makes a headless Service."""
    clusterIPs: list[str] | None = None
    externalIPs: list[str] | None = None
    externalName: str | None = None
    """The DNS name an ExternalName Service stands for."""
    sessionAffinity: str | None = None
    """None (default) or ClientIP."""
    sessionAffinityConfig: FreeMap | None = None
    loadBalancerIP: str | None = None
    loadBalancerSourceRanges: list[str] | None = None
    loadBalancerClass: str | None = None
    externalTrafficPolicy: str | None = None
    internalTrafficPolicy: str | None = None
    healthCheckNodePort: int | None = None
    publishNotReadyAddresses: bool | None = None
    """Whether pods that are not ready are still endpoints."""
    ipFamilies: list[str] | None = None
    ipFamilyPolicy: str | None = None
    allocateLoadBalancerNodePorts: bool | None = None
    trafficDistribution: str | None = None


class ServiceModel(TypedObject):
    """Service gives a set of pods (chosen by a label selector) one address; the engine's proxy balances connections to the ready ones and drains pods before they stop."""
    spec: ServiceSpec | None = None
    """The desired state of the Service."""


def default_service(obj: Obj) -> None:
    default_object_meta(obj)
    spec = child_map(obj, "spec")
    if spec is None:
        return
    set_default(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    set_default(spec, "type", "ClusterIP")
    for port in map_items(spec, "ports"):
        set_default(port, "protocol", "TCP")
        number = port.get("port")
        if port.get("targetPort") in (None, 0, "") and isinstance(number, int) and 1 <= number <= 65535:
            port["targetPort"] = number  # (not from an invalid port: its one error is enough)
    kind = spec["type"]
    if kind in ("NodePort", "LoadBalancer") or (kind == "ClusterIP" and spec.get("externalIPs")):
        set_default(spec, "externalTrafficPolicy", "Cluster")
    if kind in ("ClusterIP", "NodePort", "LoadBalancer"):
        set_default(spec, "internalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        set_default(spec, "allocateLoadBalancerNodePorts", True)


def _service_rules(obj: Obj) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errs = fc.object_meta(obj.get("metadata"), fc.is_dns1035_label)
    kind = spec.get("type")
    if kind not in SERVICE_TYPES:
        errs.append(fc.not_supported("spec.type", kind or "", SERVICE_TYPES))
    headless = spec.get("clusterIP") == "None"
    ports = spec.get("ports") or []
    if not ports and not headless and kind != "ExternalName":
        errs.append(fc.required("spec.ports"))
    errs += _service_ports(ports, kind, "spec.ports")
    errs += fc.label_map("spec.selector", spec.get("selector"))
    affinity = spec.get("sessionAffinity")
    if affinity not in SESSION_AFFINITIES:
        errs.append(fc.not_supported("spec.sessionAffinity", affinity or "", SESSION_AFFINITIES))
    ip = spec.get("clusterIP")
    if ip and ip != "None" and not _is_ip(ip):
        errs.append(fc.invalid("spec.clusterIP", ip, "must be empty, 'None', or a valid IP address"))
    ips = spec.get("clusterIPs") or []
    if ips and ips[0] != ip:
        errs.append(fc.invalid("spec.clusterIPs", ips, "first value must match `clusterIP`"))
    if kind == "ExternalName":
        name = spec.get("externalName") or ""
        if not name:
            errs.append(fc.required("spec.externalName"))
        else:
            errs += fc.name_errors("spec.externalName", name.removesuffix("."), fc.is_dns1123_subdomain)
    for key in ("externalTrafficPolicy", "internalTrafficPolicy"):
        if spec.get(key) is not None and spec[key] not in TRAFFIC_POLICIES:
            errs.append(fc.not_supported(f"spec.{key}", spec[key], TRAFFIC_POLICIES))
    return errs


def _needs_cluster_ip(spec: Obj) -> bool:
    return (spec.get("type") or "ClusterIP") != "ExternalName"


def prepare_service_update(new: Obj, old: Obj) -> None:
    """Upstream's ``patchAllocatedValues`` then ``normalizeClusterIPs``: an update that leaves out
    the cluster IP or a node port the server allocated keeps it (``kubectl replace`` of the
    original manifest); a changed ``clusterIP`` alone moves ``clusterIPs`` with it, so that
    validation reports the change."""
    spec, before = new.get("spec"), old.get("spec") or {}
    if not isinstance(spec, dict):
        return
    if _needs_cluster_ip(spec) and _needs_cluster_ip(before):
        if not spec.get("clusterIP") and before.get("clusterIP"):
            spec["clusterIP"] = before["clusterIP"]
        if not spec.get("clusterIPs") and before.get("clusterIPs"):
            spec["clusterIPs"] = list(before["clusterIPs"])
    if isinstance(spec.get("ports"), list) and spec.get("type") in ("NodePort", "LoadBalancer"):
        by_name = {p.get("name"): p.get("nodePort") for p in before.get("ports") or () if isinstance(p, dict) and p.get("nodePort")}
        used = {p.get("nodePort") for p in spec["ports"] if isinstance(p, dict) and p.get("nodePort")}
        for port in spec["ports"]:
            if isinstance(port, dict) and not port.get("nodePort") and by_name.get(port.get("name")) not in (None, *used):
                port["nodePort"] = by_name[port.get("name")]
    ip, old_ip, ips, old_ips = spec.get("clusterIP"), before.get("clusterIP"), spec.get("clusterIPs"), before.get("clusterIPs")
    if ip != old_ip and ips == old_ips:
        if old_ip and not ip:
            spec.pop("clusterIPs", None)
        elif ip:
            spec["clusterIPs"] = [ip]


def validate_service_update(new: Obj, old: Obj) -> list[FieldError]:
    """``validateUpgradeDowngradeClusterIPs``: the primary cluster IP is immutable once set."""
    spec, before = new.get("spec") or {}, old.get("spec") or {}
    if not _needs_cluster_ip(spec) or not _needs_cluster_ip(before):
        return []
    ips, old_ips = list(spec.get("clusterIPs") or []), list(before.get("clusterIPs") or [])
    if old_ips and not ips:
        return [fc.invalid("spec.clusterIPs[0]", ips, "primary clusterIP can not be unset")]
    if old_ips and ips[0] != old_ips[0]:
        return [fc.invalid("spec.clusterIPs[0]", ips, "may not change once set")]
    return []


def _service_ports(ports: list[Any], kind: str | None, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names: set[str] = set()
    seen: set[tuple[int, str]] = set()
    for i, sp in enumerate(ports):
        if not isinstance(sp, dict):
            continue
        p = f"{path}[{i}]"
        name = sp.get("name") or ""
        if not name and len(ports) > 1:
            errs.append(fc.required(f"{p}.name"))
        elif name:
            errs += fc.name_errors(f"{p}.name", name, fc.is_dns1123_label)
            if name in names:
                errs.append(fc.duplicate(f"{p}.name", name))
            names.add(name)
        number = sp.get("port") or 0
        errs += fc.messages(f"{p}.port", number, fc.is_port_num(number))
        protocol = sp.get("protocol")
        if not protocol:
            errs.append(fc.required(f"{p}.protocol"))
        elif protocol not in pod_template.PROTOCOLS:
            errs.append(fc.not_supported(f"{p}.protocol", protocol, pod_template.PROTOCOLS))
        target = sp.get("targetPort")
        if target is not None:
            errs += fc.port_num_or_name(f"{p}.targetPort", target)
        node_port = sp.get("nodePort")
        if node_port:
            if kind == "ClusterIP":
                errs.append(fc.forbidden(f"{p}.nodePort", "may not be used when `type` is 'ClusterIP'"))
            errs += fc.messages(f"{p}.nodePort", node_port, fc.is_port_num(node_port))
        key = (number, protocol or "")
        if key in seen:
            errs.append(fc.duplicate(p, {"port": number, "protocol": protocol or ""}))
        seen.add(key)
    return errs


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# --- Event ---------------------------------------------------------------------------------------


class ObjectReference(Strict):
    apiVersion: str | None = None
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    uid: str | None = None
    resourceVersion: str | None = None
    fieldPath: str | None = None


class EventSource(Strict):
    component: str | None = None
    host: str | None = None


class EventSeries(Strict):
    count: int | None = None
    lastObservedTime: str | None = None


class EventModel(TypedObject):
    """Event is a report of something that happened to an object, such as a pod being scaled up or killed."""
    involvedObject: ObjectReference | None = None
    """The object the event is about."""
    reason: str | None = None
    """A short CamelCase reason, such as ScalingReplicaSet."""
    message: str | None = None
    """A human-readable description."""
    source: EventSource | None = None
    firstTimestamp: str | None = None
    lastTimestamp: str | None = None
    count: int | None = None
    """How many times the event occurred."""
    type: str | None = None
    """Normal or Warning."""
    eventTime: str | None = None
    series: EventSeries | None = None
    action: str | None = None
    related: ObjectReference | None = None
    reportingComponent: str | None = None
    reportingInstance: str | None = None


def default_event(obj: Obj) -> None:
    default_object_meta(obj)


def _event_rules(obj: Obj) -> list[FieldError]:
    """The legacy (core/v1) event rules: the event lives in its object's namespace."""
    meta = obj.get("metadata") or {}
    errs = fc.object_meta(meta, fc.is_dns1123_subdomain)
    ns = meta.get("namespace") or ""
    involved_ns = (obj.get("involvedObject") or {}).get("namespace") or ""
    if (involved_ns and involved_ns != ns) or (not involved_ns and ns not in ("", "default")):
        errs.append(fc.invalid("involvedObject.namespace", involved_ns, "does not match event.namespace"))
    return errs + fc.non_negative("count", obj.get("count"))


validate_pod = validator(PodModel, _pod_rules)
validate_service = validator(ServiceModel, _service_rules)
validate_event = validator(EventModel, _event_rules)

POD = register(
    Kind(
        "",
        "v1",
        "Pod",
        "pods",
        ("po",),
        graceful_deletion=True,
        returns_deleted_object=True,
        default=default_pod,
        validate=validate_pod,
        validate_update=lambda new, old: pod_update.validate_pod_update(new, old, default_pod),
        on_create=pod_status.prepare_for_create,
    )
)
SERVICE = register(
    Kind(
        "",
        "v1",
        "Service",
        "services",
        ("svc",),
        returns_deleted_object=True,
        default=default_service,
        validate=validate_service,
        validate_update=validate_service_update,
        prepare_update=prepare_service_update,
    )
)
EVENT = register(
    Kind(
        "", "v1", "Event", "events", ("ev",), has_status=False, default=default_event, validate=validate_event
    )
)
