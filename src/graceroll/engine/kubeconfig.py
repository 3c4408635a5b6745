"""A kubeconfig for the running engine, so kubectl and client libraries need no flags:
``export KUBECONFIG=<data dir>/kubeconfig``. Rewritten at every start (the URL may change),
owner-only like the token it holds, and replaced atomically so a reader never sees half of it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from graceroll.private_file import replace_private

NAME = "graceroll"


def kubeconfig(url: str, ca: Path, token: str) -> dict[str, Any]:
    """One cluster, one user, one context, all named ``graceroll``, current."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": NAME, "cluster": {"server": url, "certificate-authority": str(ca.resolve())}}],
        "users": [{"name": NAME, "user": {"token": token}}],
        "contexts": [{"name": NAME, "context": {"cluster": NAME, "user": NAME, "namespace": "default"}}],
        "current-context": NAME,
        "preferences": {},
    }


def write_kubeconfig(path: Path, config: dict[str, Any]) -> None:
    buf = io.StringIO()
    yaml = YAML()  # keeps the keys in kubectl's order
    yaml.default_flow_style = False
    yaml.dump(config, buf)
    replace_private(path, buf.getvalue())
