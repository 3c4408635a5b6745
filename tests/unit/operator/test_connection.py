"""From a kubeconfig to a working client: server, CA, token; clear one-line errors otherwise."""

from __future__ import annotations

import json
import socket
import ssl
from pathlib import Path

import httpx
import pytest

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.client.http_store import HttpStore
from graceroll.clock import SystemClock
from graceroll.engine.tls import ensure_certificate
from graceroll.errors import GracerollError
from graceroll.operator import connection


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("tls")
    ensure_certificate(d / "tls.crt", d / "tls.key", "127.0.0.1", SystemClock().now())
    return d / "tls.crt"


def kubeconfig(path: Path, server: str, ca: Path, token: str = "t0k3n", context: str = "here") -> Path:
    path.write_text(
        f"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n    certificate-authority: {ca}\n"
        f"users:\n- name: u\n  user:\n    token: {token}\ncontexts:\n- name: {context}\n  context:\n    cluster: c\n    user: u\n"
        f"current-context: {context}\n"
    )
    return path


def test_a_token_kubeconfig_gives_the_server_the_ca_and_the_bearer_header(tmp_path: Path, ca: Path) -> None:
    conn = connection.load(kubeconfig(tmp_path / "config", "https://127.0.0.1:6443/", ca), "here")
    assert conn.server == "https://127.0.0.1:6443"
    assert conn.tls.verify_mode == ssl.CERT_REQUIRED
    request = httpx.Request("GET", "https://127.0.0.1:6443/api")
    assert conn.auth is not None
    sent = next(conn.auth.auth_flow(request))
    assert sent.headers["Authorization"] == "Bearer t0k3n"


def test_a_missing_kubeconfig_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GracerollError, match="no kubeconfig at .*nope.*--kubeconfig"):
        connection.load(tmp_path / "nope")


def test_an_unknown_context_names_the_known_ones(tmp_path: Path, ca: Path) -> None:
    with pytest.raises(GracerollError, match='context "elsewhere" is not in .*contexts: here'):
        connection.load(kubeconfig(tmp_path / "config", "https://127.0.0.1:6443", ca), "elsewhere")


def test_in_cluster_outside_a_cluster_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(GracerollError, match="in-cluster configuration"):
        connection.load(in_cluster=True)


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path, ca: Path) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conn = connection.load(kubeconfig(tmp_path / "config", f"https://127.0.0.1:{port}", ca))
    with pytest.raises(GracerollError, match=f"cannot reach the Kubernetes API at https://127.0.0.1:{port}"):
        connection.probe(conn)


def test_the_rest_client_takes_a_ready_client_and_fills_in_list_items() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "DELETE":
            return httpx.Response(200, json={"kind": "Status", "status": "Success"})
        return httpx.Response(200, json={"kind": "PodList", "metadata": {"resourceVersion": "42"}, "items": [{"metadata": {"name": "a"}}]})

    client = httpx.Client(base_url="https://cluster", transport=httpx.MockTransport(answer), headers={"X-Extra": "1"})
    rest = HttpStore("https://cluster", client=client)
    items, rv = rest.list_at("Pod", "ns")
    assert rv == 42 and items == [{"metadata": {"name": "a"}, "kind": "Pod", "apiVersion": "v1"}]
    assert rest.delete("Pod", "ns", "a", uid="u-1") is None
    assert json.loads(seen[-1].content)["preconditions"] == {"uid": "u-1"}
    assert seen[0].headers["X-Extra"] == "1"
