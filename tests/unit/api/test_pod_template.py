"""Pod specs and templates: container, port, probe, lifecycle and env rules; pod-spec defaults.

Rules and texts: kubernetes/kubernetes:pkg/apis/core/validation/validation.go (ValidatePodSpec,
validateContainers, validateProbe, validateLifecycle); defaults: pkg/apis/core/v1/defaults.go.
"""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.api import admission, pod_template
from graceroll.api.meta import Obj
from graceroll.errors import Invalid

from .builders import container, deployment, pod, with_path

HTTP = {"httpGet": {"path": "/healthz", "port": 8080}}


def pod_errors(obj: Obj) -> list[str]:
    try:
        admission.admit(obj)
    except Invalid as e:
        return [str(c) for c in e.causes]
    return []


def c0(**fields: Any) -> Obj:
    """A pod whose only container has ``fields`` added (a None value removes the field)."""
    c = container(**{k: v for k, v in fields.items() if v is not None})
    for k in [k for k, v in fields.items() if v is None]:
        c.pop(k, None)
    return pod("p", c)


@pytest.mark.parametrize(
    "obj, expected",
    [
        pytest.param(
            with_path(pod(), "spec.containers", []), ["spec.containers: Required value"], id="no containers"
        ),
        pytest.param(c0(name=None), ["spec.containers[0].name: Required value"], id="container name missing"),
        pytest.param(
            c0(name="Web"),
            [
                (
                    'spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case '
                    "alphanumeric characters or '-', and must start and end with an alphanumeric character "
                    "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
                )
            ],
            id="container name not a DNS label",
        ),
        pytest.param(
            c0(name="a.b"),
            ['spec.containers[0].name: Invalid value: "a.b": must not contain dots'],
            id="dots",
        ),
        pytest.param(
            pod("p", container("a"), container("a")),
            ['spec.containers[1].name: Duplicate value: "a"'],
            id="duplicate container names",
        ),
        pytest.param(c0(image=None), ["spec.containers[0].image: Required value"], id="image missing"),
        pytest.param(
            c0(image=" nginx"),
            [
                'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'
            ],
            id="image with whitespace in a pod",
        ),
        pytest.param(
            c0(ports=[{"containerPort": 0}]),
            ["spec.containers[0].ports[0].containerPort: Required value"],
            id="containerPort zero",
        ),
        pytest.param(
            c0(ports=[{"containerPort": 65536}]),
            [
                "spec.containers[0].ports[0].containerPort: Invalid value: 65536: must be between 1 and 65535, inclusive"
            ],
            id="containerPort too high",
        ),
        pytest.param(
            c0(ports=[{"containerPort": 80, "name": "a-very-long-name"}]),
            [
                'spec.containers[0].ports[0].name: Invalid value: "a-very-long-name": must be no more than 15 characters'
            ],
            id="port name longer than 15",
        ),
        pytest.param(
            c0(ports=[{"containerPort": 80, "name": "web"}, {"containerPort": 81, "name": "web"}]),
            ['spec.containers[0].ports[1].name: Duplicate value: "web"'],
            id="duplicate port names",
        ),
        pytest.param(
            c0(ports=[{"containerPort": 80, "name": "80"}]),
            ['spec.containers[0].ports[0].name: Invalid value: "80": must contain at least one letter (a-z)'],
            id="port name without a letter",
        ),
        pytest.param(
            c0(ports=[{"containerPort": 80, "protocol": "ICMP"}]),
            [
                'spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'
            ],
            id="unknown protocol",
        ),
        pytest.param(
            c0(readinessProbe={"periodSeconds": 5}),
            ["spec.containers[0].readinessProbe: Required value: must specify a handler type"],
            id="probe without handler",
        ),
        pytest.param(
            c0(livenessProbe={**HTTP, "exec": {"command": ["true"]}}),
            ["spec.containers[0].livenessProbe.httpGet: Forbidden: may not specify more than 1 handler type"],
            id="probe with two handlers",
        ),
        pytest.param(
            c0(livenessProbe={**HTTP, "successThreshold": 2}),
            ["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"],
            id="liveness successThreshold",
        ),
        pytest.param(
            c0(startupProbe={**HTTP, "successThreshold": 3}),
            ["spec.containers[0].startupProbe.successThreshold: Invalid value: 3: must be 1"],
            id="startup successThreshold",
        ),
        pytest.param(
            c0(readinessProbe={**HTTP, "periodSeconds": -1, "initialDelaySeconds": -2}),
            [
                "spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -2: must be greater than or equal to 0",
                "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
            ],
            id="negative probe numbers",
        ),
        pytest.param(
            c0(readinessProbe={"httpGet": {"path": "/"}}),
            ["spec.containers[0].readinessProbe.httpGet.port: Required value"],
            id="httpGet without port",
        ),
        pytest.param(
            c0(readinessProbe={"httpGet": {"port": "web_port"}}),
            [
                (
                    'spec.containers[0].readinessProbe.httpGet.port: Invalid value: "web_port": '
                    "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
                )
            ],
            id="httpGet port name",
        ),
        pytest.param(
            c0(readinessProbe={"httpGet": {"port": 80, "scheme": "FTP"}}),
            [
                'spec.containers[0].readinessProbe.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"'
            ],
            id="httpGet scheme",
        ),
        pytest.param(
            c0(readinessProbe={"tcpSocket": {"port": 0}}),
            [
                "spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive"
            ],
            id="tcpSocket port zero",
        ),
        pytest.param(
            c0(readinessProbe={"exec": {"command": []}}),
            ["spec.containers[0].readinessProbe.exec.command: Required value"],
            id="exec without command",
        ),
        pytest.param(
            c0(readinessProbe={"grpc": {"port": 70000}}),
            [
                "spec.containers[0].readinessProbe.grpc.port: Invalid value: 70000: must be between 1 and 65535, inclusive"
            ],
            id="grpc port",
        ),
        pytest.param(
            c0(lifecycle={"preStop": {"sleep": {"seconds": 40}}}),
            [
                (
                    "spec.containers[0].lifecycle.preStop.sleep.seconds: Invalid value: 40: "
                    "must be non-negative and less than terminationGracePeriodSeconds (30)"
                )
            ],
            id="preStop sleep longer than the grace period",
        ),
        pytest.param(
            c0(lifecycle={"preStop": {}}),
            ["spec.containers[0].lifecycle.preStop: Required value: must specify a handler type"],
            id="lifecycle handler without action",
        ),
        pytest.param(
            c0(env=[{"name": "A=B", "value": "x"}, {"value": "y"}]),
            [
                (
                    'spec.containers[0].env[0].name: Invalid value: "A=B": '
                    "a valid environment variable name must consist only of printable ASCII characters other than '='"
                ),
                "spec.containers[0].env[1].name: Required value",
            ],
            id="env names",
        ),
        pytest.param(
            c0(env=[{"name": "A", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]),
            [
                'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'
            ],
            id="env value and valueFrom",
        ),
        pytest.param(
            c0(imagePullPolicy="Sometimes"),
            [
                (
                    'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": '
                    'supported values: "Always", "IfNotPresent", "Never"'
                )
            ],
            id="imagePullPolicy",
        ),
        pytest.param(
            c0(terminationMessagePolicy="Maybe"),
            [
                (
                    'spec.containers[0].terminationMessagePolicy: Invalid value: "Maybe": '
                    "must be 'File' or 'FallbackToLogsOnError'"
                )
            ],
            id="terminationMessagePolicy",
        ),
        pytest.param(
            with_path(pod(), "spec.terminationGracePeriodSeconds", -1),
            ["spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0"],
            id="negative grace period",
        ),
        pytest.param(
            with_path(pod(), "spec.restartPolicy", "Sometimes"),
            [
                'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'
            ],
            id="pod restartPolicy",
        ),
        pytest.param(
            with_path(pod(), "spec.dnsPolicy", "None"),
            ["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"],
            id="dnsPolicy None needs dnsConfig",
        ),
        pytest.param(
            with_path(pod(), "spec.readinessGates", [{"conditionType": "bad type"}]),
            [
                (
                    'spec.readinessGates[0].conditionType: Invalid value: "bad type": name part must consist of alphanumeric '
                    "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
                    "'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
                )
            ],
            id="readiness gate condition type",
        ),
        pytest.param(
            with_path(pod(), "spec.initContainers", [{"name": "abc", "image": "busybox"}]),
            ['spec.initContainers[0].name: Duplicate value: "abc"'],
            id="init container name clashes",
        ),
    ],
)
def test_pod_spec_rule(obj: Obj, expected: list[str]) -> None:
    assert pod_errors(obj) == expected


def test_readiness_probe_may_need_several_successes() -> None:
    assert pod_errors(c0(readinessProbe={**HTTP, "successThreshold": 3})) == []


def test_a_sleep_within_the_grace_period_is_valid() -> None:
    assert (
        pod_errors(
            c0(lifecycle={"preStop": {"sleep": {"seconds": 5}}, "postStart": {"exec": {"command": ["x"]}}})
        )
        == []
    )


def test_fields_graceroll_does_not_interpret_are_accepted() -> None:
    obj = pod(
        "p",
        container(
            resources={"limits": {"cpu": "1"}},
            volumeMounts=[{"name": "data", "mountPath": "/data"}],
            envFrom=[{"configMapRef": {"name": "cfg"}}],
            securityContext={"runAsNonRoot": True},
        ),
    )
    obj["spec"] |= {
        "affinity": {"nodeAffinity": {}},
        "tolerations": [{"key": "k", "operator": "Exists"}],
        "nodeSelector": {"disk": "ssd"},
        "volumes": [{"name": "data", "emptyDir": {}}],
        "imagePullSecrets": [{"name": "reg"}],
        "serviceAccountName": "web",
        "hostname": "web-0",
        "subdomain": "web",
        "readinessGates": [{"conditionType": "InPlaceUpdateReady"}],
        "topologySpreadConstraints": [{"maxSkew": 1}],
        "priorityClassName": "high",
        "initContainers": [{"name": "init", "image": "busybox", "command": ["true"]}],
    }
    assert pod_errors(obj) == []


def test_template_problems_carry_the_template_path() -> None:
    obj = with_path(deployment(), "spec.template.spec.containers", [container(ports=[{"containerPort": -1}])])
    assert pod_errors(obj) == [
        "spec.template.spec.containers[0].ports[0].containerPort: Invalid value: -1: must be between 1 and 65535, inclusive"
    ]


# --- defaults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image, policy",
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.25", "IfNotPresent"),
        ("localhost:5000/nginx", "Always"),
        ("localhost:5000/nginx:1.25", "IfNotPresent"),
        ("nginx@sha256:0123abcd", "IfNotPresent"),
        ("nginx:latest@sha256:0123abcd", "Always"),
        ("", "IfNotPresent"),
    ],
)
def test_image_pull_policy_default(image: str, policy: str) -> None:
    assert pod_template.pull_policy_for(image) == policy


