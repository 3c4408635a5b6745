"""The OpenAPI v2 document as ``application/com.github.proto-openapi.spec.v2@v1.0+protobuf``.

client-go asks for ``/openapi/v2`` only in this form (``DiscoveryClient.OpenAPISchema``); kubectl
uses it to validate ``kind: List`` documents client-side and for ``explain
--output=plaintext-openapiv2``. The messages are gnostic's ``openapiv2/OpenAPIv2.proto``; only
what the documents of ``documents`` use is encoded: ``x-`` keys become ``vendor_extension``
entries whose ``Any.yaml`` holds the value as JSON (valid YAML), as kube-openapi reads them.
"""

from __future__ import annotations

import json
from typing import Any

from graceroll.apiserver.protobuf import wire

Obj = dict[str, Any]
CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"

# field numbers of gnostic's messages; keys are the JSON names of the v2 document
DOCUMENT = {"swagger": 1, "info": 2, "paths": 8, "definitions": 9}
INFO = {"title": 1, "version": 2}
PATH_ITEM = {"get": 2, "put": 3, "post": 4, "delete": 5, "patch": 8, "parameters": 9}
OPERATION = {"tags": 1, "description": 3, "operationId": 5, "produces": 6, "consumes": 7, "parameters": 8, "responses": 9}
SCHEMA = {"$ref": 1, "format": 2, "description": 4, "required": 19, "additionalProperties": 21, "type": 22, "items": 23, "allOf": 24, "properties": 25}
BODY_PARAMETER = {"description": 1, "name": 2, "in": 3, "required": 4, "schema": 5}
NON_BODY_PARAMETER = {"required": 1, "in": 2, "description": 3, "name": 4}  # query and path sub-schemas share these
QUERY_TYPE, PATH_TYPE, QUERY_UNIQUE = 6, 5, 20
OPERATION_EXTENSIONS, PATH_ITEM_EXTENSIONS, SCHEMA_EXTENSIONS = 13, 10, 31


def encode(doc: Obj) -> bytes:
    out = b""
    for key, number in DOCUMENT.items():
        value: Any = doc[key]
        if key == "swagger":
            out += wire.string_field(number, str(value))
        elif key == "info":
            out += wire.length_field(number, b"".join(wire.string_field(INFO[k], str(v)) for k, v in value.items() if k in INFO))
        elif key == "paths":
            named = b"".join(wire.length_field(2, wire.string_field(1, p) + wire.length_field(2, _path_item(item))) for p, item in value.items())
            out += wire.length_field(number, named)
        else:
            out += wire.length_field(number, _named_schemas(value))
    return out


def _named_schemas(schemas: Obj) -> bytes:
    """``Definitions``/``Properties``: repeated NamedSchema {name = 1, value = 2}."""
    return b"".join(wire.length_field(1, wire.string_field(1, name) + wire.length_field(2, schema(s))) for name, s in schemas.items())


def _extensions(obj: Obj, number: int) -> bytes:
    """``x-`` keys as NamedAny {name = 1, value = Any {yaml = 2}}."""
    return b"".join(
        wire.length_field(number, wire.string_field(1, k) + wire.length_field(2, wire.string_field(2, json.dumps(v))))
        for k, v in obj.items()
        if k.startswith("x-")
    )


def schema(s: Obj) -> bytes:
    out = b""
    for key, value in s.items():
        number = SCHEMA.get(key)
        if number is None:
            continue
        if key in ("$ref", "format", "description"):
            out += wire.string_field(number, value)
        elif key == "required":
            out += b"".join(wire.string_field(number, v) for v in value)
        elif key == "type":
            out += wire.length_field(number, wire.string_field(1, value))  # TypeItem {repeated value = 1}
        elif key == "items":
            out += wire.length_field(number, wire.length_field(1, schema(value)))  # ItemsItem {repeated schema = 1}
        elif key == "allOf":
            out += b"".join(wire.length_field(number, schema(v)) for v in value)
        elif key == "properties":
            out += wire.length_field(number, _named_schemas(value))
        elif key == "additionalProperties":  # oneof {schema = 1, boolean = 2}
            inner = wire.varint_field(2, int(value)) if isinstance(value, bool) else wire.length_field(1, schema(value))
            out += wire.length_field(number, inner)
    return out + _extensions(s, SCHEMA_EXTENSIONS)


def _path_item(item: Obj) -> bytes:
    out = b""
    for key, value in item.items():
        number = PATH_ITEM.get(key)
        if number is None:
            continue
        if key == "parameters":
            out += b"".join(wire.length_field(number, _parameter(p)) for p in value)
        else:
            out += wire.length_field(number, _operation(value))
    return out + _extensions(item, PATH_ITEM_EXTENSIONS)


def _operation(op: Obj) -> bytes:
    out = b""
    for key, value in op.items():
        number = OPERATION.get(key)
        if number is None:
            continue
        if key in ("tags", "produces", "consumes"):
            out += b"".join(wire.string_field(number, v) for v in value)
        elif key in ("description", "operationId"):
            out += wire.string_field(number, value)
        elif key == "parameters":
            out += b"".join(wire.length_field(number, _parameter(p)) for p in value)
        else:  # responses: Responses {repeated NamedResponseValue response_code = 1}
            out += wire.length_field(number, b"".join(wire.length_field(1, wire.string_field(1, code) + wire.length_field(2, _response(r))) for code, r in value.items()))
    return out + _extensions(op, OPERATION_EXTENSIONS)


def _response(r: Obj) -> bytes:
    """ResponseValue {response = 1: Response {description = 1, schema = 2: SchemaItem {schema = 1}}}."""
    inner = wire.string_field(1, r.get("description", ""))
    if "schema" in r:
        inner += wire.length_field(2, wire.length_field(1, schema(r["schema"])))
    return wire.length_field(1, inner)


def _parameter(p: Obj) -> bytes:
    """ParametersItem {parameter = 1: Parameter {body_parameter = 1 | non_body_parameter = 2}}."""
    if p.get("in") == "body":
        body = b"".join(_parameter_field(BODY_PARAMETER[k], v) for k, v in p.items() if k in BODY_PARAMETER and k != "schema")
        body += wire.length_field(BODY_PARAMETER["schema"], schema(p["schema"]))
        return wire.length_field(1, wire.length_field(1, body))
    sub = b"".join(_parameter_field(NON_BODY_PARAMETER[k], v) for k, v in p.items() if k in NON_BODY_PARAMETER)
    if p.get("in") == "path":
        sub += wire.string_field(PATH_TYPE, p.get("type", "string"))
        choice = 4  # path_parameter_sub_schema
    else:
        sub += wire.string_field(QUERY_TYPE, p.get("type", "string"))
        if p.get("uniqueItems"):
            sub += wire.varint_field(QUERY_UNIQUE, 1)
        choice = 3  # query_parameter_sub_schema
    return wire.length_field(1, wire.length_field(2, wire.length_field(choice, sub)))


def _parameter_field(number: int, value: Any) -> bytes:
    return wire.varint_field(number, int(value)) if isinstance(value, bool) else wire.string_field(number, str(value))
