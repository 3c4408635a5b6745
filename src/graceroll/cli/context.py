"""What every command needs: where the engine is and how to talk to it (resolved lazily)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graceroll.api.builtin  # noqa: F401  (registers the built-in kinds)
from graceroll.clock import SystemClock
from graceroll.engine.paths import DataDir
from graceroll.errors import GracerollError


@dataclass
class CliContext:
    data_dir: Path
    namespace: str = "default"
    server: str | None = None
    token: str | None = None
    ca: Path | None = None
    cwd: Path = field(default_factory=Path.cwd)
    clock: SystemClock = field(default_factory=SystemClock)
    _store: Any = None

    @property
    def store(self) -> Any:
        """An ``HttpStore`` for the engine: ``--server``/``GRACEROLL_SERVER`` and
        ``--token``/``GRACEROLL_TOKEN`` if given, else the engine running on the data dir."""
        if self._store is None:
            from graceroll.client.http_store import HttpStore, check_server_url, trusting

            server = self.server or os.environ.get("GRACEROLL_SERVER")
            token = self.token or os.environ.get("GRACEROLL_TOKEN")
            dd = DataDir(self.data_dir)
            if not server:
                if not dd.address.exists():
                    raise GracerollError(f"no engine is running on {dd.root} (start one with: graceroll up --detach)")
                server = dd.address.read_text().strip()
            check_server_url(server)
            if not token:
                if not dd.token.exists():
                    raise GracerollError(f"no token in {dd.root}: pass --token or set GRACEROLL_TOKEN")
                token = dd.token.read_text().strip()
            ca = self.ca or (dd.tls_cert if dd.tls_cert.exists() else None)
            if ca is not None and not ca.exists():
                raise GracerollError(f"certificate authority file {ca} does not exist")
            verify = trusting(ca) if ca is not None else True
            self._store = HttpStore(server, token, verify=verify)
        return self._store
