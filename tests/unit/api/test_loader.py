"""Manifest loading: documents, lists, directories, stdin, and errors with file:line."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graceroll.api import kinds, loader
from graceroll.api.meta import Obj
from graceroll.errors import ManifestError

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: web:v1
        ports:
        - containerPort: 8080
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
"""


def problems(text: str, source: str = "m.yaml") -> list[str]:
    with pytest.raises(ManifestError) as info:
        loader.load_text(text, source)
    return [str(c) for c in info.value.causes]


def only_plain(v: Any) -> bool:
    if isinstance(v, dict):
        return type(v) is dict and all(type(k) is str and only_plain(x) for k, x in v.items())
    if isinstance(v, list):
        return type(v) is list and all(only_plain(x) for x in v)
    return v is None or type(v) in (str, int, float, bool)


# --- what loads ----------------------------------------------------------------------------------


def test_multi_document_yaml_loads_admitted_plain_objects_in_order() -> None:
    objs = loader.load_text(f"# two objects\n---\n{DEPLOYMENT}---\n{SERVICE}")
    assert [(o["kind"], o["metadata"]["name"]) for o in objs] == [("Deployment", "web"), ("Service", "web")]
    d = objs[0]
    assert d["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": "25%", "maxSurge": "25%"}
    assert d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert list(d["metadata"]) == ["name", "labels", "namespace"]  # written order first, defaults after
    assert list(d["spec"])[:3] == ["replicas", "selector", "template"]
    assert all(only_plain(o) for o in objs)


def test_empty_documents_are_skipped() -> None:
    assert loader.load_text("---\n---\n# nothing\n...\n") == []
    assert len(loader.load_text(f"---\n\n---\n{SERVICE}---\n")) == 1


def test_yaml_scalars_become_plain_values() -> None:
    text = SERVICE + "  sessionAffinity: ClientIP\n"
    text = text.replace(
        "metadata:\n",
        "metadata:\n  creationTimestamp: 2026-01-02T03:04:05Z\n  annotations: {note: '0x10', n: \"yes\"}\n",
    )
    obj = loader.load_text(text)[0]
    assert obj["metadata"]["creationTimestamp"] == "2026-01-02T03:04:05Z"
    assert obj["metadata"]["annotations"] == {"note": "0x10", "n": "yes"}
    assert only_plain(obj)


def test_a_json_object_loads() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"ports": [{"port": 80}]},
    }
    assert loader.load_text(json.dumps(obj, indent=2), "svc.json")[0]["spec"]["ports"][0]["targetPort"] == 80


def test_lists_are_flattened_in_yaml_and_json() -> None:
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "a"},
        "spec": {"ports": [{"port": 80}]},
    }
    items = [svc, svc | {"metadata": {"name": "b"}}]
    as_json = json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
    assert [o["metadata"]["name"] for o in loader.load_text(as_json)] == ["a", "b"]
    as_yaml = "apiVersion: v1\nkind: List\nitems:\n" + "".join(f"- {json.dumps(i)}\n" for i in items)
    assert [o["metadata"]["name"] for o in loader.load_text(as_yaml)] == ["a", "b"]
    typed = json.dumps({"apiVersion": "v1", "kind": "ServiceList", "items": items})
    assert len(loader.load_text(typed)) == 2


def test_a_json_stream_loads_every_object() -> None:
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "a"},
        "spec": {"ports": [{"port": 80}]},
    }
    text = json.dumps(svc) + "\n" + json.dumps(svc | {"metadata": {"name": "b"}})
    assert [o["metadata"]["name"] for o in loader.load_text(text)] == ["a", "b"]


def test_a_yaml_flow_mapping_is_not_mistaken_for_json() -> None:
    text = "{apiVersion: v1, kind: Service, metadata: {name: a}, spec: {ports: [{port: 80}]}}\n"
    assert loader.load_text(text)[0]["metadata"]["name"] == "a"


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    f = tmp_path / "svc.json"
    f.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "a"},
                "spec": {"ports": [{"port": 80}]},
            }
        ).encode()
    )
    assert loader.load_path(str(f))[0]["kind"] == "Service"


