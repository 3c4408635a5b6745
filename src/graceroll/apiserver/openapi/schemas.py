"""Component schemas of the served kinds, built from the kinds' own pydantic models.

The same models that validate a request (``api.structure``) are walked field by field: their
types become OpenAPI types and their docstrings the descriptions ``kubectl explain`` prints
(fields left free-form by a model are open objects). A kind registered without a model
(Endpoints, the BCS Mesos kinds) gets an open object schema: any field is accepted client-side and
the server's own checks decide.

Names follow upstream: ``io.k8s.api.apps.v1.Deployment``, ``io.k8s.apimachinery.pkg.apis.meta.v1
.ObjectMeta``; custom groups reverse their domain (``apps.kruise.io`` → ``io.kruise.apps.v1alpha1``).
Schemas are kept version-neutral here, a reference being ``{"$ref": <component name>}``;
``render`` makes them OpenAPI v2 or v3.
"""

from __future__ import annotations

import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from graceroll.api import kinds, structure
from graceroll.api.structure import IntOrString, ModelValidator

Obj = dict[str, Any]
Spec = Literal["v2", "v3"]
META = "io.k8s.apimachinery.pkg.apis.meta.v1"
CORE = "io.k8s.api.core.v1"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
STATUS = f"{META}.Status"
PATCH = f"{META}.Patch"
LIST_META = f"{META}.ListMeta"
SCALE = "io.k8s.api.autoscaling.v1.Scale"
META_MODELS = {structure.ObjectMeta, structure.OwnerReference, structure.LabelSelector, structure.LabelSelectorRequirement}
OPEN = {"x-kubernetes-preserve-unknown-fields": True}


def is_builtin(group: str) -> bool:
    """Groups the Kubernetes API server itself serves (they take strategic merge patches)."""
    return group == "" or "." not in group or group.endswith(".k8s.io")


def namespace(group: str, version: str) -> str:
    if is_builtin(group):
        return f"io.k8s.api.{group.split('.')[0] if group else 'core'}.{version}"
    return ".".join(reversed(group.split("."))) + f".{version}"


def gvk(kind: kinds.Kind, name: str | None = None) -> Obj:
    return {"group": kind.group, "kind": name or kind.kind, "version": kind.version}


def model_of(kind: kinds.Kind) -> type[BaseModel] | None:
    return kind.validate.model if isinstance(kind.validate, ModelValidator) else None


@dataclass
class Catalogue:
    """Every component, and the component of each kind."""

    schemas: dict[str, Obj] = field(default_factory=dict)
    roots: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (group, version, kind) -> name
    _names: dict[type[BaseModel], str] = field(default_factory=dict)
    _modules: dict[str, str] = field(default_factory=dict)  # python module -> OpenAPI namespace

    def root(self, kind: kinds.Kind) -> str:
        return self.roots[(kind.group, kind.version, kind.kind)]

    def reachable(self, names: Iterable[str]) -> dict[str, Obj]:
        """The components ``names`` refer to, transitively (a group version's document holds these)."""
        out: dict[str, Obj] = {}
        todo = list(names)
        while todo:
            name = todo.pop()
            if name in out:
                continue
            out[name] = self.schemas[name]
            todo += _refs(out[name])
        return dict(sorted(out.items()))


def catalogue(served: Iterable[kinds.Kind]) -> Catalogue:
    cat = Catalogue()
    served = list(served)
    for k in served:
        model = model_of(k)
        if model is not None:
            cat._modules.setdefault(model.__module__, namespace(k.group, k.version))
    cat.schemas[INT_OR_STRING] = {
        "description": "IntOrString is a type that can hold an int32 or a string: a number of pods, or a percentage such as \"25%\".",
        "type": "string",
        "format": "int-or-string",
    }
    cat.schemas[STATUS] = {"description": "Status is the answer of a failed request, and of a delete.", "type": "object", **OPEN}
    cat.schemas[PATCH] = {"description": "Patch is a JSON patch, a merge patch or a strategic merge patch.", "type": "object"}
    cat.schemas[LIST_META] = {"description": "ListMeta holds the resourceVersion a list was read at.", "type": "object", **OPEN}
    cat.schemas[SCALE] = {
        "description": "Scale represents a scaling request for a resource.",
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"replicas": {"type": "integer", "format": "int32"}}}},
        **OPEN,
        "x-kubernetes-group-version-kind": [{"group": "autoscaling", "kind": "Scale", "version": "v1"}],
    }
    for k in served:
        name = f"{namespace(k.group, k.version)}.{k.kind}"
        model = model_of(k)
        if model is None:
            schema: Obj = {
                "description": f"{k.kind} ({k.api_version}): its fields are checked by the server.",
                "type": "object",
                **OPEN,
            }
        else:
            schema = _Walker(cat).model_schema(model)
        schema["x-kubernetes-group-version-kind"] = [gvk(k)]
        _add(cat, name, schema)
        cat.roots[(k.group, k.version, k.kind)] = name
        _add(cat, f"{name}List", _list_schema(k, name))
    return cat


