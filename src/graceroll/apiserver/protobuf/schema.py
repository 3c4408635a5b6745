"""Field numbers of the Kubernetes messages kubectl's typed clients send as protobuf.

The numbers are upstream's (``k8s.io/api`` ``core/v1``, ``apps/v1``, ``authorization/v1``,
``authentication/v1`` and ``k8s.io/apimachinery`` ``meta/v1`` ``generated.proto``); the names are
the JSON field names. Upstream's messages are proto2 with Go semantics: a Go value field (``string``,
``int32``, ``bool``) is always written, so its zero value means "not set" and is dropped when
decoding (JSON's ``omitempty``); a Go pointer field (``*int32``, ``*bool``) is written only when
set, so its zero value is kept (``ptr=True``): ``replicas: 0`` must survive. An embedded Go struct
(``LocalObjectReference`` in ``configMapKeyRef``) has its fields inlined in JSON (``inline=True``).

Only messages kubectl builds with its typed clients are here (``create deployment|service|
configmap|secret|namespace|serviceaccount``, ``auth can-i|whoami``), with every field a pod
template may carry; a field number not listed is refused with a clear error rather than dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ValueKind = Literal["string", "bytes", "int", "bool", "message", "time", "intstr", "quantity", "ignored"]


@dataclass(frozen=True)
class Field:
    name: str
    kind: ValueKind
    message: str = ""  # the message type of a "message" field, or of a map's values
    repeated: bool = False
    map_value: ValueKind | None = None  # map<string, V>: entries are messages {1: key, 2: value}
    ptr: bool = False  # a Go pointer: the zero value is a value
    inline: bool = False  # an embedded Go struct: its fields belong to the parent in JSON


def s(name: str, ptr: bool = False) -> Field:
    return Field(name, "string", ptr=ptr)


def strings(name: str) -> Field:
    return Field(name, "string", repeated=True)


def i(name: str, ptr: bool = False) -> Field:
    return Field(name, "int", ptr=ptr)


def b(name: str, ptr: bool = False) -> Field:
    return Field(name, "bool", ptr=ptr)


def m(name: str, message: str, inline: bool = False) -> Field:
    return Field(name, "message", message, inline=inline)


def ms(name: str, message: str) -> Field:
    return Field(name, "message", message, repeated=True)


def smap(name: str, value: ValueKind = "string") -> Field:
    return Field(name, "message", repeated=True, map_value=value)


def t(name: str) -> Field:
    return Field(name, "time")


def intstr(name: str, ptr: bool = False) -> Field:
    return Field(name, "intstr", ptr=ptr)


def ignored(name: str) -> Field:
    """Read and dropped: status in a create request (the server owns it, upstream resets it too)."""
    return Field(name, "ignored")


Message = dict[int, Field]

META: dict[str, Message] = {
    "ObjectMeta": {
        1: s("name"), 2: s("generateName"), 3: s("namespace"), 4: s("selfLink"), 5: s("uid"),
        6: s("resourceVersion"), 7: i("generation"), 8: t("creationTimestamp"), 9: t("deletionTimestamp"),
        10: i("deletionGracePeriodSeconds", ptr=True), 11: smap("labels"), 12: smap("annotations"),
        13: ms("ownerReferences", "OwnerReference"), 14: strings("finalizers"), 17: ignored("managedFields"),
    },
    "OwnerReference": {
        1: s("kind"), 3: s("name"), 4: s("uid"), 5: s("apiVersion"), 6: b("controller", ptr=True),
        7: b("blockOwnerDeletion", ptr=True),
    },
    "LabelSelector": {1: smap("matchLabels"), 2: ms("matchExpressions", "LabelSelectorRequirement")},
    "LabelSelectorRequirement": {1: s("key"), 2: s("operator"), 3: strings("values")},
}

CORE: dict[str, Message] = {
    "Pod": {1: m("metadata", "ObjectMeta"), 2: m("spec", "PodSpec"), 3: ignored("status")},
    "PodTemplateSpec": {1: m("metadata", "ObjectMeta"), 2: m("spec", "PodSpec")},
    "PodSpec": {
        1: ms("volumes", "Volume"), 2: ms("containers", "Container"), 3: s("restartPolicy"),
        4: i("terminationGracePeriodSeconds", ptr=True), 5: i("activeDeadlineSeconds", ptr=True),
        6: s("dnsPolicy"), 7: smap("nodeSelector"), 8: s("serviceAccountName"), 9: s("serviceAccount"),
        10: s("nodeName"), 11: b("hostNetwork"), 12: b("hostPID"), 13: b("hostIPC"),
        14: m("securityContext", "PodSecurityContext"), 15: ms("imagePullSecrets", "LocalObjectReference"),
        16: s("hostname"), 17: s("subdomain"), 19: s("schedulerName"), 20: ms("initContainers", "Container"),
        21: b("automountServiceAccountToken", ptr=True), 22: ms("tolerations", "Toleration"),
        23: ms("hostAliases", "HostAlias"), 24: s("priorityClassName"), 25: i("priority", ptr=True),
        26: m("dnsConfig", "PodDNSConfig"), 27: b("shareProcessNamespace", ptr=True),
        28: ms("readinessGates", "PodReadinessGate"), 29: s("runtimeClassName", ptr=True),
        30: b("enableServiceLinks", ptr=True), 31: s("preemptionPolicy", ptr=True),
        33: ms("topologySpreadConstraints", "TopologySpreadConstraint"), 35: b("setHostnameAsFQDN", ptr=True),
        37: b("hostUsers", ptr=True),
    },
    "Container": {
        1: s("name"), 2: s("image"), 3: strings("command"), 4: strings("args"), 5: s("workingDir"),
        6: ms("ports", "ContainerPort"), 7: ms("env", "EnvVar"), 8: m("resources", "ResourceRequirements"),
        9: ms("volumeMounts", "VolumeMount"), 10: m("livenessProbe", "Probe"), 11: m("readinessProbe", "Probe"),
        12: m("lifecycle", "Lifecycle"), 13: s("terminationMessagePath"), 14: s("imagePullPolicy"),
        15: m("securityContext", "SecurityContext"), 16: b("stdin"), 17: b("stdinOnce"), 18: b("tty"),
        19: ms("envFrom", "EnvFromSource"), 20: s("terminationMessagePolicy"),
        21: ms("volumeDevices", "VolumeDevice"), 22: m("startupProbe", "Probe"), 24: s("restartPolicy", ptr=True),
    },
    "ContainerPort": {1: s("name"), 2: i("hostPort"), 3: i("containerPort"), 4: s("protocol"), 5: s("hostIP")},
    "EnvVar": {1: s("name"), 2: s("value"), 3: m("valueFrom", "EnvVarSource")},
    "EnvVarSource": {
        1: m("fieldRef", "ObjectFieldSelector"), 2: m("resourceFieldRef", "ResourceFieldSelector"),
        3: m("configMapKeyRef", "ConfigMapKeySelector"), 4: m("secretKeyRef", "SecretKeySelector"),
    },
    "EnvFromSource": {1: s("prefix"), 2: m("configMapRef", "ConfigMapEnvSource"), 3: m("secretRef", "SecretEnvSource")},
    "ObjectFieldSelector": {1: s("apiVersion"), 2: s("fieldPath")},
    "ResourceFieldSelector": {1: s("containerName"), 2: s("resource"), 3: Field("divisor", "quantity")},
    "ConfigMapKeySelector": {1: m("", "LocalObjectReference", inline=True), 2: s("key"), 3: b("optional", ptr=True)},
    "SecretKeySelector": {1: m("", "LocalObjectReference", inline=True), 2: s("key"), 3: b("optional", ptr=True)},
    "ConfigMapEnvSource": {1: m("", "LocalObjectReference", inline=True), 2: b("optional", ptr=True)},
    "SecretEnvSource": {1: m("", "LocalObjectReference", inline=True), 2: b("optional", ptr=True)},
    "LocalObjectReference": {1: s("name")},
    "ObjectReference": {
        1: s("kind"), 2: s("namespace"), 3: s("name"), 4: s("uid"), 5: s("apiVersion"), 6: s("resourceVersion"),
        7: s("fieldPath"),
    },
    "ResourceRequirements": {1: smap("limits", "quantity"), 2: smap("requests", "quantity")},
    "VolumeMount": {
        1: s("name"), 2: b("readOnly"), 3: s("mountPath"), 4: s("subPath"), 5: s("mountPropagation", ptr=True),
        6: s("subPathExpr"), 7: s("recursiveReadOnly", ptr=True),
    },
    "VolumeDevice": {1: s("name"), 2: s("devicePath")},
    "Probe": {
        1: m("", "ProbeHandler", inline=True), 2: i("initialDelaySeconds"), 3: i("timeoutSeconds"),
        4: i("periodSeconds"), 5: i("successThreshold"), 6: i("failureThreshold"),
        7: i("terminationGracePeriodSeconds", ptr=True),
    },
    "ProbeHandler": {
        1: m("exec", "ExecAction"), 2: m("httpGet", "HTTPGetAction"), 3: m("tcpSocket", "TCPSocketAction"),
        4: m("grpc", "GRPCAction"),
    },
    "Lifecycle": {1: m("postStart", "LifecycleHandler"), 2: m("preStop", "LifecycleHandler"), 3: s("stopSignal", ptr=True)},
    "LifecycleHandler": {
        1: m("exec", "ExecAction"), 2: m("httpGet", "HTTPGetAction"), 3: m("tcpSocket", "TCPSocketAction"),
        4: m("sleep", "SleepAction"),
    },
    "ExecAction": {1: strings("command")},
    "HTTPGetAction": {1: s("path"), 2: intstr("port"), 3: s("host"), 4: s("scheme"), 5: ms("httpHeaders", "HTTPHeader")},
    "HTTPHeader": {1: s("name"), 2: s("value")},
    "TCPSocketAction": {1: intstr("port"), 2: s("host")},
    "GRPCAction": {1: i("port"), 2: s("service", ptr=True)},
    "SleepAction": {1: i("seconds")},
    "SecurityContext": {
        1: m("capabilities", "Capabilities"), 2: b("privileged", ptr=True), 3: m("seLinuxOptions", "SELinuxOptions"),
        4: i("runAsUser", ptr=True), 5: b("runAsNonRoot", ptr=True), 6: b("readOnlyRootFilesystem", ptr=True),
        7: b("allowPrivilegeEscalation", ptr=True), 8: i("runAsGroup", ptr=True), 9: s("procMount", ptr=True),
        11: m("seccompProfile", "SeccompProfile"),
    },
    "PodSecurityContext": {
        1: m("seLinuxOptions", "SELinuxOptions"), 2: i("runAsUser", ptr=True), 3: b("runAsNonRoot", ptr=True),
        4: Field("supplementalGroups", "int", repeated=True), 5: i("fsGroup", ptr=True), 6: i("runAsGroup", ptr=True),
        7: ms("sysctls", "Sysctl"), 9: s("fsGroupChangePolicy", ptr=True), 10: m("seccompProfile", "SeccompProfile"),
    },
    "Capabilities": {1: strings("add"), 2: strings("drop")},
    "SELinuxOptions": {1: s("user"), 2: s("role"), 3: s("type"), 4: s("level")},
    "SeccompProfile": {1: s("type"), 2: s("localhostProfile", ptr=True)},
    "Sysctl": {1: s("name"), 2: s("value")},
    "Toleration": {1: s("key"), 2: s("operator"), 3: s("value"), 4: s("effect"), 5: i("tolerationSeconds", ptr=True)},
    "HostAlias": {1: s("ip"), 2: strings("hostnames")},
    "PodDNSConfig": {1: strings("nameservers"), 2: strings("searches"), 3: ms("options", "PodDNSConfigOption")},
    "PodDNSConfigOption": {1: s("name"), 2: s("value", ptr=True)},
    "PodReadinessGate": {1: s("conditionType")},
    "TopologySpreadConstraint": {
        1: i("maxSkew"), 2: s("topologyKey"), 3: s("whenUnsatisfiable"), 4: m("labelSelector", "LabelSelector"),
    },
    "Volume": {1: s("name"), 2: m("", "VolumeSource", inline=True)},
    "VolumeSource": {
        1: m("hostPath", "HostPathVolumeSource"), 2: m("emptyDir", "EmptyDirVolumeSource"),
        6: m("secret", "SecretVolumeSource"), 10: m("persistentVolumeClaim", "PersistentVolumeClaimVolumeSource"),
        19: m("configMap", "ConfigMapVolumeSource"),
    },
    "HostPathVolumeSource": {1: s("path"), 2: s("type", ptr=True)},
    "EmptyDirVolumeSource": {1: s("medium"), 2: Field("sizeLimit", "quantity")},
    "SecretVolumeSource": {
        1: s("secretName"), 2: ms("items", "KeyToPath"), 3: i("defaultMode", ptr=True), 4: b("optional", ptr=True),
    },
    "ConfigMapVolumeSource": {
        1: m("", "LocalObjectReference", inline=True), 2: ms("items", "KeyToPath"), 3: i("defaultMode", ptr=True),
        4: b("optional", ptr=True),
    },
    "PersistentVolumeClaimVolumeSource": {1: s("claimName"), 2: b("readOnly")},
    "KeyToPath": {1: s("key"), 2: s("path"), 3: i("mode", ptr=True)},
    "Service": {1: m("metadata", "ObjectMeta"), 2: m("spec", "ServiceSpec"), 3: ignored("status")},
    "ServiceSpec": {
        1: ms("ports", "ServicePort"), 2: smap("selector"), 3: s("clusterIP"), 4: s("type"), 5: strings("externalIPs"),
        7: s("sessionAffinity"), 8: s("loadBalancerIP"), 9: strings("loadBalancerSourceRanges"), 10: s("externalName"),
        11: s("externalTrafficPolicy"), 12: i("healthCheckNodePort"), 13: b("publishNotReadyAddresses"),
        17: s("ipFamilyPolicy", ptr=True), 18: strings("clusterIPs"), 19: strings("ipFamilies"),
        20: b("allocateLoadBalancerNodePorts", ptr=True), 21: s("loadBalancerClass", ptr=True),
        22: s("internalTrafficPolicy", ptr=True), 23: s("trafficDistribution", ptr=True),
    },
    "ServicePort": {
        1: s("name"), 2: s("protocol"), 3: i("port"), 4: intstr("targetPort"), 5: i("nodePort"),
        6: s("appProtocol", ptr=True),
    },
    "ConfigMap": {
        1: m("metadata", "ObjectMeta"), 2: smap("data"), 3: smap("binaryData", "bytes"), 4: b("immutable", ptr=True),
    },
    "Secret": {
        1: m("metadata", "ObjectMeta"), 2: smap("data", "bytes"), 3: s("type"), 4: smap("stringData"),
        5: b("immutable", ptr=True),
    },
    "Namespace": {1: m("metadata", "ObjectMeta"), 2: m("spec", "NamespaceSpec"), 3: ignored("status")},
    "NamespaceSpec": {1: strings("finalizers")},
    "ServiceAccount": {
        1: m("metadata", "ObjectMeta"), 2: ms("secrets", "ObjectReference"),
        3: ms("imagePullSecrets", "LocalObjectReference"), 4: b("automountServiceAccountToken", ptr=True),
    },
}

APPS: dict[str, Message] = {
    "Deployment": {1: m("metadata", "ObjectMeta"), 2: m("spec", "DeploymentSpec"), 3: ignored("status")},
    "DeploymentSpec": {
        1: i("replicas", ptr=True), 2: m("selector", "LabelSelector"), 3: m("template", "PodTemplateSpec"),
        4: m("strategy", "DeploymentStrategy"), 5: i("minReadySeconds"), 6: i("revisionHistoryLimit", ptr=True),
        7: b("paused"), 9: i("progressDeadlineSeconds", ptr=True),
    },
    "DeploymentStrategy": {1: s("type"), 2: m("rollingUpdate", "RollingUpdateDeployment")},
    "RollingUpdateDeployment": {1: intstr("maxUnavailable", ptr=True), 2: intstr("maxSurge", ptr=True)},
}

REVIEWS: dict[str, Message] = {
    "SelfSubjectAccessReview": {
        1: m("metadata", "ObjectMeta"), 2: m("spec", "SelfSubjectAccessReviewSpec"), 3: ignored("status"),
    },
    "SelfSubjectAccessReviewSpec": {
        1: m("resourceAttributes", "ResourceAttributes"), 2: m("nonResourceAttributes", "NonResourceAttributes"),
    },
    "ResourceAttributes": {
        1: s("namespace"), 2: s("verb"), 3: s("group"), 4: s("version"), 5: s("resource"), 6: s("subresource"),
        7: s("name"), 8: ignored("fieldSelector"), 9: ignored("labelSelector"),
    },
    "NonResourceAttributes": {1: s("path"), 2: s("verb")},
    "SelfSubjectRulesReview": {
        1: m("metadata", "ObjectMeta"), 2: m("spec", "SelfSubjectRulesReviewSpec"), 3: ignored("status"),
    },
    "SelfSubjectRulesReviewSpec": {1: s("namespace")},
    "SelfSubjectReview": {1: m("metadata", "ObjectMeta"), 2: ignored("status")},
}

MESSAGES: dict[str, Message] = {**META, **CORE, **APPS, **REVIEWS}

# (apiVersion, kind) of a top-level object -> its message
TOP_LEVEL: dict[tuple[str, str], str] = {
    ("v1", "Pod"): "Pod",
    ("v1", "Service"): "Service",
    ("v1", "ConfigMap"): "ConfigMap",
    ("v1", "Secret"): "Secret",
    ("v1", "Namespace"): "Namespace",
    ("v1", "ServiceAccount"): "ServiceAccount",
    ("apps/v1", "Deployment"): "Deployment",
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): "SelfSubjectAccessReview",
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview"): "SelfSubjectRulesReview",
    **{(f"authentication.k8s.io/{v}", "SelfSubjectReview"): "SelfSubjectReview" for v in ("v1", "v1beta1", "v1alpha1")},
}