def test_a_directory_loads_its_manifests_sorted(tmp_path: Path) -> None:
    (tmp_path / "b-service.yml").write_text(SERVICE)
    (tmp_path / "a-deploy.yaml").write_text(DEPLOYMENT)
    (tmp_path / "c.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": []}))
    (tmp_path / "notes.txt").write_text("not a manifest")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.yaml").write_text("kind: Nope")
    assert [o["kind"] for o in loader.load_path(str(tmp_path))] == ["Deployment", "Service"]


def test_a_file_path(tmp_path: Path) -> None:
    f = tmp_path / "web.yaml"
    f.write_text(DEPLOYMENT)
    assert loader.load_path(str(f))[0]["metadata"]["name"] == "web"


def test_dash_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(SERVICE))
    assert loader.load_path("-")[0]["kind"] == "Service"


# --- what does not, and where --------------------------------------------------------------------


def test_errors_carry_file_and_line_of_the_offending_key() -> None:
    text = DEPLOYMENT.replace("  replicas: 3\n", "  replicas: three\n").replace(
        "        image: web:v1\n", "        image: web:v1\n        imagePullPolicyy: Always\n"
    )
    assert problems(text, "web.yaml") == [
        'web.yaml:7: spec.replicas: Invalid value: "three": expected integer, got string',
        'web.yaml:17: spec.template.spec.containers[0].imagePullPolicyy: Forbidden: unknown field "imagePullPolicyy"',
    ]


def test_a_missing_field_points_at_its_nearest_parent() -> None:
    text = DEPLOYMENT.replace("        image: web:v1\n", "")
    assert problems(text) == ["m.yaml:15: spec.template.spec.containers[0].image: Required value"]
    no_meta = "apiVersion: v1\nkind: Service\nspec:\n  ports: [{port: 80}]\n"
    assert problems("# header\n" + no_meta) == [
        "m.yaml:2: metadata.name: Required value: name or generateName is required"
    ]


def test_every_problem_of_every_document_is_reported_together() -> None:
    bad_deploy = DEPLOYMENT.replace("{app: web}\n  template", "{app: api}\n  template")
    bad_service = SERVICE.replace("  - port: 80\n", "  - port: 0\n")
    documents = [
        bad_deploy,
        "apiVersion: apps/v1\nkind: Deploymnet\n",
        "key: [unclosed\n",
        "- a list\n",
        bad_service,
    ]
    text = "\n---\n".join(documents)
    assert problems(text) == [
        'm.yaml:12: spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
        'm.yaml:22: kind: Unsupported value: "Deploymnet": no matches for kind "Deploymnet" in version "apps/v1"',
        (
            "m.yaml:25: manifest: Invalid value: YAML syntax error: while parsing a flow sequence "
            "expected ',' or ']', but got '<stream end>'"
        ),
        "m.yaml:28: manifest: Invalid value: a manifest must be an object with apiVersion and kind, not an array",
        "m.yaml:38: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "kind: Service\nmetadata: {name: a}\n",
            ["m.yaml:1: apiVersion: Required value"],
            id="no apiVersion",
        ),
        pytest.param(
            "apiVersion: v1\nmetadata: {name: a}\n", ["m.yaml:1: kind: Required value"], id="no kind"
        ),
        pytest.param(
            "apiVersion: apps/v1beta1\nkind: Deployment\n",
            [
                'm.yaml:2: kind: Unsupported value: "Deployment": no matches for kind "Deployment" in version "apps/v1beta1"'
            ],
            id="kind in the wrong version",
        ),
        pytest.param(
            "apiVersion: v1\nkind: 3\n",
            ["m.yaml:2: kind: Invalid value: 3: expected string"],
            id="kind not a string",
        ),
        pytest.param(
            "a: b: c\n",
            ["m.yaml:1: manifest: Invalid value: YAML syntax error: mapping values are not allowed here"],
            id="yaml syntax error",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Service\nkind: Pod\n",
            [
                (
                    "m.yaml:3: manifest: Invalid value: YAML syntax error: while constructing a mapping "
                    'found duplicate key "kind" with value "Pod" (original value: "Service")'
                )
            ],
            id="duplicate key",
        ),
        pytest.param(
            "just a string\n",
            [
                "m.yaml:1: manifest: Invalid value: a manifest must be an object with apiVersion and kind, not a str"
            ],
            id="scalar",
        ),
        pytest.param(
            '{"apiVersion": "v1", "kind": "List", "items": [\n  {"kind": "Service"},\n  7\n]}\n',
            [
                "m.yaml:2: apiVersion: Required value",
                "m.yaml:3: items[1]: Invalid value: a list item must be an object with apiVersion and kind",
            ],
            id="bad list items",
        ),
    ],
)
def test_document_problem(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_a_json_file_must_be_json() -> None:
    text = '{"apiVersion": "v1",\n "kind": "Service",\n "metadata": {"name": "a"}, }\n'
    assert problems(text, "m.json") == [
        "m.json:3: manifest: Invalid value: JSON syntax error: Expecting property name enclosed in double quotes"
    ]


def test_json_errors_have_lines_too() -> None:
    text = '{\n  "apiVersion": "v1",\n  "kind": "Service",\n  "metadata": {"name": "web"},\n  "spec": {\n    "ports": [{"port": 80, "nodePorts": 1}]\n  }\n}\n'
    assert problems(text, "svc.json") == [
        'svc.json:6: spec.ports[0].nodePorts: Forbidden: unknown field "nodePorts"'
    ]


def test_list_item_errors_point_into_the_item() -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n  spec:\n    ports: [{port: -1}]\n"
    assert problems(text) == [
        "m.yaml:8: spec.ports[0].port: Invalid value: -1: must be between 1 and 65535, inclusive"
    ]


def test_problems_of_several_files_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SERVICE.replace("port: 80", "port: 80000"))
    (tmp_path / "b.yaml").write_text(DEPLOYMENT)
    (tmp_path / "c.json").write_text("{")
    with pytest.raises(ManifestError) as info:
        loader.load_path(str(tmp_path))
    assert [c.source for c in info.value.causes] == [f"{tmp_path}/a.yaml:8", f"{tmp_path}/c.json:1"]


