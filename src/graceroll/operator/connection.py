"""Reaching a cluster: a kubeconfig (or the in-cluster service account) turned into an httpx client.

The official ``kubernetes`` package is used only to read credentials, because kubeconfig has many
ways to say who you are (token, client certificate, exec plugins, auth providers) and it knows all
of them; every request then goes through graceroll's own REST client (``client.http_store``).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from graceroll.client.http_store import HttpStore
from graceroll.errors import GracerollError

REQUEST_TIMEOUT = 30.0
PROBE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Connection:
    """Where the API server is and how to talk to it."""

    server: str
    tls: ssl.SSLContext
    auth: httpx.Auth | None

    def client(self, timeout: float = REQUEST_TIMEOUT) -> httpx.Client:
        return httpx.Client(base_url=self.server, verify=self.tls, auth=self.auth, timeout=timeout)

    def store(self) -> HttpStore:
        return HttpStore(self.server, client=self.client())


class _ConfigAuth(httpx.Auth):
    """The Authorization header as the loaded configuration gives it, asked for on every request:
    exec plugins and auth providers refresh an expiring token through the configuration's hook."""

    def __init__(self, cfg: Any) -> None:
        self._cfg = cfg

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        value = self._cfg.get_api_key_with_prefix("authorization")
        if value:
            request.headers["Authorization"] = value
        yield request


def load(kubeconfig: Path | None = None, context: str | None = None, in_cluster: bool = False) -> Connection:
    """A ``Connection`` from the kubeconfig (``--kubeconfig``, ``$KUBECONFIG``, ``~/.kube/config``)
    or, with ``in_cluster``, from the pod's service account."""
    from kubernetes import client, config  # slow to import; only the operator needs it
    from kubernetes.config.config_exception import ConfigException

    cfg = client.Configuration()
    try:
        if in_cluster:
            config.load_incluster_config(client_configuration=cfg)
        else:
            path = kubeconfig_path(kubeconfig)
            _check_shape(path)
            if context is not None:
                _check_context(path, context)
            config.load_kube_config(config_file=str(path), context=context, client_configuration=cfg)
    except ConfigException as e:
        where = "in-cluster configuration" if in_cluster else "kubeconfig"
        raise GracerollError(f"cannot use the {where}: {e}") from None
    except (TypeError, AttributeError, KeyError, ValueError) as e:  # a kubeconfig of the wrong shape deep inside
        raise GracerollError(f"cannot use the kubeconfig: {type(e).__name__}: {e}") from None
    return from_configuration(cfg)


def kubeconfig_path(given: Path | None) -> Path:
    """The kubeconfig file to read; a clear error when there is none."""
    if given is not None:
        candidates = [given]
    elif os.environ.get("KUBECONFIG"):
        candidates = [Path(p) for p in os.environ["KUBECONFIG"].split(os.pathsep) if p]
    else:
        candidates = [Path.home() / ".kube" / "config"]
    for p in candidates:
        if p.is_file():
            return p
    shown = ", ".join(str(p) for p in candidates)
    raise GracerollError(f"no kubeconfig at {shown}: give --kubeconfig PATH, set KUBECONFIG, or use --in-cluster inside a pod")


def _check_shape(path: Path) -> None:
    """A kubeconfig is a YAML mapping (clusters, contexts, users); say so instead of failing inside the client."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, YAMLError) as e:
        raise GracerollError(f"cannot read the kubeconfig {path}: {e}") from None
    if not isinstance(data, dict):
        got = "a list" if isinstance(data, list) else "nothing" if data is None else f"a {type(data).__name__}"
        raise GracerollError(f"{path} is not a kubeconfig: expected a mapping with clusters, contexts and users, got {got}")


def _check_context(path: Path, context: str) -> None:
    from kubernetes import config

    contexts, _ = config.list_kube_config_contexts(config_file=str(path))
    names = [c.get("name") for c in contexts or []]
    if context not in names:
        known = ", ".join(str(n) for n in names) or "none"
        raise GracerollError(f'context "{context}" is not in {path} (contexts: {known})')


def from_configuration(cfg: Any) -> Connection:
    """Server URL, TLS (CA, verification, client certificate) and auth of a loaded Configuration."""
    if not cfg.host:
        raise GracerollError("the configuration names no API server")
    try:
        tls = ssl.create_default_context(cafile=cfg.ssl_ca_cert) if cfg.ssl_ca_cert else ssl.create_default_context()
        if not cfg.verify_ssl:
            tls.check_hostname = False
            tls.verify_mode = ssl.CERT_NONE
        if cfg.cert_file:
            tls.load_cert_chain(cfg.cert_file, cfg.key_file or None)
    except (OSError, ssl.SSLError) as e:
        raise GracerollError(f"cannot load the TLS files of the configuration: {e}") from None
    return Connection(str(cfg.host).rstrip("/"), tls, _ConfigAuth(cfg))


def probe(conn: Connection) -> None:
    """Fail early, in one line, when the API server cannot be reached or refuses the credentials."""
    try:
        with conn.client(PROBE_TIMEOUT) as http:
            r = http.get("/api")
    except httpx.HTTPError as e:
        raise GracerollError(f"cannot reach the Kubernetes API at {conn.server}: {e or type(e).__name__}") from None
    if r.status_code in (401, 403):
        raise GracerollError(f"the Kubernetes API at {conn.server} refused the credentials ({r.status_code}): check the kubeconfig user")
    if r.status_code >= 400:
        raise GracerollError(f"the Kubernetes API at {conn.server} answered {r.status_code} to GET /api")
