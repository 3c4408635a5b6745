"""When an image change is a hot patch, and the image file the process re-reads on SIGHUP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graceroll.node.process.hotpatch import image_file, only_image_changed, requested, write_image_file

OLD = {"name": "app", "image": "game:v1", "env": [{"name": "A", "value": "1"}]}


@pytest.mark.parametrize(
    "annotations, expected",
    [
        pytest.param({"io.kubernetes.hotpatch.container": "true"}, True, id="true"),
        pytest.param({"io.kubernetes.hotpatch.container": "false"}, False, id="false"),
        pytest.param({"io.kubernetes.hotpatch.container": "True"}, False, id="only the exact value counts"),
        pytest.param(None, False, id="no annotations"),
    ],
)
def test_requested_only_by_the_annotation_true(annotations: dict[str, str] | None, expected: bool) -> None:
    assert requested({"metadata": {"name": "p", "annotations": annotations}}) is expected


@pytest.mark.parametrize(
    "new, expected",
    [
        pytest.param(OLD | {"image": "game:v2"}, True, id="image only"),
        pytest.param(OLD, False, id="nothing changed"),
        pytest.param(OLD | {"image": "game:v2", "env": []}, False, id="image and env"),
        pytest.param(OLD | {"args": ["x"]}, False, id="args only"),
    ],
)
def test_only_image_changed(new: dict[str, Any], expected: bool) -> None:
    assert only_image_changed(OLD, new) is expected


def test_image_file_is_replaced_whole_and_leaves_nothing_behind(tmp_path: Path) -> None:
    path = image_file(tmp_path / "pod", "app")
    assert path == tmp_path / "pod" / "images" / "app"
    write_image_file(path, "game:v1")
    write_image_file(path, "game:v2")
    assert path.read_text() == "game:v2\n"
    assert [p.name for p in path.parent.iterdir()] == ["app"]