def _add(cat: Catalogue, name: str, schema: Obj) -> None:
    if name in cat.schemas and cat.schemas[name] != schema:
        raise ValueError(f"two different schemas are named {name}")
    cat.schemas[name] = schema


def _list_schema(k: kinds.Kind, item: str) -> Obj:
    return {
        "description": f"{k.kind}List is a list of {k.kind} objects.",
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": {"type": "string", "description": "APIVersion of the list."},
            "kind": {"type": "string", "description": "Kind of the list."},
            "items": {"type": "array", "items": {"$ref": item}, "description": f"The {k.plural}."},
            "metadata": {"$ref": LIST_META},
        },
        "x-kubernetes-group-version-kind": [gvk(k, f"{k.kind}List")],
    }


class _Walker:
    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat

    def model_schema(self, model: type[BaseModel]) -> Obj:
        props: Obj = {}
        for name, info in model.model_fields.items():
            prop = self.type_schema(info.annotation)
            if info.description:
                prop["description"] = " ".join(info.description.split())
            props[name] = prop
        schema: Obj = {"type": "object", "properties": props}
        doc = model.__dict__.get("__doc__")
        if doc:
            schema = {"description": " ".join(doc.split()), **schema}
        return schema

    def type_schema(self, annotation: Any) -> Obj:
        t = _optional(annotation)
        if t == IntOrString:
            return {"$ref": INT_OR_STRING}
        origin = get_origin(t)
        if origin is Annotated:
            return self.type_schema(get_args(t)[0])
        if origin in (Union, types.UnionType):
            return dict(OPEN)
        if isinstance(t, type) and issubclass(t, BaseModel):
            return {"$ref": self.component(t)}
        if origin is list:
            (item,) = get_args(t) or (Any,)
            return {"type": "array", "items": self.type_schema(item)}
        if origin is dict:
            value = get_args(t)[1] if get_args(t) else Any
            if value is Any:
                return {"type": "object", **OPEN}
            return {"type": "object", "additionalProperties": self.type_schema(value)}
        simple = {str: {"type": "string"}, bool: {"type": "boolean"}, int: {"type": "integer", "format": "int64"}, float: {"type": "number"}}
        if isinstance(t, type) and t in simple:
            return dict(simple[t])
        return dict(OPEN)  # Any: whatever the server's checks accept

    def component(self, model: type[BaseModel]) -> str:
        name = self.cat._names.get(model)
        if name is not None:
            return name
        if model in META_MODELS:
            ns = META
        else:
            ns = self.cat._modules.get(model.__module__, CORE)
        name = f"{ns}.{model.__name__}"
        self.cat._names[model] = name
        _add(self.cat, name, self.model_schema(model))
        return name


def _optional(t: Any) -> Any:
    """``X | None`` -> ``X``."""
    if get_origin(t) in (Union, types.UnionType):
        args = [a for a in get_args(t) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return t


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["$ref"]] if isinstance(value.get("$ref"), str) else []
        for v in value.values():
            found += _refs(v)
        return found
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def render(value: Any, spec: Spec) -> Any:
    """Version-neutral schemas as OpenAPI ``spec``: references become ``#/definitions/<name>`` (v2) or
    ``#/components/schemas/<name>`` (v3, where a reference with a description is an ``allOf``)."""
    if isinstance(value, list):
        return [render(v, spec) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: render(v, spec) for k, v in value.items() if k != "$ref"}
    if isinstance(value.get("$ref"), str):
        target = ("#/definitions/" if spec == "v2" else "#/components/schemas/") + value["$ref"]
        if spec == "v3" and out:
            return {"allOf": [{"$ref": target}], **out}
        return {"$ref": target, **out}
    return out
