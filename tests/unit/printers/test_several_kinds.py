"""``get all`` / ``get deploy,rs``: kubectl's order and its ``resource.group/name`` names."""

from __future__ import annotations

import graceroll.api.builtin
import graceroll.printers.builtin  # noqa: F401  (registers the tables)
from graceroll.cli.read_cmds import split_refs
from graceroll.printers.tables import render


def test_all_lists_pods_services_deployments_replicasets_in_kubectls_order() -> None:
    assert [k.kind for k, name in split_refs("all", [])] == ["Pod", "Service", "Deployment", "ReplicaSet"]


def test_several_kinds_name_each_object_by_resource_and_group() -> None:
    deploy = {"kind": "Deployment", "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 1}, "status": {}}
    service = {"kind": "Service", "metadata": {"name": "web", "namespace": "default"}, "spec": {"ports": []}}
    assert render([deploy], 0.0, with_kind=True).splitlines()[1].split()[0] == "deployment.apps/web"
    assert render([service], 0.0, with_kind=True).splitlines()[1].split()[0] == "service/web"
    assert render([deploy], 0.0).splitlines()[1].split()[0] == "web"
