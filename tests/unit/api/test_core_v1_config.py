"""ConfigMap, Secret and ServiceAccount: upstream's defaults and rules."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.api.admission import admit
from graceroll.errors import Invalid


def config_map(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": "shop"}, **fields}


def secret(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"}, **fields}


def errors(obj: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    try:
        admit(obj, old)
    except Invalid as e:
        return [str(c) for c in e.causes]
    return []


def test_string_data_is_merged_into_base64_data_and_never_kept() -> None:
    s = admit(secret(data={"user": "YWRtaW4=", "password": "b2xk"}, stringData={"password": "s3cr3t"}))
    assert s["data"] == {"user": "YWRtaW4=", "password": "czNjcjN0"} and "stringData" not in s and s["type"] == "Opaque"


def test_base64_values_are_checked_and_stored_canonically() -> None:
    assert admit(secret(data={"k": "aGVs\nbG8="}))["data"] == {"k": "aGVsbG8="}  # line breaks are ignored, as Go does
    assert errors(secret(data={"k": "not base64!"})) == ['data[k]: Invalid value: "<value omitted>": illegal base64 data at input byte 3']


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param({"a/b": "x"}, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'", id="slash"),
        pytest.param({"..x": "x"}, "must not start with '..'", id="dot dot"),
        pytest.param({".": "x"}, "must not be '.'", id="dot"),
    ],
)
def test_key_names_are_file_names(data: dict[str, str], message: str) -> None:
    assert any(message in e for e in errors(config_map(data=data)))
    assert any(message in e for e in errors(secret(stringData=data)))


def test_a_key_may_not_be_in_data_and_binary_data() -> None:
    assert errors(config_map(data={"k": "x"}, binaryData={"k": "eA=="})) == ['data[k]: Invalid value: "k": duplicate of key present in binaryData']


def test_one_mebibyte_at_most() -> None:
    assert errors(config_map(data={"big": "x" * (1024 * 1024 + 1)})) == ["data: Too long: must have at most 1048576 bytes"]


def test_secret_types_need_their_keys() -> None:
    assert errors(secret(type="kubernetes.io/tls", data={"tls.crt": "eA=="})) == ["data[tls.key]: Required value"]
    assert errors(secret(type="kubernetes.io/basic-auth")) == ["data[username]: Required value", "data[password]: Required value"]


def test_immutable_objects_keep_their_contents_and_stay_immutable() -> None:
    old = admit(config_map(data={"k": "v"}, immutable=True))
    assert errors(config_map(data={"k": "w"}, immutable=True), old) == ["data: Forbidden: field is immutable when `immutable` is set"]
    assert errors(config_map(data={"k": "v"}), old) == ["immutable: Forbidden: field is immutable when `immutable` is set"]
    kept = admit(secret(data={"k": "dg=="}))
    assert errors(secret(data={"k": "dg=="}, type="example.com/other"), kept) == ['type: Invalid value: "example.com/other": field is immutable']


def test_a_service_account_is_a_named_record() -> None:
    sa = admit({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app", "namespace": "shop"}, "automountServiceAccountToken": False})
    assert sa["automountServiceAccountToken"] is False
    assert errors({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "App", "namespace": "shop"}})