def test_container_and_probe_defaults() -> None:
    spec: Obj = {
        "containers": [
            {
                "name": "web",
                "image": "web:v1",
                "ports": [{"containerPort": 8080}],
                "readinessProbe": {"httpGet": {"port": 8080}, "periodSeconds": 0},
                "livenessProbe": {
                    "tcpSocket": {"port": 8080},
                    "failureThreshold": 5,
                    "initialDelaySeconds": 0,
                },
                "lifecycle": {"preStop": {"httpGet": {"port": 8080, "path": "/quit"}}},
            }
        ]
    }
    pod_template.default_pod_spec(spec)
    c = spec["containers"][0]
    assert c["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert c["readinessProbe"] == {
        "httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"},
        "periodSeconds": 10,
        "timeoutSeconds": 1,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert c["livenessProbe"] == {
        "tcpSocket": {"port": 8080},
        "failureThreshold": 5,
        "initialDelaySeconds": 0,
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
    }
    assert c["lifecycle"]["preStop"]["httpGet"] == {"port": 8080, "path": "/quit", "scheme": "HTTP"}
    assert (c["imagePullPolicy"], c["terminationMessagePath"], c["terminationMessagePolicy"]) == (
        "IfNotPresent",
        "/dev/termination-log",
        "File",
    )


