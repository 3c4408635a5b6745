"""Small validators shared by every kind: names, labels, ports, int-or-percent, selectors, metadata.

The message texts are apimachinery's (``k8s.io/apimachinery/pkg/util/validation``,
``pkg/api/validation``, ``pkg/apis/meta/v1/validation``) word for word, so that an error from a
graceroll manifest reads exactly like the one the API server would print for it.

Field paths use one spelling throughout: ``spec.template.spec.containers[0].ports[1].name`` for
fields and list indices, ``metadata.labels[app.kubernetes.io/name]`` for map keys. ``parse_path``
is the one parser for it (the loader uses it to find the line of an error).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from graceroll.errors import FieldError

NameCheck = Callable[[str], list[str]]

NEGATIVE = "must be greater than or equal to 0"
IMMUTABLE = "field is immutable"
ANNOTATIONS_SIZE_LIMIT = 256 * 1024  # TotalAnnotationSizeLimitB
MAX_INT32 = 2**31 - 1


# --- paths ---------------------------------------------------------------------------------------

_PATH_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[([^\]]*)\]")


def parse_path(path: str) -> list[str | int]:
    """``a.b[0][k.x]`` -> ``["a", "b", 0, "k.x"]``; list indices become ints, map keys stay strings."""
    out: list[str | int] = []
    for m in _PATH_TOKEN.finditer(path):
        if m.group(1) is not None:
            out.append(m.group(1))
        else:
            inner = m.group(2)
            out.append(int(inner) if inner.isdigit() else inner)
    return out


# --- error constructors (the apimachinery field.* helpers) ---------------------------------------


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(path, "Required value", detail)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(path, "Forbidden", detail)


def invalid(path: str, value: object, detail: str) -> FieldError:
    return FieldError(path, "Invalid value", detail, value, True)


def duplicate(path: str, value: object) -> FieldError:
    return FieldError(path, "Duplicate value", "", value, True)


def not_found(path: str, value: object) -> FieldError:
    """``Not found: "x"`` (``field.NotFound``)."""
    return FieldError(path, "Not found", "", value, True)


def not_supported(path: str, value: object, valid: list[str]) -> FieldError:
    """``Unsupported value: "x": supported values: "a", "b"`` in the order given."""
    return FieldError(
        path, "Unsupported value", "supported values: " + ", ".join(f'"{v}"' for v in valid), value, True
    )


# --- string rules (util/validation/validation.go) ------------------------------------------------


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """``RegexError``; the odd ``',  or '`` spacing is upstream's and tests match on it."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_NAMESPACE_FMT = "[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?"
_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = "(" + _QUALIFIED_NAME_FMT + ")?"
_PERCENT_FMT = "[0-9]+%"

_DNS1123_LABEL = re.compile(f"^{_DNS1123_LABEL_FMT}$")
_DNS1123_SUBDOMAIN = re.compile(f"^{_DNS1123_SUBDOMAIN_FMT}$")
_DNS1035_LABEL = re.compile(f"^{_DNS1035_LABEL_FMT}$")
_NAMESPACE = re.compile(f"^{_NAMESPACE_FMT}$")
_QUALIFIED_NAME = re.compile(f"^{_QUALIFIED_NAME_FMT}$")
_LABEL_VALUE = re.compile(f"^{_LABEL_VALUE_FMT}$")
_PERCENT = re.compile(f"^{_PERCENT_FMT}$")
_PORT_NAME_CHARS = re.compile(r"^[-a-z0-9]+$")
_CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_MAP_KEY = re.compile(f"^{_CONFIG_MAP_KEY_FMT}$")
_HTTP_HEADER_NAME = re.compile(r"^[-A-Za-z0-9]+$")

_QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)


