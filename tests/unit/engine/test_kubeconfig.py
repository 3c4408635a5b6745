"""The engine's kubeconfig: what kubectl and the official client read, owner-only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kubernetes import config

from graceroll.engine.kubeconfig import kubeconfig, write_kubeconfig


def test_the_official_loader_reads_server_ca_token_and_namespace(tmp_path: Path) -> None:
    ca = tmp_path / "tls.crt"
    ca.write_text("not read by the loader until a request\n")
    path = tmp_path / "kubeconfig"
    write_kubeconfig(path, kubeconfig("https://127.0.0.1:7443", ca, "s3cret"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    contexts, current = config.list_kube_config_contexts(config_file=str(path))
    assert current["name"] == "graceroll" and current["context"]["namespace"] == "default" and len(contexts) == 1
    client = config.new_client_from_config(config_file=str(path))
    assert client.configuration.host == "https://127.0.0.1:7443"
    assert client.configuration.api_key == {"authorization": "Bearer s3cret"}
    assert client.configuration.ssl_ca_cert == str(ca.resolve())


def test_a_rewrite_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text("old")
    os.chmod(path, 0o644)
    write_kubeconfig(path, kubeconfig("https://127.0.0.1:1234", tmp_path / "tls.crt", "t"))
    assert "https://127.0.0.1:1234" in path.read_text() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kubeconfig"]
