"""Files that hold secrets (a token, a log tag): owner-only from their first byte, replaced whole."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Write ``path`` mode 0600 (also when it existed with another mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def replace_private(path: Path, text: str) -> None:
    """Write beside ``path`` and rename over it, so a reader sees the old file or the new one whole."""
    tmp = path.with_name(path.name + ".tmp")
    write_private(tmp, text)
    os.replace(tmp, path)