def is_dns1123_label(value: str) -> list[str]:
    errs = [max_len_error(63)] if len(value) > 63 else []
    if not _DNS1123_LABEL.match(value):
        if _DNS1123_SUBDOMAIN.match(value):
            errs.append("must not contain dots")
        else:
            errs.append(
                regex_error(
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                    "and must start and end with an alphanumeric character",
                    _DNS1123_LABEL_FMT,
                    "my-name",
                    "123-abc",
                )
            )
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    errs = [max_len_error(253)] if len(value) > 253 else []
    if not _DNS1123_SUBDOMAIN.match(value):
        errs.append(
            regex_error(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                "'-' or '.', and must start and end with an alphanumeric character",
                _DNS1123_SUBDOMAIN_FMT,
                "example.com",
            )
        )
    return errs


def is_namespace_name(value: str) -> list[str]:
    """graceroll's one rule for namespace names: an RFC 1123 label that may also hold upper-case
    letters. Upstream wants a lower-case label; BCS Mesos namespaces are free-form and
    case-sensitive (``defaultGroup``), and they must hold Services and every other kind too.
    Names stay case-sensitive: ``defaultGroup`` and ``defaultgroup`` are two namespaces."""
    errs = [max_len_error(63)] if len(value) > 63 else []
    if not _NAMESPACE.match(value):
        errs.append(
            regex_error(
                "a namespace name must consist of alphanumeric characters or '-', "
                "and must start and end with an alphanumeric character",
                _NAMESPACE_FMT,
                "my-name",
                "defaultGroup",
            )
        )
    return errs


def is_config_map_key(value: str) -> list[str]:
    """``IsConfigMapKey``: a ConfigMap or Secret key, which becomes a file name in a volume."""
    errs = [max_len_error(253)] if len(value) > 253 else []
    if not _CONFIG_MAP_KEY.match(value):
        errs.append(
            regex_error(
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                _CONFIG_MAP_KEY_FMT,
                "key.name",
                "KEY_NAME",
                "key-name",
            )
        )
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = [max_len_error(63)] if len(value) > 63 else []
    if not _DNS1035_LABEL.match(value):
        errs.append(
            regex_error(
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character",
                _DNS1035_LABEL_FMT,
                "my-name",
                "abc-123",
            )
        )
    return errs


def is_qualified_name(value: str) -> list[str]:
    """Label keys, annotation keys, finalizers, readiness gates: ``[prefix/]name``."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs += ["prefix part " + m for m in is_dns1123_subdomain(prefix)]
    else:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + max_len_error(63))
    if not _QUALIFIED_NAME.match(name):
        errs.append(
            "name part "
            + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def is_label_value(value: str) -> list[str]:
    errs = [max_len_error(63)] if len(value) > 63 else []
    if not _LABEL_VALUE.match(value):
        errs.append(
            regex_error(
                "a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character",
                _LABEL_VALUE_FMT,
                "MyValue",
                "my_value",
                "12345",
            )
        )
    return errs


def is_port_num(value: int) -> list[str]:
    return [] if 1 <= value <= 65535 else ["must be between 1 and 65535, inclusive"]


def is_port_name(value: str) -> list[str]:
    """An IANA_SVC_NAME: what ``containerPort`` names and named ``targetPort``s must be."""
    errs = [max_len_error(15)] if len(value) > 15 else []
    if not _PORT_NAME_CHARS.match(value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        errs.append("must contain at least one letter (a-z)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if value and (value[0] == "-" or value[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def is_percent(value: str) -> list[str]:
    if _PERCENT.match(value):
        return []
    return [
        regex_error(
            "a valid percent string must be a numeric string followed by an ending '%'",
            _PERCENT_FMT,
            "1%",
            "93%",
        )
    ]


def is_env_var_name(value: str) -> list[str]:
    """``IsRelaxedEnvVarName`` (the default since Kubernetes 1.34): printable ASCII except ``=``."""
    errs = ["environment variable name must be non-empty"] if not value else []
    if any(not (32 <= ord(ch) < 127) or ch == "=" for ch in value):
        errs.append(
            "a valid environment variable name must consist only of printable ASCII characters other than '='"
        )
    return errs


def is_http_header_name(value: str) -> list[str]:
    if _HTTP_HEADER_NAME.match(value):
        return []
    return [
        regex_error(
            "a valid HTTP header must consist of alphanumeric characters or '-'",
            "[-A-Za-z0-9]+",
            "X-Header-Name",
        )
    ]


def mask_generate_name(prefix: str) -> str:
    """A ``generateName`` prefix as the names made from it: a trailing '-' or '.' is followed by a suffix.

    Upstream's ``maskTrailingDash`` masks only '-'; graceroll's event recorder uses ``<object>.``
    prefixes (upstream recorders set full names instead), so '.' is masked too.
    """
    return prefix[:-1] + "a" if prefix.endswith(("-", ".")) else prefix


# --- field-level checks returning FieldErrors ----------------------------------------------------


def messages(path: str, value: object, msgs: list[str]) -> list[FieldError]:
    return [invalid(path, value, m) for m in msgs]


def non_negative(path: str, value: int | None) -> list[FieldError]:
    """``ValidateNonnegativeField``; an absent value is not checked."""
    return [invalid(path, value, NEGATIVE)] if value is not None and value < 0 else []


def label_map(path: str, value: Mapping[str, str] | None) -> list[FieldError]:
    """``ValidateLabels``: every error sits on the map's own path, the bad key or value as the value."""
    errs: list[FieldError] = []
    for k, v in (value or {}).items():
        errs += messages(path, k, is_qualified_name(k))
        errs += messages(path, v, is_label_value(v))
    return errs


