"""BCS HotPatchUpdate on the process node: how a running process learns that its image changed.

A pod annotated ``io.kubernetes.hotpatch.container: "true"`` whose container changes only its
``image`` keeps that container's process (see ``container``). Nothing can be swapped under a
running process here, so the process is told instead, in this order:

1. ``<pod_dir>/images/<container>`` (``$GRACEROLL_IMAGE_FILE``) is replaced with the new image
   reference (one line; replaced atomically, so a reader never sees half of it). The file is
   also written at every start of the container, so it always names the current image, whereas
   ``$GRACEROLL_IMAGE`` keeps the image the process was started with.
2. ``SIGHUP`` goes to the container's process group. The program reloads what it wants; its own
   code stays the same unless it re-executes itself. A program that does not handle SIGHUP is
   terminated by it (the default action) and restarted per ``restartPolicy``.
"""

from __future__ import annotations

import os
from pathlib import Path

from graceroll.api.meta import Obj
from graceroll.controllers.gamestatefulset.hotpatch import HOTPATCH_ANNOTATION

IMAGE_FILE_ENV = "GRACEROLL_IMAGE_FILE"


def requested(pod: Obj) -> bool:
    """The pod asks for image changes to be hot-patched rather than restarted."""
    return (pod["metadata"].get("annotations") or {}).get(HOTPATCH_ANNOTATION) == "true"


def only_image_changed(old: Obj, new: Obj) -> bool:
    """A hot patch swaps the image only; any other change to the container needs a restart."""
    return old.get("image") != new.get("image") and _without_image(old) == _without_image(new)


def image_file(pod_dir: Path, container: str) -> Path:
    """Outside ``root/``, so the app's working directory is not cluttered (container names are DNS labels)."""
    return pod_dir / "images" / container


def write_image_file(path: Path, reference: str) -> None:
    """Replace the file in one step: a process woken by SIGHUP reads the old or the new reference, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.new")
    partial.write_text(reference + "\n")
    os.replace(partial, path)


def _without_image(container: Obj) -> Obj:
    return {k: v for k, v in container.items() if k != "image"}
