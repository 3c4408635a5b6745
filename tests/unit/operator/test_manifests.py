"""The operator's install manifests: well-formed, named from the kind registry, printer columns that
resolve on real statuses, and a ClusterRole that allows every request the controllers make."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import graceroll.printers  # noqa: F401  (registers the CloneSet and BCS tables)
from graceroll.api import canary_steps, kinds
from graceroll.api.admission import admit
from graceroll.api.meta import clone
from graceroll.cli.main import app
from graceroll.controllers.hookrun.fetch import Response
from graceroll.errors import UsageError
from graceroll.operator import crds, manifests
from graceroll.printers.tables import columns_for
from graceroll.verbs import rollout

from ..controllers.cloneset.harness import CloneSetCluster, cloneset
from ..controllers.gamestatefulset.harness import GSCluster, gsts, web_template
from .recording import Access, RecordedCluster

Obj = dict[str, Any]
NAMESPACE = "graceroll-system"
IMAGE = "registry.example.com/graceroll:0.1.0"
DOCS = manifests.render(NAMESPACE, IMAGE)
NAMESPACED = {"ServiceAccount", "Deployment"}


def of_kind(docs: list[Obj], kind: str) -> list[Obj]:
    return [d for d in docs if d["kind"] == kind]


def crd_names(docs: list[Obj]) -> list[str]:
    return [d["metadata"]["name"] for d in of_kind(docs, "CustomResourceDefinition")]


def granted(docs: list[Obj]) -> set[Access]:
    (role,) = of_kind(docs, "ClusterRole")
    return {Access(g, r, v) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]}


# ---- shape ---------------------------------------------------------------------------------------


def test_every_document_has_api_version_kind_and_name() -> None:
    for d in DOCS:
        assert d["apiVersion"] and d["kind"] and d["metadata"]["name"], d
        assert ("namespace" in d["metadata"]) == (d["kind"] in NAMESPACED), d["kind"]
        if d["kind"] in NAMESPACED:
            assert d["metadata"]["namespace"] == NAMESPACE


def test_documents_come_in_apply_order() -> None:
    assert [d["kind"] for d in DOCS] == [
        "Namespace",
        *["CustomResourceDefinition"] * 4,
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
    ]


def test_crds_follow_the_kind_registry() -> None:
    for d in of_kind(DOCS, "CustomResourceDefinition"):
        spec = d["spec"]
        k = kinds.by_kind(spec["names"]["kind"])
        assert d["metadata"]["name"] == f"{k.plural}.{k.group}"
        assert (spec["group"], spec["names"]["plural"], spec["scope"]) == (k.group, k.plural, "Namespaced")
        assert spec["names"].get("shortNames", []) == list(k.short_names)
        (version,) = spec["versions"]
        assert (version["name"], version["served"], version["storage"]) == (k.version, True, True)
        sub = version.get("subresources", {})
        assert ("scale" in sub) == k.scalable, k.kind
        assert ("status" in sub) == k.has_status, k.kind
        props = version["schema"]["openAPIV3Schema"]["properties"]
        spec_schema = dict(props["spec"])
        nested = spec_schema.pop("properties", None)
        assert spec_schema == {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        if k.kind in ("CloneSet", "GameStatefulSet"):  # the canary steps are spelled out, the rest stays open
            strategy = nested["updateStrategy"]
            assert strategy["x-kubernetes-preserve-unknown-fields"] is True
            assert strategy["properties"]["canary"]["properties"]["steps"] == canary_steps.steps_schema(k.kind == "CloneSet")
        else:
            assert nested is None
    assert crd_names(DOCS) == ["clonesets.apps.kruise.io", "hooktemplates.tkex.tencent.com", "hookruns.tkex.tencent.com", "gamestatefulsets.tkex.tencent.com"]


@pytest.mark.parametrize(
    ("controllers", "expected"),
    [
        (("gamestatefulset",), ["gamestatefulsets.tkex.tencent.com", "hooktemplates.tkex.tencent.com", "hookruns.tkex.tencent.com"]),
        (("gamestatefulset", "hookrun"), ["gamestatefulsets.tkex.tencent.com", "hooktemplates.tkex.tencent.com", "hookruns.tkex.tencent.com"]),
        (("hookrun",), ["hooktemplates.tkex.tencent.com", "hookruns.tkex.tencent.com"]),
        (("cloneset",), ["clonesets.apps.kruise.io", "hooktemplates.tkex.tencent.com", "hookruns.tkex.tencent.com"]),
    ],
)
def test_only_the_chosen_controllers_crds_are_rendered(controllers: tuple[str, ...], expected: list[str]) -> None:
    """Next to OpenKruise, ``--controllers gamestatefulset,hookrun`` leaves its CloneSet CRD alone."""
    assert crd_names(manifests.render(NAMESPACE, IMAGE, controllers)) == expected


@pytest.mark.parametrize("controllers", [(), ("cloneset", "deployment")])
def test_unknown_or_no_controllers_are_refused(controllers: tuple[str, ...]) -> None:
    with pytest.raises(UsageError, match="choose from cloneset,gamestatefulset,hookrun"):
        manifests.render(NAMESPACE, IMAGE, controllers)


def test_the_deployment_runs_the_chosen_controllers_alone_as_the_service_account() -> None:
    docs = manifests.render(NAMESPACE, IMAGE, ("gamestatefulset", "hookrun"))
    (sa,), (binding,), (deploy,) = (of_kind(docs, k) for k in ("ServiceAccount", "ClusterRoleBinding", "Deployment"))
    spec = deploy["spec"]
    assert spec["replicas"] == 1 and spec["strategy"] == {"type": "Recreate"}  # never two operators
    pod = spec["template"]["spec"]
    assert pod["serviceAccountName"] == sa["metadata"]["name"]
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    (container,) = pod["containers"]
    assert container["image"] == IMAGE
    assert container["args"] == ["operator", "run", "--in-cluster", "--controllers", "gamestatefulset,hookrun"]
    assert container["resources"]["requests"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": sa["metadata"]["name"], "namespace": NAMESPACE}]
    assert binding["roleRef"]["name"] == of_kind(docs, "ClusterRole")[0]["metadata"]["name"]


def test_the_user_matches_the_image() -> None:
    dockerfile = (Path(__file__).parents[3] / "deploy" / "Dockerfile").read_text()
    assert f"--uid {manifests.USER_ID} " in dockerfile and f"USER {manifests.USER_ID}:" in dockerfile


def test_the_documents_round_trip_through_the_kubernetes_models() -> None:
    """Offline schema check: the official client's typed models drop any field they do not know and
    refuse missing required ones, so a misspelt or misplaced field changes the round trip."""
    from kubernetes.client import ApiClient

    client = ApiClient()
    models = {
        "Namespace": "V1Namespace",
        "CustomResourceDefinition": "V1CustomResourceDefinition",
        "ServiceAccount": "V1ServiceAccount",
        "ClusterRole": "V1ClusterRole",
        "ClusterRoleBinding": "V1ClusterRoleBinding",
        "Deployment": "V1Deployment",
    }

    class Raw:
        def __init__(self, doc: Obj) -> None:
            self.data = json.dumps(doc)

    for d in DOCS:
        model = client.deserialize(Raw(d), models[d["kind"]])
        assert client.sanitize_for_serialization(model) == d, d["kind"]


def test_the_command_output_parses_with_kubectl_offline(tmp_path: Path) -> None:
    """``graceroll operator manifests`` as kubectl reads it. ``kubectl label --local`` needs no
    server; ``apply --dry-run=client`` does (discovery), so no schema check happens here."""
    kubectl = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("no kubectl")
    result = CliRunner().invoke(app, ["operator", "manifests", "-n", NAMESPACE, "--image", IMAGE])
    assert result.exit_code == 0, result.output
    path = tmp_path / "operator.yaml"
    path.write_text(result.stdout)
    out = subprocess.run(
        [kubectl, "label", "--local", "-f", str(path), "checked=yes", "-o", "name"],
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
        env={"KUBECONFIG": str(tmp_path / "none"), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [f"{kinds_qualified(d)}/{d['metadata']['name']}" for d in DOCS]


def kinds_qualified(doc: Obj) -> str:
    group = doc["apiVersion"].rpartition("/")[0]
    return f"{doc['kind'].lower()}.{group}" if group else doc["kind"].lower()


# ---- printer columns -----------------------------------------------------------------------------


def jsonpath(obj: Any, path: str) -> list[Any]:
    """The values a CRD column path (``.a.b[*].c``) selects."""
    found = [obj]
    for part in path.lstrip(".").split("."):
        name, _, index = part.partition("[")
        found = [o[name] for o in found if isinstance(o, dict) and name in o]
        if index == "*]":
            found = [x for o in found for x in o]
    return found


def cell(values: list[Any]) -> str:
    return ",".join(str(v) for v in values)


def complete_cloneset() -> Obj:
    c = CloneSetCluster()
    c.store.create(cloneset(replicas=3))
    assert c.run_until(lambda: c.snapshot().complete)
    return c.get()


def complete_gsts() -> Obj:
    c = GSCluster()
    c.store.create(gsts(replicas=3))
    assert c.run_until(lambda: c.snapshot().complete)
    return c.get()


def finished_hookrun() -> Obj:
    c = GSCluster()
    metric = {"name": "ok", "successCondition": "result == 'true'", "provider": {"web": {"url": "http://check/", "jsonPath": "{$.ok}"}}}
    run = {"apiVersion": "tkex.tencent.com/v1alpha1", "kind": "HookRun", "metadata": {"name": "r", "namespace": "default"}, "spec": {"metrics": [metric]}}
    c.fetcher.respond("http://check/", Response(200, json.dumps({"ok": True})))
    c.store.create(admit(run))
    c.manager.run_pending()
    finished = c.store.get("HookRun", "default", "r")
    assert finished["status"]["phase"] == "Successful"
    return finished


@pytest.mark.parametrize("make", [complete_cloneset, complete_gsts, finished_hookrun])
def test_printer_columns_are_graceroll_tables_and_resolve_on_a_real_status(make: Callable[[], Obj]) -> None:
    obj = make()
    columns = crds.COLUMNS[obj["kind"]]
    normal, wide = columns_for(obj["kind"])
    assert [h for h, _ in normal] == ["NAME"] + [c.name for c in columns if c.priority == 0]
    assert [h for h, _ in wide] == [c.name for c in columns if c.priority == 1]
    printed = {h: fn(obj, 0.0) for h, fn in (*normal, *wide)}
    for c in columns:
        values = jsonpath(obj, c.json_path)
        assert values, f"{obj['kind']} {c.name}: {c.json_path} selects nothing"
        if c.type == "date":
            assert values == [obj["metadata"]["creationTimestamp"]]
            continue
        assert all(isinstance(v, int) for v in values) == (c.type == "integer"), c.name
        assert cell(values) == printed[c.name], c.name


@pytest.mark.parametrize("make", [complete_cloneset, complete_gsts])
def test_scale_subresource_paths_resolve_on_a_real_status(make: Callable[[], Obj]) -> None:
    obj = make()
    (d,) = [d for d in DOCS if d["kind"] == "CustomResourceDefinition" and d["spec"]["names"]["kind"] == obj["kind"]]
    scale = d["spec"]["versions"][0]["subresources"]["scale"]
    assert jsonpath(obj, scale["specReplicasPath"]) == [3]
    assert jsonpath(obj, scale["statusReplicasPath"]) == [3]
    assert jsonpath(obj, scale["labelSelectorPath"]) == [f"app={obj['metadata']['name']}"]


# ---- RBAC: every request the controllers make is allowed ----------------------------------------


def edit(c: RecordedCluster, kind: str, name: str, change: Callable[[Obj], None]) -> None:
    """A user's edit (admitted as the API server would), then let the controllers settle."""
    old = c.store.get(kind, "default", name)
    new = clone(old)
    change(new)
    c.store.update(admit(new, old))
    c.manager.run_pending()


