"""Service and Event: defaults and rules (Pod specs are covered in test_pod_template.py).

kubernetes/kubernetes:pkg/apis/core/v1/defaults.go SetDefaults_Service;
pkg/apis/core/validation/validation.go ValidateService, ValidateEvent.
"""

from __future__ import annotations

import pytest

from graceroll.api import admission
from graceroll.api.meta import Obj
from graceroll.errors import Invalid

from .builders import pod, service, with_path


def errors_of(obj: Obj) -> list[str]:
    try:
        admission.admit(obj)
    except Invalid as e:
        return [str(c) for c in e.causes]
    return []


def test_service_defaults() -> None:
    out = admission.admit(
        service(
            "web", {"name": "web", "port": 80}, {"name": "metrics", "port": 9090, "targetPort": "metrics"}
        )
    )
    spec = out["spec"]
    assert out["metadata"]["namespace"] == "default"
    assert (spec["type"], spec["sessionAffinity"], spec["internalTrafficPolicy"]) == (
        "ClusterIP",
        "None",
        "Cluster",
    )
    assert spec["ports"] == [
        {"name": "web", "port": 80, "protocol": "TCP", "targetPort": 80},
        {"name": "metrics", "port": 9090, "targetPort": "metrics", "protocol": "TCP"},
    ]
    assert "externalTrafficPolicy" not in spec


def test_service_port_names_are_required_when_there_are_several() -> None:
    assert errors_of(service("web", {"port": 80}, {"port": 81})) == [
        "spec.ports[0].name: Required value",
        "spec.ports[1].name: Required value",
    ]


def test_node_port_services_get_an_external_traffic_policy() -> None:
    spec = admission.admit(service("web", {"port": 80, "nodePort": 30080}, type="NodePort"))["spec"]
    assert spec["externalTrafficPolicy"] == "Cluster"


@pytest.mark.parametrize(
    "obj, expected",
    [
        pytest.param(with_path(service(), "spec.ports", []), ["spec.ports: Required value"], id="no ports"),
        pytest.param(
            service("web", {"port": 0}),
            ["spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"],
            id="port zero",
        ),
        pytest.param(
            service("web", {"name": "a", "port": 80}, {"name": "a", "port": 81}),
            ['spec.ports[1].name: Duplicate value: "a"'],
            id="duplicate port names",
        ),
        pytest.param(
            service("web", {"port": 80, "targetPort": "http_port"}),
            [
                (
                    'spec.ports[0].targetPort: Invalid value: "http_port": '
                    "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
                )
            ],
            id="targetPort not an IANA name",
        ),
        pytest.param(
            service("web", {"port": 80, "targetPort": 70000}),
            ["spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive"],
            id="targetPort number too high",
        ),
        pytest.param(
            service("web", {"port": 80, "nodePort": 30080}),
            ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
            id="nodePort on a ClusterIP service",
        ),
        pytest.param(
            service("web", {"name": "a", "port": 80}, {"name": "b", "port": 80}),
            ['spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}'],
            id="same port and protocol twice",
        ),
        pytest.param(
            service("web", type="Internal"),
            [
                (
                    'spec.type: Unsupported value: "Internal": supported values: '
                    '"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'
                )
            ],
            id="unknown type",
        ),
        pytest.param(
            service("web", sessionAffinity="Sticky"),
            ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"'],
            id="unknown session affinity",
        ),
        pytest.param(
            service("web", clusterIP="10.0.0.300"),
            ["spec.clusterIP: Invalid value: \"10.0.0.300\": must be empty, 'None', or a valid IP address"],
            id="bad cluster IP",
        ),
        pytest.param(
            service("1web"),
            [
                (
                    'metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric '
                    "characters or '-', start with an alphabetic character, and end with an alphanumeric character "
                    "(e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
                )
            ],
            id="service names are DNS-1035 labels",
        ),
        pytest.param(
            with_path(service(), "spec.selector", {"app": "-web"}),
            [
                (
                    'spec.selector: Invalid value: "-web": a valid label must be an empty string or consist of '
                    "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
                    "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                )
            ],
            id="selector values are label values",
        ),
    ],
)
def test_service_rule(obj: Obj, expected: list[str]) -> None:
    assert errors_of(obj) == expected


def test_headless_and_external_name_services_need_no_ports() -> None:
    assert errors_of(with_path(service(clusterIP="None"), "spec.ports", None)) == []
    external = with_path(service(type="ExternalName", externalName="db.example.com"), "spec.ports", None)
    assert errors_of(external) == []
    assert errors_of(with_path(external, "spec.externalName", None)) == ["spec.externalName: Required value"]


# --- Event ---------------------------------------------------------------------------------------


def event(namespace: str = "default", involved_namespace: str = "default") -> Obj:
    """Shaped like the events graceroll's controllers record."""
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"generateName": "web.", "namespace": namespace},
        "involvedObject": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "namespace": involved_namespace,
            "uid": "u1",
        },
        "reason": "ScalingReplicaSet",
        "message": "Scaled up replica set web-7c9 to 3",
        "type": "Normal",
        "count": 1,
        "firstTimestamp": "2026-01-01T00:00:00Z",
        "lastTimestamp": "2026-01-01T00:00:00Z",
        "source": {"component": "deployment-controller"},
    }