def test_defaulting_survives_any_shape() -> None:
    for spec in (
        {"containers": "x"},
        {"containers": [1, None, "x"]},
        {"containers": [{"ports": "x", "readinessProbe": 3}]},
    ):
        pod_template.default_pod_spec(spec)  # validation reports these; defaulting must not fail on them


def test_pod_only_defaults() -> None:
    out = admission.admit(
        pod("p", container(resources={"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}))
    )
    assert out["spec"]["enableServiceLinks"] is True
    assert out["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "500m", "memory": "1Gi"}
    template_spec = admission.admit(deployment())["spec"]["template"]["spec"]
    assert "enableServiceLinks" not in template_spec


def test_a_volume_mount_must_name_a_volume_of_the_pod() -> None:
    """validation.go ValidateVolumeMounts: field.NotFound on the mount's name."""
    d = deployment()
    spec = d["spec"]["template"]["spec"]
    spec["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}, {"name": "cache", "mountPath": "/data"}]
    spec["volumes"] = [{"name": "cache", "emptyDir": {}}]
    assert pod_errors(d) == [
        'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"',
        'spec.template.spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique',
    ]
    spec["containers"][0]["volumeMounts"] = [{"name": "cache", "mountPath": "/cache"}]
    assert pod_errors(d) == []


@pytest.mark.parametrize(
    "field_ref, expected",
    [
        pytest.param({"fieldPath": "status.podIP"}, [], id="a downward API field"),
        pytest.param({"apiVersion": "v1", "fieldPath": "metadata.labels['app']"}, [], id="a label by key"),
        pytest.param({}, ["fieldRef.fieldPath: Required value"], id="no fieldPath"),
        pytest.param(
            {"fieldPath": "metadata.foo"},
            ['fieldRef.fieldPath: Invalid value: "metadata.foo": error converting fieldPath: field label not supported: metadata.foo'],
            id="an unknown field",
        ),
        pytest.param(
            {"apiVersion": "v2", "fieldPath": "metadata.name"},
            ['fieldRef.fieldPath: Invalid value: "metadata.name": error converting fieldPath: unsupported pod version: v2'],
            id="an unknown version",
        ),
        pytest.param(
            {"fieldPath": "status.phase"},
            [
                ('fieldRef.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", '
                '"metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"')
            ],
            id="a field a volume may have but env may not",
        ),
    ],
)
def test_env_field_refs_are_checked_as_upstream(field_ref: Obj, expected: list[str]) -> None:
    obj = c0(env=[{"name": "X", "valueFrom": {"fieldRef": field_ref}}])
    prefix = "spec.containers[0].env[0].valueFrom."
    assert pod_errors(obj) == [prefix + e for e in expected]