def set_image(image: str) -> Callable[[Obj], None]:
    def change(obj: Obj) -> None:
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = image

    return change


def set_env(value: str) -> Callable[[Obj], None]:
    def change(obj: Obj) -> None:
        obj["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "X", "value": value}]

    return change


def cloneset_lifecycle(c: RecordedCluster) -> None:
    """Create, update in place, go back (an old revision renumbered), recreate (history pruned),
    scale in by ``podsToDelete`` (pruned from the spec once gone)."""
    c.store.create(cloneset(name="web", replicas=3))

    def done() -> bool:
        return bool(c.store.get("CloneSet", "default", "web")["status"].get("updatedReadyReplicas") == 3)

    for change in (set_image("app:v2"), set_image("app:v1"), lambda cs: cs["spec"].update(revisionHistoryLimit=0), set_env("1")):
        edit(c, "CloneSet", "web", change)
        assert c.run_until(done)
    victim = min(p["metadata"]["name"] for p in c.store.list("Pod") if p["metadata"]["name"].startswith("web-"))
    edit(c, "CloneSet", "web", lambda cs: cs["spec"].update(replicas=2, scaleStrategy={"podsToDelete": [victim]}))
    assert c.run_until(lambda: c.store.get("CloneSet", "default", "web")["spec"]["scaleStrategy"]["podsToDelete"] == [])


def gsts_lifecycle(c: RecordedCluster) -> None:
    """Claims, in-place updates behind pre- and post-inplace hooks that annotate the pod (the
    ``kubernetes`` provider), canary steps with a pause and a hook step, a rollback, pruned history."""
    mark = {
        "name": "mark",
        "provider": {"kubernetes": {"function": "patch", "fields": [{"path": "metadata.annotations.example.com/drained", "value": "true"}]}},
    }
    c.store.create(
        admit(
            {
                "apiVersion": "tkex.tencent.com/v1alpha1",
                "kind": "HookTemplate",
                "metadata": {"name": "mark", "namespace": "default"},
                "spec": {"args": [{"name": "PodName"}, {"name": "PodNamespace"}], "metrics": [mark]},
            }
        )
    )
    step_check = web_template("check", url="http://check/")
    step_check["spec"]["args"] = []
    c.store.create(step_check)
    c.fetcher.respond("http://check/", Response(200, json.dumps({"ok": True})))
    claim = {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
    hook = {"hook": {"templateName": "mark"}}
    steps = [{"partition": 2}, {"pause": {}}, {"hook": {"templateName": "check"}}, {"partition": 0}]
    c.store.create(
        gsts(name="gs", replicas=3, policy="Parallel", max_unavailable=3, steps=steps, volumeClaimTemplates=[claim], preInplaceUpdateStrategy=hook, postInplaceUpdateStrategy=hook)
    )

    def settled() -> bool:
        gs = c.store.get("GameStatefulSet", "default", "gs")
        st = gs.get("status") or {}
        return st.get("updatedReadyReplicas") == 3 and st.get("currentStepIndex") == len(steps) and st.get("observedGeneration") == gs["metadata"]["generation"]

    assert c.run_until(settled)
    for change in (set_image("app:v2"), set_image("app:v1"), lambda gs: gs["spec"].update(revisionHistoryLimit=0), set_image("app:v3")):
        edit(c, "GameStatefulSet", "gs", change)
        while not c.run_until(settled, limit=c.now + 120):
            rollout.resume(c.store, "gamestatefulset", "gs")  # the pause step
    annotations = c.store.get("Pod", "default", "gs-0")["metadata"].get("annotations") or {}
    assert annotations.get("example.com/drained") == "true"
    assert len(c.store.list("PersistentVolumeClaim")) == 3


@pytest.fixture(scope="module")
def recorded() -> dict[str, set[Access]]:
    c = RecordedCluster()
    cloneset_lifecycle(c)
    gsts_lifecycle(c)
    return {name: r.accesses for name, r in c.recorders.items()}


@pytest.mark.parametrize("controller", manifests.CONTROLLERS)
def test_the_role_allows_every_request_the_controller_makes(recorded: dict[str, set[Access]], controller: str) -> None:
    """Each controller alone, against the role rendered for it alone."""
    assert recorded[controller], "the scenario exercised nothing"
    assert sorted(recorded[controller] - granted(manifests.render(NAMESPACE, IMAGE, (controller,)))) == []


def test_the_role_grants_nothing_the_controllers_never_use(recorded: dict[str, set[Access]]) -> None:
    """Beyond what the runs recorded, only ``get`` where ``list`` is granted (it reveals nothing
    more) and the HookRun update that stops a canary hook step's run (``spec.terminate``)."""
    rules = granted(DOCS)
    unused = rules - set().union(*recorded.values())
    listable = {(a.group, a.resource) for a in rules if a.verb == "list"}
    assert sorted(a for a in unused if not (a.verb == "get" and (a.group, a.resource) in listable)) == [
        Access("tkex.tencent.com", "hookruns", "update")
    ]


def test_the_scenarios_reach_the_kubernetes_provider_and_the_finalizers_rule(recorded: dict[str, set[Access]]) -> None:
    assert {Access("", "pods", "get"), Access("", "pods", "update")} <= recorded["hookrun"]  # the kubernetes provider
    assert Access("tkex.tencent.com", "gamestatefulsets/finalizers", "update") in recorded["gamestatefulset"]
    assert Access("apps.kruise.io", "clonesets/finalizers", "update") in recorded["cloneset"]
    assert Access("", "persistentvolumeclaims", "create") in recorded["gamestatefulset"]
