"""Writing a volume's files so that readers never see half of an update (the kubelet's AtomicWriter).

Layout of a ``configMap`` or ``secret`` volume directory (``pkg/volume/util/atomic_writer.go``)::

    ..<token>/          the files of one version (with their modes and subdirectories)
    ..data -> ..<token> the current version
    key -> ..data/key   one link per top-level name, what the app opens

An update writes a new version directory, points ``..data_tmp`` at it and renames that over
``..data`` (``rename(2)`` is atomic), then adds the links of new names, removes those of names
that are gone and removes the old version. An app that opens ``key`` sees the old file or the new
one, never a mix; one that watches ``..data`` sees one change per update.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

from graceroll.node.process.config_refs import File

DATA = "..data"
DATA_TMP = "..data_tmp"


def current(volume_dir: Path) -> dict[str, File] | None:
    """The files of the version ``..data`` points at, or None when there is none."""
    data = volume_dir / DATA
    if not data.is_symlink():
        return None
    root = volume_dir / os.readlink(data)
    out: dict[str, File] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[str(path.relative_to(root))] = File(path.read_bytes(), path.stat().st_mode & 0o7777)
    return out


def write(volume_dir: Path, files: Mapping[str, File]) -> bool:
    """Make ``files`` the volume's contents; False when they already were (nothing is touched)."""
    volume_dir.mkdir(parents=True, exist_ok=True)
    if current(volume_dir) == dict(files):
        return False
    old = os.readlink(volume_dir / DATA) if (volume_dir / DATA).is_symlink() else None
    version = f"..{secrets.token_hex(8)}"
    root = volume_dir / version
    root.mkdir(mode=0o755)
    for rel, f in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f.data)
        os.chmod(path, f.mode)
    tmp = volume_dir / DATA_TMP
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(version)
    os.replace(tmp, volume_dir / DATA)
    wanted = {rel.split("/", 1)[0] for rel in files}
    for name in wanted:
        link = volume_dir / name
        if not link.is_symlink():
            link.symlink_to(f"{DATA}/{name}")
    for entry in volume_dir.iterdir():
        if not entry.name.startswith("..") and entry.name not in wanted and entry.is_symlink():
            entry.unlink()
    if old is not None and old != version:
        shutil.rmtree(volume_dir / old, ignore_errors=True)
    return True
