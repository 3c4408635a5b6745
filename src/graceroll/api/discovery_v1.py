"""Where a Service's traffic goes: ``v1`` Endpoints and ``discovery.k8s.io/v1`` EndpointSlice.

Both are written by graceroll's endpoints controller only (users may read them), so they get the
object-meta rules and nothing more. An EndpointSlice lists every pod that backs its Service with
the three conditions the service proxy acts on: ``ready`` (send it new work), ``serving`` (it
could still answer) and ``terminating`` (it is on its way out: never new work).
"""

from __future__ import annotations

from graceroll.api import field_checks as fc
from graceroll.api.core_v1 import default_object_meta
from graceroll.api.kinds import Kind, register
from graceroll.api.meta import Obj
from graceroll.errors import FieldError

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.graceroll.dev"


def _meta_only(obj: Obj) -> list[FieldError]:
    return fc.object_meta(obj.get("metadata"), fc.is_dns1123_subdomain)


ENDPOINTS = register(
    Kind("", "v1", "Endpoints", "endpoints", ("ep",), has_status=False, default=default_object_meta, validate=_meta_only)
)
ENDPOINT_SLICE = register(
    Kind(
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        "endpointslices",
        (),
        has_status=False,
        default=default_object_meta,
        validate=_meta_only,
    )
)
