"""graceroll's errors are one line with a reason, never a traceback, for what users get wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from graceroll.clock import SystemClock
from graceroll.engine.tls import ensure_certificate

from .conftest import Api


def graceroll(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "graceroll.cli.main", "--data-dir", str(home / "data"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env={"HOME": str(home), "PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL, check=False)


def one_line_error(p: subprocess.CompletedProcess[str]) -> str:
    assert p.returncode == 1, p.stdout + p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert p.stderr.startswith("error: ")
    return p.stderr.strip()


def test_server_url_ca_and_certificate_problems(api: Api, tmp_path: Path) -> None:
    token = ("--token", api.token)
    assert "the engine speaks HTTPS" in one_line_error(graceroll(tmp_path, "--server", api.url.replace("https", "http"), *token, "get", "pods"))
    assert "--server must be an https:// URL" in one_line_error(graceroll(tmp_path, "--server", "notaurl", *token, "get", "pods"))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    assert "holds no PEM certificate" in one_line_error(graceroll(tmp_path, "--server", api.url, *token, "--certificate-authority", str(junk), "get", "pods"))
    other = tmp_path / "other"
    other.mkdir()
    ensure_certificate(other / "tls.crt", other / "tls.key", "127.0.0.1", SystemClock().now())
    untrusted = one_line_error(graceroll(tmp_path, "--server", api.url, *token, "--certificate-authority", str(other / "tls.crt"), "get", "pods"))
    assert "is not trusted" in untrusted and "no engine answers" not in untrusted


def test_global_options_after_the_verb(api: Api, tmp_path: Path) -> None:
    p = graceroll(tmp_path, "get", "serviceaccounts", "-n", "kube-system", "--server", api.url, "--token", api.token, "--certificate-authority", str(api.ca))
    assert p.returncode == 0 and p.stdout.split()[:4] == ["NAME", "SECRETS", "AGE", "default"], p.stderr
    every = graceroll(tmp_path, "get", "namespaces", "-A", "--server", api.url, "--token", api.token, "--certificate-authority", str(api.ca))
    assert every.stdout.split()[:3] == ["NAME", "STATUS", "AGE"]  # cluster-scoped: no NAMESPACE column
    accounts = graceroll(tmp_path, "get", "sa", "-A", "--server", api.url, "--token", api.token, "--certificate-authority", str(api.ca))
    assert accounts.stdout.split()[:2] == ["NAMESPACE", "NAME"]


@pytest.mark.parametrize(
    "content, args, message",
    [
        pytest.param(b"\x8a\x00\xff binary", ["simulate", "{file}"], "not a YAML text file", id="a binary scenario"),
        pytest.param(b"", ["simulate", "-f", "{file}", "--until", "-5"], "--until must be a positive number", id="a negative --until"),
        pytest.param(b"- just\n- a list\n", ["operator", "run", "--kubeconfig", "{file}"], "is not a kubeconfig", id="a kubeconfig that is a list"),
    ],
)
def test_bad_files_and_numbers(tmp_path: Path, content: bytes, args: list[str], message: str) -> None:
    f = tmp_path / "input.yaml"
    f.write_bytes(content)
    assert message in one_line_error(graceroll(tmp_path, *[a.replace("{file}", str(f)) for a in args]))