def test_a_missing_file_is_a_manifest_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as info:
        loader.load_path(str(tmp_path / "nope.yaml"))
    assert (
        str(info.value)
        == f"{tmp_path}/nope.yaml: manifest: Invalid value: cannot read: No such file or directory"
    )


def test_an_unexpected_failure_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(obj: Obj) -> list[Any]:
        raise RuntimeError("boom")

    service = kinds.by_kind("Service")
    monkeypatch.setitem(kinds._BY_KIND, "Service", type(service)(**{**service.__dict__, "validate": broken}))
    assert problems(SERVICE) == ["m.yaml:1: manifest: Internal error: RuntimeError: boom"]


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 70000)
    | st.floats(allow_nan=False)
    | st.sampled_from(["", "x", "25%", "Always", "-"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["name", "image", "port", "spec", "x", "httpGet", "containers"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=8,
)
_SPOTS: list[tuple[str | int, ...]] = [
    (),
    ("spec",),
    ("spec", "strategy"),
    ("spec", "strategy", "rollingUpdate"),
    ("spec", "selector"),
    ("spec", "template"),
    ("spec", "template", "spec"),
    ("spec", "template", "spec", "containers", 0),
    ("spec", "template", "spec", "containers", 0, "ports", 0),
    ("metadata",),
    ("metadata", "labels"),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spot=st.sampled_from(_SPOTS),
    key=st.sampled_from(
        [
            "spec",
            "metadata",
            "replicas",
            "containers",
            "labels",
            "rollingUpdate",
            "maxSurge",
            "type",
            "name",
            "ports",
            "x",
        ]
    ),
    value=_json,
)
def test_no_input_escapes_as_anything_but_a_manifest_error(
    spot: tuple[str | int, ...], key: str, value: Any
) -> None:
    obj = loader.load_text(DEPLOYMENT)[0]
    node: Any = obj
    for part in spot:
        node = node[part]
    node[key] = value
    try:
        loader.load_text(json.dumps(obj), "fuzz.json")
    except ManifestError as e:
        assert all(c.source.startswith("fuzz.json:") for c in e.causes)
        assert all(c.type != "Internal error" for c in e.causes), e


def test_yaml_integers_with_a_leading_zero_are_octal_as_kubernetes_reads_them() -> None:
    from graceroll.api.loader import load_text

    [pod] = load_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        "  volumes: [{name: a, secret: {secretName: x, defaultMode: 0400}}]\n"
        "  containers: [{name: a, image: b, ports: [{containerPort: 8080}]}]\n"
    )
    assert pod["spec"]["volumes"][0]["secret"]["defaultMode"] == 0o400
    assert pod["spec"]["containers"][0]["ports"][0]["containerPort"] == 8080
