"""bcs-client's v4 JSON loaded unchanged into the Mesos kinds; validation with field paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graceroll.api import bcs_mesos, kinds, loader
from graceroll.errors import ManifestError

SEED = Path(__file__).resolve().parents[3] / "examples" / "seed-003"


def raw(name: str = "test1-1-0.json") -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SEED / name).read_text())
    return doc


def load(doc: dict[str, Any], tmp: Path) -> dict[str, Any]:
    path = tmp / "d.json"
    path.write_text(json.dumps(doc))
    (obj,) = loader.load_path(str(path))
    return obj


def rolling(doc: dict[str, Any]) -> dict[str, Any]:
    ru: dict[str, Any] = doc["spec"]["strategy"]["rollingUpdate"]
    return ru


@pytest.mark.parametrize("name", ["test1-1-0.json", "test1-1-1.json"])
def test_the_seed_json_loads_unchanged(name: str) -> None:
    (d,) = loader.load_path(str(SEED / name))
    assert (d["apiVersion"], d["kind"], d["metadata"]["name"], d["metadata"]["namespace"]) == (
        "mesos.bcs.tencent.com/v4",
        "MesosDeployment",
        "test",
        "defaultGroup",
    )
    assert rolling(d) == {"maxUnavailable": 1, "maxSurge": 1, "upgradeDuration": 60, "rollingOrder": "CreateFirst", "rollingManually": False}
    # keys take the struct's spelling (Constraint.intersectionItem), values stay as written
    assert d["spec"]["constraint"] == {"intersectionItem": [{"unionData": [{"name": "InnerIP", "operate": "UNIQUE"}]}]}
    assert d["spec"]["template"] == raw(name)["spec"]["template"]


def load_warned(doc: dict[str, Any], tmp: Path) -> tuple[dict[str, Any], list[str]]:
    path = tmp / "d.json"
    path.write_text(json.dumps(doc, indent=2))
    said: list[str] = []
    (obj,) = loader.load_path(str(path), warn=said.append)
    return obj, [w.removeprefix(f"{path}:") for w in said]


def test_the_seed_has_no_unknown_key(tmp_path: Path) -> None:
    for name in ("test1-1-0.json", "test1-1-1.json"):
        assert load_warned(raw(name), tmp_path)[1] == []


def test_an_unknown_key_is_dropped_and_named_with_its_line_and_the_nearest_known_key(tmp_path: Path) -> None:
    """Go's decoder drops a key no struct field has, so a typo silently keeps the default;
    graceroll drops it too and says so (the document still applies)."""
    doc = raw()
    ru = doc["spec"]["strategy"]["rollingupdate"]
    ru["upgradeDuraton"] = ru.pop("upgradeDuration")
    doc["spec"]["template"]["spec"]["containers"][0]["imagePulPolicy"] = "Never"
    doc["restartPolicyy"] = {"policy": "Always"}
    d, said = load_warned(doc, tmp_path)
    assert rolling(d)["upgradeDuration"] == 0  # the default, as upstream
    assert "imagePulPolicy" not in d["spec"]["template"]["spec"]["containers"][0]
    lines = (tmp_path / "d.json").read_text().splitlines()
    by_text = {w.split(": ", 1)[1]: int(w.split(": ", 1)[0]) for w in said}
    assert by_text == {
        'unknown field "restartPolicyy" (did you mean "restartPolicy"?)': next(i for i, t in enumerate(lines, 1) if '"restartPolicyy"' in t),
        'unknown field "spec.strategy.rollingupdate.upgradeDuraton" (did you mean "upgradeDuration"?)': next(i for i, t in enumerate(lines, 1) if '"upgradeDuraton"' in t),
        'unknown field "spec.template.spec.containers[0].imagePulPolicy" (did you mean "imagePullPolicy"?)': next(
            i for i, t in enumerate(lines, 1) if '"imagePulPolicy"' in t
        ),
    }


def test_an_unknown_key_without_a_near_one_is_named_alone(tmp_path: Path) -> None:
    doc = raw()
    doc["spec"]["zzz"] = 1
    assert load_warned(doc, tmp_path)[1][0].endswith(': unknown field "spec.zzz"')


def test_keys_inside_the_template_match_whatever_their_case(tmp_path: Path) -> None:
    """``Containers`` and ``Image`` are the struct's ``containers`` and ``image`` to Go; the pod is made from them."""
    doc = raw()
    spec = doc["spec"]["template"]["spec"]
    spec["Containers"] = spec.pop("containers")
    spec["Containers"][0]["Image"] = spec["Containers"][0].pop("image")
    d, said = load_warned(doc, tmp_path)
    assert said == [] and d["spec"]["template"]["spec"]["containers"][0]["image"] == "hub.docker.com:xxxx/xxxxxx:v1.1.0"


