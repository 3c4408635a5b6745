"""Which data plane an engine runs: ``--data-plane``, else ``dataPlane`` in the engine config, else
``auto`` — HAProxy when its binary is found, the built-in proxy otherwise."""

from __future__ import annotations

import os
import shutil
from typing import Literal

from graceroll.errors import GracerollError

Kind = Literal["builtin", "haproxy"]
CHOICES = ("builtin", "haproxy", "auto")
SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")  # Debian installs haproxy here, often not on a user's PATH


def find_haproxy() -> str | None:
    """``$GRACEROLL_HAPROXY``, else ``haproxy`` on the PATH or in the sbin directories."""
    if os.environ.get("GRACEROLL_HAPROXY"):
        return shutil.which(os.environ["GRACEROLL_HAPROXY"])
    return shutil.which("haproxy") or shutil.which("haproxy", path=os.pathsep.join(SBIN))


def choose(requested: str | None, configured: str | None, haproxy: str | None) -> Kind:
    """The data plane to run; a clear error for an unknown name or ``haproxy`` without the binary."""
    wanted = requested or configured or "auto"
    if wanted not in CHOICES:
        raise GracerollError(f'--data-plane: unknown data plane "{wanted}": use builtin, haproxy or auto')
    if wanted == "auto":
        return "haproxy" if haproxy else "builtin"
    if wanted == "haproxy" and not haproxy:
        raise GracerollError("--data-plane haproxy: the haproxy binary was not found (install the haproxy package, or use --data-plane builtin)")
    return "haproxy" if wanted == "haproxy" else "builtin"
