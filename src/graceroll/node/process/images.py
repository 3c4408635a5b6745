"""What an image reference runs on the local node.

The rule:

1. **An image directory.** If ``<data_dir>/images/<name>/<tag>/run`` exists, that executable file is
   the image's entrypoint and the directory is its default working directory. ``<name>`` keeps its
   slashes as subdirectories, the tag defaults to ``latest``, and a digest reference
   ``name@sha256:abc…`` looks in ``<name>/sha256-abc…``. For example
   ``registry.local:5000/shop/web:v2`` runs ``images/registry.local:5000/shop/web/v2/run``.
2. **Otherwise, the built-in demo server** ``python -m graceroll.demoapp`` runs. It serves HTTP on
   ``$POD_IP:$PORT`` (PORT is the container's first ``containerPort``, default 8080), with
   ``/healthz`` and ``/version`` (which answers the image reference). So any manifest runs, and
   ``nginx:1.25`` → ``nginx:1.26`` is a visible rollout.

The manifest's ``command`` replaces the entrypoint and drops the image's arguments; ``args``
replaces the arguments (Kubernetes semantics, see :func:`command_line`). Every container gets
``$GRACEROLL_PYTHON`` (the engine's interpreter), so a ``run`` script can start Python code that
imports graceroll, e.g. ``exec "$GRACEROLL_PYTHON" -m graceroll.demoapp``.

imageID: ``graceroll://<image>@sha256:<digest>``. For an image directory, the digest covers the
directory listing (each path, mode, size and modification time), so editing a file of the image
gives a new imageID. For the demo server it covers the command and the demo server's source.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graceroll.errors import GracerollError

DEMO_MODULE = "graceroll.demoapp"
ENTRYPOINT = "run"


class ImageError(GracerollError):
    """The image cannot be run; ``reason`` is the Kubernetes waiting reason shown in the pod status."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class ImageRef:
    name: str
    tag: str

    @staticmethod
    def parse(reference: str) -> ImageRef:
        """``name[:tag][@digest]``; a colon before the last slash belongs to a registry port."""
        name, _, digest = reference.partition("@")
        tag = "latest"
        colon, slash = name.rfind(":"), name.rfind("/")
        if colon > slash:
            name, tag = name[:colon], name[colon + 1 :]
        if digest:
            tag = digest.replace(":", "-")
        parts = name.split("/") + [tag]
        if not reference or any(p in ("", ".", "..") or "\0" in p for p in parts):
            raise ImageError("InvalidImageName", f'couldn\'t parse image reference "{reference}"')
        return ImageRef(name, tag)


@dataclass(frozen=True)
class ResolvedImage:
    reference: str
    entrypoint: tuple[str, ...]
    arguments: tuple[str, ...]
    working_dir: Path | None  # None: the pod directory
    image_id: str


def command_line(image: ResolvedImage, command: list[str] | None, args: list[str] | None) -> list[str]:
    """Kubernetes: ``command`` replaces the entrypoint (and drops the image's arguments), ``args``
    replaces the image's arguments; with neither, the image runs as built."""
    if command:
        return list(command) + list(args or [])
    return list(image.entrypoint) + (list(args) if args else list(image.arguments))


class ImageResolver:
    """Resolves image references against ``<data_dir>/images`` (see the module docstring)."""

    def __init__(self, data_dir: Path) -> None:
        self.images_dir = data_dir / "images"

    def resolve(self, reference: str) -> ResolvedImage:
        ref = ImageRef.parse(reference)
        directory = self.images_dir.joinpath(*ref.name.split("/"), ref.tag)
        entry = directory / ENTRYPOINT
        if entry.is_file():
            if not os.access(entry, os.X_OK):
                raise ImageError("ErrImagePull", f"image {reference}: {entry} is not executable")
            digest = directory_digest(directory)
            return ResolvedImage(reference, (str(entry),), (), directory, _image_id(reference, digest))
        return ResolvedImage(reference, demo_entrypoint(), (), None, _image_id(reference, demo_digest()))


def _image_id(reference: str, digest: str) -> str:
    return f"graceroll://{reference}@sha256:{digest}"


def demo_entrypoint() -> tuple[str, ...]:
    return (sys.executable, "-m", DEMO_MODULE)


@cache
def demo_digest() -> str:
    h = hashlib.sha256(json.dumps(demo_entrypoint()).encode())
    spec = importlib.util.find_spec(DEMO_MODULE)
    if spec is not None and spec.origin:
        h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()


def directory_digest(directory: Path) -> str:
    """sha256 over the sorted listing (path, mode, size, mtime) of every entry below ``directory``."""
    h = hashlib.sha256()
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(root, name)
            st = path.lstat()
            rel = path.relative_to(directory).as_posix()
            h.update(f"{rel}\0{st.st_mode:o}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()