def annotation_map(path: str, value: Mapping[str, str] | None) -> list[FieldError]:
    errs: list[FieldError] = []
    for k in value or {}:
        errs += messages(path, k, is_qualified_name(k.lower()))
    size = sum(len(k) + len(v) for k, v in (value or {}).items())
    if size > ANNOTATIONS_SIZE_LIMIT:
        errs.append(FieldError(path, "Too long", f"may not be more than {ANNOTATIONS_SIZE_LIMIT} bytes"))
    return errs


def port_num_or_name(path: str, value: int | str) -> list[FieldError]:
    """``ValidatePortNumOrName``: probe ports, targetPorts."""
    if isinstance(value, int):
        return messages(path, value, is_port_num(value))
    return messages(path, value, is_port_name(value))


def positive_int_or_percent(path: str, value: int | str | None) -> list[FieldError]:
    """``ValidatePositiveIntOrPercent`` (despite the name, zero is allowed)."""
    if isinstance(value, str):
        return messages(path, value, is_percent(value))
    return non_negative(path, value)


def int_or_percent_value(value: int | str | None) -> int:
    """``getIntOrPercentValue``: ``"25%"`` -> 25, ``3`` -> 3; anything unparsable counts as 0 (``Atoi``)."""
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        digits = value[:-1] if _PERCENT.match(value) else value
        return int(digits) if digits.isascii() and digits.isdigit() else 0
    return 0


def not_more_than_100_percent(path: str, value: int | str | None) -> list[FieldError]:
    if isinstance(value, str) and _PERCENT.match(value) and int(value[:-1]) > 100:
        return [invalid(path, value, "must not be greater than 100%")]
    return []


def name_errors(path: str, value: str, check: NameCheck) -> list[FieldError]:
    return messages(path, value, check(value))


def immutable(path: str, new: object, old: object) -> list[FieldError]:
    """``ValidateImmutableField`` with apimachinery's semantic equality: null and empty are the same."""
    return [] if _semantic(new) == _semantic(old) else [invalid(path, new, IMMUTABLE)]


def _semantic(v: object) -> object:
    if v == {} or v == []:
        return None
    if isinstance(v, dict):
        return {k: _semantic(x) for k, x in v.items() if x not in (None, {}, [])}
    if isinstance(v, list):
        return [_semantic(x) for x in v]
    return v


# --- label selectors (meta/v1/validation) --------------------------------------------------------


