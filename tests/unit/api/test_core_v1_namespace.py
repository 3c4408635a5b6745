"""Namespaces: their name rule, initial status, and what holds a deleted one."""

from __future__ import annotations

from graceroll.api import kinds
from graceroll.api.admission import admit
from graceroll.api.core_v1_namespace import namespace_object
from graceroll.errors import Invalid
from graceroll.store import deletion


def test_a_namespace_is_cluster_scoped_labelled_with_its_name_and_may_be_a_bcs_name() -> None:
    ns = admit(dict(namespace_object("defaultGroup"), metadata={"name": "defaultGroup", "namespace": "x"}))
    assert "namespace" not in ns["metadata"] and ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "defaultGroup"}
    try:
        admit(namespace_object("shop.eu"))
    except Invalid as e:
        assert "a namespace name must consist of alphanumeric characters or '-'" in str(e)
    else:
        raise AssertionError("a dotted namespace name was admitted")


def test_a_created_namespace_is_active_and_held_by_kubernetes_until_finalized() -> None:
    info = kinds.by_kind("Namespace")
    ns = admit(namespace_object("shop"))
    assert info.on_create is not None
    info.on_create(ns)
    assert ns["status"] == {"phase": "Active"} and ns["spec"]["finalizers"] == ["kubernetes"]
    ns["metadata"].update(uid="u", resourceVersion="1")
    marked = deletion.plan(info, ns, None, "Background", 100.0).marked
    assert marked is not None and marked["status"]["phase"] == "Terminating" and marked["metadata"]["deletionTimestamp"]
    finalized = dict(marked, spec={"finalizers": []})
    assert deletion.plan(info, finalized, None, "Background", 101.0).remove


def test_an_update_keeps_the_finalizers_only_finalize_changes() -> None:
    old = admit(namespace_object("shop"))
    old["spec"] = {"finalizers": ["kubernetes"]}
    new = admit({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}, "spec": {"finalizers": []}}, old)
    assert new["spec"]["finalizers"] == ["kubernetes"]
