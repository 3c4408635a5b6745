"""The image rule: an image directory with an executable ``run``, else the demo server."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from graceroll.node.process.images import ImageError, ImageRef, ImageResolver, ResolvedImage, command_line


@pytest.mark.parametrize(
    "reference, name, tag",
    [
        pytest.param("app", "app", "latest", id="no tag means latest"),
        pytest.param("app:v2", "app", "v2", id="tag"),
        pytest.param("registry.local:5000/shop/web:v2", "registry.local:5000/shop/web", "v2", id="registry port is not a tag"),
        pytest.param("registry.local:5000/web", "registry.local:5000/web", "latest", id="registry port, no tag"),
        pytest.param("app:v1@sha256:abc", "app", "sha256-abc", id="a digest wins over the tag"),
    ],
)
def test_reference_parsing(reference: str, name: str, tag: str) -> None:
    assert ImageRef.parse(reference) == ImageRef(name, tag)


@pytest.mark.parametrize("reference", ["", "../etc:v1", "a//b", "app:.."])
def test_references_that_would_leave_the_images_directory_are_invalid(reference: str) -> None:
    with pytest.raises(ImageError) as e:
        ImageRef.parse(reference)
    assert e.value.reason == "InvalidImageName"


def make_image(data_dir: Path, name: str, tag: str, body: str = "#!/bin/sh\necho hi\n") -> Path:
    directory = data_dir / "images" / name / tag
    directory.mkdir(parents=True)
    run = directory / "run"
    run.write_text(body)
    run.chmod(0o755)
    return directory


def test_image_directory_runs_its_run_file_in_that_directory(tmp_path: Path) -> None:
    directory = make_image(tmp_path, "shop/web", "v2")
    image = ImageResolver(tmp_path).resolve("shop/web:v2")
    assert image.entrypoint == (str(directory / "run"),)
    assert image.working_dir == directory
    assert image.image_id.startswith("graceroll://shop/web:v2@sha256:")


def test_changing_a_file_of_the_image_changes_its_id(tmp_path: Path) -> None:
    directory = make_image(tmp_path, "web", "v1")
    resolver = ImageResolver(tmp_path)
    before = resolver.resolve("web:v1").image_id
    (directory / "app.py").write_text("print('v1')\n")
    assert resolver.resolve("web:v1").image_id != before


def test_unknown_images_run_the_demo_server(tmp_path: Path) -> None:
    image = ImageResolver(tmp_path).resolve("nginx:1.25")
    assert image.entrypoint == (sys.executable, "-m", "graceroll.demoapp")
    assert image.working_dir is None
    assert image.image_id != ImageResolver(tmp_path).resolve("nginx:1.26").image_id


def test_a_run_file_that_is_not_executable_is_an_error(tmp_path: Path) -> None:
    directory = make_image(tmp_path, "web", "v1")
    os.chmod(directory / "run", 0o644)
    with pytest.raises(ImageError) as e:
        ImageResolver(tmp_path).resolve("web:v1")
    assert e.value.reason == "ErrImagePull"


IMAGE = ResolvedImage("app", ("/img/run",), ("--serve",), None, "id")


@pytest.mark.parametrize(
    "command, args, argv",
    [
        pytest.param(None, None, ["/img/run", "--serve"], id="neither: the image as built"),
        pytest.param(["/bin/app"], None, ["/bin/app"], id="command drops the image's arguments"),
        pytest.param(None, ["--port", "1"], ["/img/run", "--port", "1"], id="args replace the image's arguments"),
        pytest.param(["/bin/app"], ["-v"], ["/bin/app", "-v"], id="both"),
    ],
)
def test_command_and_args_follow_kubernetes(command: list[str] | None, args: list[str] | None, argv: list[str]) -> None:
    assert command_line(IMAGE, command, args) == argv
