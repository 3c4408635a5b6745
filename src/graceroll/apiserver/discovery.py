"""Discovery documents (``/api``, ``/apis``, resource lists) built from the kind registry.

The review resources of ``kubectl auth`` (``reviews``) are listed too: they are served but stored nowhere.
"""

from __future__ import annotations

from typing import Any

from graceroll.api import kinds
from graceroll.apiserver import reviews, views

Obj = dict[str, Any]
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
# The ``all`` category of ``kubectl get all``, as upstream puts these kinds in it.
CATEGORIES: dict[str, list[str]] = {
    k: ["all"] for k in ("Pod", "Service", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob")
}


def api_versions() -> Obj:
    return {"kind": "APIVersions", "apiVersion": "v1", "versions": ["v1"], "serverAddressByClientCIDRs": []}


def _groups() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for group, version in [(k.group, k.version) for k in kinds.all_kinds()] + [(v.group, v.version) for v in views.VIEWS]:
        if group:
            versions = out.setdefault(group, [])
            if version not in versions:
                versions.append(version)
    for group, versions in reviews.discovery_groups().items():
        existing = out.setdefault(group, [])
        existing += [v for v in versions if v not in existing]
    return out


def api_group_list() -> Obj:
    groups = []
    for name, versions in sorted(_groups().items()):
        vs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
        groups.append({"name": name, "versions": vs, "preferredVersion": vs[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(group: str) -> Obj | None:
    versions = _groups().get(group)
    if versions is None:
        return None
    vs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": vs, "preferredVersion": vs[0]}


def resource_list(group: str, version: str) -> Obj | None:
    found = [k for k in kinds.all_kinds() if k.group == group and k.version == version]
    served = [v for v in views.VIEWS if v.group == group and v.version == version]
    resources: list[Obj] = reviews.discovery_resources(group, version) + [
        {"name": v.plural, "singularName": v.kind.lower(), "namespaced": True, "kind": v.kind, "verbs": VERBS, "shortNames": list(v.short_names)}
        for v in served
    ]
    if not found and not resources:
        return None
    for k in found:
        resources.append(
            {
                "name": k.plural,
                "singularName": k.kind.lower(),
                "namespaced": k.namespaced,
                "kind": k.kind,
                "verbs": VERBS,
                "shortNames": list(k.short_names),
                "categories": CATEGORIES.get(k.kind, []),
            }
        )
        if k.has_status:
            resources.append({"name": f"{k.plural}/status", "singularName": "", "namespaced": k.namespaced, "kind": k.kind, "verbs": ["get", "patch", "update"]})
        if k.replicas_field:
            resources.append(
                {
                    "name": f"{k.plural}/scale",
                    "singularName": "",
                    "namespaced": k.namespaced,
                    "group": "autoscaling",
                    "version": "v1",
                    "kind": "Scale",
                    "verbs": ["get", "patch", "update"],
                }
            )
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}" if group else version, "resources": resources}