def test_a_mesos_deployment_written_in_graceroll_shape_is_checked_against_its_own_fields(tmp_path: Path) -> None:
    (d,) = loader.load_path(str(SEED / "test1-1-0.json"))
    d["spec"]["strategy"]["rollingUpdate"]["maxSurg"] = 2
    d["spec"]["constraint"] = {"IntersectionItem": []}  # any case is a known key, kept as written
    pruned, unknown = bcs_mesos.unknown_in_deployment(d)
    assert [str(u) for u in unknown] == ['unknown field "spec.strategy.rollingUpdate.maxSurg" (did you mean "maxSurge"?)']
    assert "maxSurg" not in pruned["spec"]["strategy"]["rollingUpdate"] and pruned["spec"]["constraint"] == {"IntersectionItem": []}


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        pytest.param({"maxUnavailable": 3}, 3, id="the how-to's spelling is honoured"),
        pytest.param({"maxUnavilable": 2}, 2, id="the struct tag's spelling is read"),
        pytest.param({"maxUnavilable": 2, "maxUnavailable": 3}, 2, id="both: the struct tag's spelling wins, as in the original decoder"),
        pytest.param({"MAXUNAVILABLE": 4}, 4, id="any case"),
        pytest.param({}, 1, id="absent: 1"),
        pytest.param({"maxUnavailable": 0}, 1, id="0 becomes 1, as UpdateDeployment does"),
    ],
)
def test_max_unavailable_spellings(keys: dict[str, int], expected: int, tmp_path: Path) -> None:
    doc = raw()
    ru = doc["spec"]["strategy"]["rollingupdate"]
    ru.pop("maxUnavailable")
    ru.update(keys)
    assert rolling(load(doc, tmp_path))["maxUnavailable"] == expected


def test_keys_match_whatever_their_case(tmp_path: Path) -> None:
    doc = raw()
    doc["Spec"] = doc.pop("spec")
    doc["Spec"]["Strategy"] = doc["Spec"].pop("strategy")
    doc["Spec"]["Strategy"]["RollingUpdate"] = doc["Spec"]["Strategy"].pop("rollingupdate")
    doc["METADATA"] = doc.pop("metadata")
    d = load(doc, tmp_path)
    assert (d["metadata"]["name"], d["spec"]["instance"], rolling(d)["upgradeDuration"]) == ("test", 2, 60)


def test_the_namespace_defaults_to_default_group(tmp_path: Path) -> None:
    doc = raw()
    del doc["metadata"]["namespace"]
    assert load(doc, tmp_path)["metadata"]["namespace"] == "defaultGroup"


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    cur = doc
    for p in parents:
        cur = cur[int(p)] if isinstance(cur, list) else cur[p]
    if value is None:
        del cur[last]
    else:
        cur[last] = value


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        pytest.param("spec.instance", -1, "spec.instance: Invalid value: -1: must be greater than or equal to 0", id="negative instance"),
        pytest.param("spec.instance", "2", 'spec.instance: Invalid value: "2": must be an integer', id="instance as a string"),
        pytest.param("spec.instance", None, "spec.instance: Required value", id="no instance"),
        pytest.param(
            "spec.strategy.rollingupdate.rollingOrder",
            "Sideways",
            'spec.strategy.rollingupdate.rollingOrder: Unsupported value: "Sideways": supported values: "CreateFirst", "DeleteFirst"',
            id="unknown rolling order",
        ),
        pytest.param("spec.strategy.type", "Recreate", 'spec.strategy.type: Unsupported value: "Recreate"', id="only RollingUpdate runs on Mesos"),
        pytest.param("spec.strategy.rollingupdate.upgradeDuration", -5, "spec.strategy.rollingupdate.upgradeDuration: Invalid value: -5", id="negative duration"),
        pytest.param("spec.strategy.rollingupdate.rollingManually", "yes", "spec.strategy.rollingupdate.rollingManually: Invalid value", id="manual flag not a bool"),
        pytest.param("spec.template.spec.containers.0.image", None, "spec.template.spec.containers[0].image: Required value", id="container without image"),
        pytest.param("spec.template", None, "spec.template: Required value", id="neither a template nor a selector"),
        pytest.param("metadata.name", "Test_1", 'metadata.name: Invalid value: "Test_1"', id="name not a DNS label"),
        pytest.param(
            "spec.template.spec.containers.0.healthChecks",
            [{"type": "UDP"}],
            'spec.template.spec.containers[0].healthChecks[0].type: Unsupported value: "UDP": supported values: "COMMAND", "HTTP", "REMOTE_HTTP", "TCP", "REMOTE_TCP"',
            id="unknown health check type",
        ),
        pytest.param(
            "spec.template.spec.containers.0.healthChecks",
            [{"type": "HTTP", "http": {"path": "/"}}],
            "spec.template.spec.containers[0].healthChecks[0].http.port: Required value: a port number or portName",
            id="http check without a port",
        ),
        pytest.param(
            "spec.template.spec.containers.0.healthChecks",
            [{"type": "TCP", "tcp": {"portName": "admin"}}],
            'spec.template.spec.containers[0].healthChecks[0].tcp.portName: Invalid value: "admin": must be the name of one of the container\'s ports',
            id="tcp check naming a port the container does not have",
        ),
        pytest.param(
            "spec.template.spec.containers.0.healthChecks",
            [{"type": "COMMAND", "command": {"value": ""}}],
            "spec.template.spec.containers[0].healthChecks[0].command.value: Required value",
            id="command check without a command",
        ),
    ],
)
def test_bad_manifests_are_refused_with_field_paths(path: str, value: Any, error: str, tmp_path: Path) -> None:
    doc = raw()
    _set(doc, path, value)
    with pytest.raises(ManifestError) as e:
        load(doc, tmp_path)
    assert error in str(e.value)


