"""Whether a template change is in-place-able, and what it changes (reference §3.1, §5.9 IS rows).

Origin: openkruise/kruise@v1.9.0:pkg/util/inplaceupdate/inplace_update_test.go
``TestCalculateInPlaceUpdateSpec`` (gate InPlaceUpdateEnvFromMetadata on). Revisions are given as
their templates; IS3's identical revision-object labels are therefore the same case as IS2.
"""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.inplace.spec import UpdateSpec, apply_metadata_patch, calculate


def template(image: str = "foo1", labels: dict[str, str] | None = None, finalizers: list[str] | None = None, env: list[Any] | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"name": "c1", "image": image}
    if env is not None:
        c["env"] = env
    md: dict[str, Any] = {}
    if labels is not None:
        md["labels"] = labels
    if finalizers is not None:
        md["finalizers"] = finalizers
    return {"metadata": md, "spec": {"containers": [c]}}


ENV_K = [{"name": "TEST_ENV", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['k']"}}}]

VECTORS = [
    pytest.param(None, template("foo2"), None, id="IS1 no old revision: not in place"),
    pytest.param(template(), template("foo2"), UpdateSpec("r", {"c1": "foo2"}), id="IS2 image only"),
    pytest.param(template(labels={"k": "v"}), template("foo2", labels={"k": "v"}), UpdateSpec("r", {"c1": "foo2"}), id="IS3 same labels on both"),
    pytest.param(
        template(labels={"k": "v"}),
        template("foo2", labels={"k": "v", "k1": "v1"}),
        UpdateSpec("r", {"c1": "foo2"}, meta_data_patch={"metadata": {"labels": {"k1": "v1"}}}),
        id="IS4 a new label is patched",
    ),
    pytest.param(
        template(labels={"k": "v"}, env=ENV_K),
        template("foo2", labels={"k": "v2", "k1": "v1"}, env=ENV_K),
        UpdateSpec(
            "r",
            {"c1": "foo2"},
            container_ref_metadata={"c1": {"labels": {"k": "v2"}}},
            meta_data_patch={"metadata": {"labels": {"k1": "v1"}}},
            update_env_from_metadata=True,
        ),
        id="IS5 a label read by env restarts its container",
    ),
    pytest.param(
        template(labels={"k": "v", "k2": "v2"}, finalizers=["fz1", "fz2"]),
        template("foo2", labels={"k": "v", "k1": "v1"}, finalizers=["fz2"]),
        UpdateSpec(
            "r",
            {"c1": "foo2"},
            meta_data_patch={"metadata": {"labels": {"k1": "v1", "k2": None}, "$deleteFromPrimitiveList/finalizers": ["fz1"]}},
        ),
        id="IS6 labels deleted and added, a finalizer removed",
    ),
    pytest.param(
        {"metadata": {}, "spec": {"name": "wrong-place", "containers": [{"image": "foo1"}]}},
        {"metadata": {}, "spec": {"name": "wrong-place", "containers": [{"image": "foo1", "env": [{"name": "A", "value": "1"}]}]}},
        None,
        id="IS7 malformed spec with an added env var",
    ),
]


@pytest.mark.parametrize(("old", "new", "want"), VECTORS)
def test_calculate_in_place_update_spec(old: dict[str, Any] | None, new: dict[str, Any], want: UpdateSpec | None) -> None:
    assert calculate(old, new, "r") == want


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda t: t["spec"]["containers"][0].update(env=[{"name": "A", "value": "1"}]), id="env added"),
        pytest.param(lambda t: t["spec"]["containers"][0].update(command=["sh"]), id="command added"),
        pytest.param(lambda t: t["spec"].update(initContainers=[{"name": "i", "image": "x"}]), id="init container"),
        pytest.param(lambda t: t["spec"]["containers"].append({"name": "c2", "image": "x"}), id="container added"),
    ],
)
def test_anything_but_images_under_spec_is_not_in_place(change: Any) -> None:
    new = template("foo2")
    change(new)
    assert calculate(template(), new, "r") is None


def test_grace_spec_json_is_upstreams() -> None:
    """TU6's annotation: ``{"revision":"rev_new","containerImages":{"c1":"foo2"},"graceSeconds":3630}``."""
    spec = UpdateSpec("rev_new", {"c1": "foo2"}, grace_seconds=3630)
    assert spec.to_json() == '{"revision":"rev_new","containerImages":{"c1":"foo2"},"graceSeconds":3630}'
    assert UpdateSpec.from_json(spec.to_json()) == spec


def test_metadata_patch_applies_labels_and_finalizers() -> None:
    meta: dict[str, Any] = {"labels": {"k": "v", "k2": "v2"}, "finalizers": ["fz1", "fz2"]}
    apply_metadata_patch(meta, {"metadata": {"labels": {"k1": "v1", "k2": None}, "$deleteFromPrimitiveList/finalizers": ["fz1"]}})
    assert meta == {"labels": {"k": "v", "k1": "v1"}, "finalizers": ["fz2"]}