def label_selector(path: str, sel: Mapping[str, Any] | None) -> list[FieldError]:
    """``ValidateLabelSelector`` with label values checked strictly, as workload selectors are."""
    if sel is None:
        return []
    errs = label_map(f"{path}.matchLabels", sel.get("matchLabels"))
    for i, expr in enumerate(sel.get("matchExpressions") or ()):
        if isinstance(expr, dict):
            errs += _requirement(f"{path}.matchExpressions[{i}]", expr)
    return errs


def _requirement(path: str, expr: Mapping[str, Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    op, values = expr.get("operator"), expr.get("values") or []
    if op in ("In", "NotIn"):
        if not values:
            errs.append(required(f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errs.append(
                forbidden(
                    f"{path}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                )
            )
    else:
        errs.append(invalid(f"{path}.operator", op or "", "not a valid selector operator"))
    errs += messages(f"{path}.key", expr.get("key") or "", is_qualified_name(expr.get("key") or ""))
    for j, v in enumerate(values):
        if isinstance(v, str):
            errs += messages(f"{path}.values[{j}]", v, is_label_value(v))
    return errs


def selector_is_empty(sel: Mapping[str, Any]) -> bool:
    return not sel.get("matchLabels") and not sel.get("matchExpressions")


# --- ObjectMeta (apimachinery/pkg/api/validation/objectmeta.go) ----------------------------------

STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")


def object_meta(
    meta: Mapping[str, Any] | None, name_check: NameCheck, path: str = "metadata", *, namespaced: bool = True
) -> list[FieldError]:
    """``ValidateObjectMeta``; a namespaced kind needs a namespace (``namespaced=False``: none is checked).

    A missing name is fine when ``generateName`` is set: the store generates the name after
    admission (the API server does it before validation, so this is the same rule in another order).
    """
    meta = meta or {}
    errs: list[FieldError] = []
    gen = meta.get("generateName") or ""
    if gen:
        errs += messages(f"{path}.generateName", gen, name_check(mask_generate_name(gen)))
    name = meta.get("name") or ""
    if name:
        errs += messages(f"{path}.name", name, name_check(name))
    elif not gen:
        errs.append(required(f"{path}.name", "name or generateName is required"))
    ns = meta.get("namespace") or ""
    if not namespaced:
        pass
    elif not ns:
        errs.append(required(f"{path}.namespace"))
    else:
        errs += messages(f"{path}.namespace", ns, is_namespace_name(ns))
    errs += non_negative(f"{path}.generation", meta.get("generation"))
    errs += label_map(f"{path}.labels", meta.get("labels"))
    errs += annotation_map(f"{path}.annotations", meta.get("annotations"))
    errs += owner_references(f"{path}.ownerReferences", meta.get("ownerReferences"))
    for i, f in enumerate(meta.get("finalizers") or ()):
        if isinstance(f, str):
            errs += messages(f"{path}.finalizers[{i}]", f, is_qualified_name(f))
    return errs


def owner_references(path: str, refs: list[Any] | None) -> list[FieldError]:
    errs: list[FieldError] = []
    controller = ""
    for i, ref in enumerate(refs or ()):
        if not isinstance(ref, dict):
            continue
        p = f"{path}[{i}]"
        version = (ref.get("apiVersion") or "").rpartition("/")[2]
        if not version:
            errs.append(invalid(f"{p}.apiVersion", ref.get("apiVersion") or "", "version must not be empty"))
        for key in ("kind", "name", "uid"):
            if not ref.get(key):
                errs.append(invalid(f"{p}.{key}", ref.get(key) or "", f"{key} must not be empty"))
        if ref.get("controller"):
            this = f"{ref.get('kind', '')}/{ref.get('name', '')}"
            if controller:
                errs.append(
                    invalid(
                        path,
                        refs,
                        'Only one reference can have Controller set to true. Found "true" in references for '
                        f"{controller} and {this}",
                    )
                )
            else:
                controller = this
    return errs