def test_a_controller_event_is_valid() -> None:
    assert errors_of(event()) == []


def test_an_event_lives_in_its_objects_namespace() -> None:
    assert errors_of(event("default", "shop")) == [
        'involvedObject.namespace: Invalid value: "shop": does not match event.namespace'
    ]


def test_event_unknown_field() -> None:
    assert errors_of(event() | {"severity": "high"}) == ['severity: Forbidden: unknown field "severity"']


# --- metadata (apimachinery ValidateObjectMeta) ---------------------------------------------------


@pytest.mark.parametrize(
    "metadata, expected",
    [
        pytest.param({"generateName": "web-"}, [], id="generateName instead of name"),
        pytest.param({}, ["metadata.name: Required value: name or generateName is required"], id="neither"),
        pytest.param({"name": "p", "namespace": "defaultGroup"}, [], id="namespace may hold upper-case letters (BCS)"),
        pytest.param(
            {"name": "p", "namespace": "shop_eu"},
            [
                (
                    'metadata.namespace: Invalid value: "shop_eu": a namespace name must consist of alphanumeric '
                    "characters or '-', and must start and end with an alphanumeric character (e.g. "
                    "'my-name',  or 'defaultGroup', regex used for validation is '[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?')"
                )
            ],
            id="namespace is a label, upper-case letters allowed",
        ),
        pytest.param(
            {"name": "p", "labels": {"app/x/y": "v"}},
            [
                (
                    'metadata.labels: Invalid value: "app/x/y": a qualified name must consist of alphanumeric characters, '
                    "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
                    "'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') "
                    "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
                )
            ],
            id="label key with two slashes",
        ),
        pytest.param(
            {"name": "p", "annotations": {"Example.COM/Note": "x", "/x": "y"}},
            ['metadata.annotations: Invalid value: "/x": prefix part must be non-empty'],
            id="annotation keys ignore case but need a prefix before a slash",
        ),
        pytest.param(
            {"name": "p", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs"}]},
            ['metadata.ownerReferences[0].uid: Invalid value: "": uid must not be empty'],
            id="owner reference without uid",
        ),
        pytest.param(
            {"name": "p", "generation": -1},
            ["metadata.generation: Invalid value: -1: must be greater than or equal to 0"],
            id="negative generation",
        ),
    ],
)
def test_metadata_rule(metadata: Obj, expected: list[str]) -> None:
    assert errors_of(with_path(pod(), "metadata", metadata)) == expected


def test_two_controller_owners_are_refused() -> None:
    refs = [
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "a", "uid": "1", "controller": True},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "b", "uid": "2", "controller": True},
    ]
    errors = errors_of(with_path(pod(), "metadata.ownerReferences", refs))
    assert len(errors) == 1
    assert errors[0].endswith(
        'Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b'
    )


def test_server_set_metadata_is_accepted() -> None:
    obj = pod()
    obj["metadata"] |= {
        "uid": "0b6c",
        "resourceVersion": "42",
        "generation": 3,
        "creationTimestamp": "2026-01-01T00:00:00Z",
        "deletionTimestamp": "2026-01-01T00:01:00Z",
        "deletionGracePeriodSeconds": 30,
        "finalizers": ["foregroundDeletion", "example.com/cleanup"],
        "managedFields": [{"manager": "kubectl"}],
    }
    obj["status"] = {"phase": "Running", "anything": ["goes"]}
    assert errors_of(obj) == []
