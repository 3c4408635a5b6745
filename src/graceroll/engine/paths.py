"""Where an engine keeps its state: one data directory, found the same way by ``up`` and the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def default_data_dir() -> Path:
    """``$GRACEROLL_DATA_DIR``, else ``$XDG_DATA_HOME/graceroll``, else ``~/.local/share/graceroll``."""
    if os.environ.get("GRACEROLL_DATA_DIR"):
        return Path(os.environ["GRACEROLL_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "graceroll"


@dataclass(frozen=True)
class DataDir:
    root: Path

    @property
    def store(self) -> Path:
        return self.root / "store.db"

    @property
    def token(self) -> Path:
        return self.root / "token"

    @property
    def pid(self) -> Path:
        return self.root / "engine.pid"

    @property
    def address(self) -> Path:
        """The URL the running engine serves its API on (written once it listens)."""
        return self.root / "engine.url"

    @property
    def kubeconfig(self) -> Path:
        """A kubeconfig for kubectl and client libraries (written at every start)."""
        return self.root / "kubeconfig"

    @property
    def tls_cert(self) -> Path:
        """The API's self-signed certificate (also the CA to trust)."""
        return self.root / "tls.crt"

    @property
    def tls_key(self) -> Path:
        return self.root / "tls.key"

    @property
    def node(self) -> Path:
        return self.root / "node"

    @property
    def log(self) -> Path:
        return self.root / "engine.log"

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"