def test_valid_health_checks_load(tmp_path: Path) -> None:
    doc = raw()
    checks = [{"type": "HTTP", "http": {"portName": "test-port", "path": "/"}}, {"type": "tcp", "tcp": {"port": 8888}}, {"type": "COMMAND", "command": {"value": "true"}}]
    doc["spec"]["template"]["spec"]["containers"][0]["healthChecks"] = checks
    assert load(doc, tmp_path)["spec"]["template"]["spec"]["containers"][0]["healthChecks"] == checks


def test_the_application_json_loads_as_an_application(tmp_path: Path) -> None:
    doc = raw()
    app = {"apiVersion": "v4", "kind": "application", "metadata": doc["metadata"], "Constraint": doc["constraint"], "spec": {"Instance": 1, "template": doc["spec"]["template"]}}
    a = load(app, tmp_path)
    assert (a["kind"], a["spec"]["instance"], a["metadata"]["namespace"]) == ("Application", 1, "defaultGroup")
    assert a["spec"]["constraint"]["intersectionItem"][0]["unionData"][0]["operate"] == "UNIQUE"


def test_deployment_keeps_meaning_the_kubernetes_one() -> None:
    assert kinds.resolve("deployment").kind == "Deployment"
    assert kinds.resolve("mdeploy").kind == kinds.resolve("mesosdeployment").kind == "MesosDeployment"
    assert kinds.resolve("app").kind == kinds.resolve("application").kind == "Application"


def stored(phase: str, order: str | None = "CreateFirst", **spec: Any) -> dict[str, Any]:
    rolling = {"rollingOrder": order} if order else {}
    return {"spec": {"instance": 2, "template": {"x": 1}, "strategy": {"type": "RollingUpdate", "rollingUpdate": rolling}} | spec, "status": {"phase": phase}}


NO_ORDER = (
    "spec.strategy.rollingupdate.rollingOrder: Required value: "
    "update strategy rolling order error: an update needs CreateFirst or DeleteFirst"
)


@pytest.mark.parametrize(
    ("old", "new", "errors"),
    [
        pytest.param(stored("Running"), stored("Running", instance=3), [], id="running: a change is an update or a scale"),
        pytest.param(stored("Update"), stored("Update"), [], id="updating: an annotation-only write (pause, cancel) is fine"),
        pytest.param(
            stored("UpdatePaused"),
            stored("UpdatePaused", instance=3),
            ["spec: Forbidden: deployment is not running, cannot update (status UpdatePaused: wait for the update to finish, or rollout cancel it)"],
            id="updating: no other update, no scale",
        ),
        pytest.param(stored("Running", None), stored("Running", None, template={"x": 2}), [NO_ORDER], id="an update without rollingOrder (upstream's reason)"),
        pytest.param(stored("Running", None), stored("Running", None, instance=3), [], id="a scale needs no rollingOrder"),
        pytest.param(stored("Running", None), stored("Running", None, killPolicy={"gracePeriod": 5}), [NO_ORDER], id="any change of what runs is an update"),
        pytest.param(
            stored("Running", None), stored("Running", None, template=None), [NO_ORDER, "spec.template: Required value: an update runs a new application from the template"], id="an update needs a template"
        ),
        pytest.param(stored("Running", None), stored("Running", "DeleteFirst", template={"x": 2}), [], id="the new rollingOrder is the one that counts"),
        pytest.param(
            stored("Running", selector={"a": "1"}),
            stored("Running", selector={"a": "2"}),
            ['spec.selector: Invalid value: {"a":"2"}: field is immutable'],
            id="the selector never changes",
        ),
    ],
)
def test_what_an_update_of_the_object_may_change(old: dict[str, Any], new: dict[str, Any], errors: list[str]) -> None:
    assert [str(e) for e in bcs_mesos.validate_deployment_update(new, old)] == errors
