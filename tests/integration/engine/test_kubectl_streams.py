"""kubectl exec, attach, cp and port-forward against the engine's real pods, with stock kubectl
(1.37 and the machine's) and the official Python client; every process they start is gone when
the client goes away."""

from __future__ import annotations

import http.client
import json
import os
import pty
import select
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s
from kubernetes.stream import portforward, stream

from graceroll.node.process.procfs import group_members

from ..kubectls import binaries
from .harness import Engine, recorded_groups

TIMEOUT = 60.0
APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      volumes: [{name: data, emptyDir: {}}]
      containers:
      - name: app
        image: demo:v1
        env: [{name: GREETING, value: from-the-manifest}]
        ports: [{name: http, containerPort: 8080}]
        volumeMounts: [{name: data, mountPath: data}]
        readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
"""
READER = """\
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  terminationGracePeriodSeconds: 1
  restartPolicy: Never
  containers:
  - name: app
    image: demo:v1
    command: [sh, -c, 'echo started; while read line; do echo "got $line"; done; echo bye']
    stdin: true
    stdinOnce: true
"""


class Kubectl:
    def __init__(self, binary: Path, engine: Engine, home: Path) -> None:
        self.base = [str(binary), "--server", engine.url, "--token", engine.token, "--certificate-authority", str(engine.dd.tls_cert)]
        self.home = home
        self.env = {"HOME": str(home), "KUBECONFIG": str(home / "kubeconfig"), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def __call__(self, *args: str, ok: bool = True, input: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=TIMEOUT, env=self.env, input=input, cwd=cwd, check=False)
        if ok:
            assert p.returncode == 0, f"kubectl {' '.join(args)}: {p.stderr}"
        return p

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([*self.base, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.PIPE, text=True, env=self.env, start_new_session=True)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One engine for the module: the tests only read the pods, or clean up what they start."""
    e = Engine(tmp_path_factory.mktemp("engine") / "data")
    e.data_dir.mkdir()
    try:
        e.start()
        manifest = e.data_dir.parent / "app.yaml"
        manifest.write_text(APP)
        e.cli("apply", "-f", str(manifest))
        e.cli("rollout", "status", "deployment/web", "--timeout", "60")
        yield e
    finally:
        e.kill_all()


@pytest.fixture(params=binaries())
def kubectl(request: pytest.FixtureRequest, engine: Engine, tmp_path: Path) -> Kubectl:
    return Kubectl(request.param, engine, tmp_path)


def web_pod(engine: Engine) -> str:
    return next(p["metadata"]["name"] for p in engine.get("pods")["items"] if p["metadata"]["name"].startswith("web-"))


def test_exec_runs_in_the_containers_environment_and_reports_the_exit_code(kubectl: Kubectl, engine: Engine) -> None:
    pod = web_pod(engine)
    done = kubectl("exec", pod, "--", "sh", "-c", 'echo "$GREETING $POD_NAME"; ls -d data; echo oops >&2; exit 3', ok=False)
    assert done.returncode == 3
    assert done.stdout.splitlines() == [f"from-the-manifest {pod}", "data"]  # the env and the volume link of the container
    assert "oops" in done.stderr and "command terminated with exit code 3" in done.stderr
    assert kubectl("exec", "-i", pod, "--", "sh", "-c", "tr a-z A-Z", input="read from stdin\n").stdout == "READ FROM STDIN\n"
    missing = kubectl("exec", pod, "--", "no-such-command", ok=False)
    assert missing.returncode == 1 and 'exec: "no-such-command": executable file not found in $PATH' in missing.stderr
    other = kubectl("exec", pod, "-c", "nope", "--", "true", ok=False)
    assert other.returncode == 1 and "container nope is not valid for pod" in other.stderr


def test_exec_with_a_terminal(kubectl: Kubectl, engine: Engine) -> None:
    """``kubectl exec -it``: kubectl's stdin is a terminal (a pty here), the command gets one too."""
    pod = web_pod(engine)
    master, slave = pty.openpty()
    proc = subprocess.Popen([*kubectl.base, "exec", "-it", pod, "--", "sh"], stdin=slave, stdout=slave, stderr=slave, env=kubectl.env, start_new_session=True)
    os.close(slave)
    try:
        os.write(master, b"tty; test -t 0 && echo is-a-terminal; exit 5\n")
        output = b""
        end = time.monotonic() + TIMEOUT
        while proc.poll() is None and time.monotonic() < end:
            if select.select([master], [], [], 0.5)[0]:
                try:
                    output += os.read(master, 4096)
                except OSError:
                    break
        assert proc.wait(timeout=TIMEOUT) == 5
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        os.close(master)
    text = output.decode(errors="replace")
    assert "/dev/pts/" in text and "is-a-terminal" in text


def test_the_command_dies_when_the_client_goes_away(kubectl: Kubectl, engine: Engine) -> None:
    before = set(recorded_groups(engine.data_dir))
    client = kubectl.popen("exec", web_pod(engine), "--", "sleep", "300")
    try:
        deadline = time.monotonic() + TIMEOUT
        while not (set(recorded_groups(engine.data_dir)) - before) and time.monotonic() < deadline:
            time.sleep(0.05)  # polls the pod's ledger file, which the engine writes
        started = set(recorded_groups(engine.data_dir)) - before
        assert started, "the exec'd command never started"
    finally:
        os.killpg(client.pid, signal.SIGKILL)
        client.communicate(timeout=TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while any(group_members(g) for g in started) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(group_members(g) for g in started)


def test_attach_reads_the_output_and_feeds_stdin(kubectl: Kubectl, engine: Engine, request: pytest.FixtureRequest) -> None:
    name = "reader-" + request.node.callspec.id.split("-")[0]
    manifest = kubectl.home / "reader.yaml"
    manifest.write_text(READER.format(name=name))
    kubectl("apply", "-f", str(manifest))
    kubectl("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=60s")
    attached = kubectl("attach", "-i", name, input="one\ntwo\n")
    assert "got one" in attached.stdout and "got two" in attached.stdout and "bye" in attached.stdout
    assert kubectl("logs", name).stdout.splitlines()[:4] == ["started", "got one", "got two", "bye"]
    kubectl("wait", "--for=jsonpath={.status.phase}=Succeeded", f"pod/{name}", "--timeout=60s")  # end of input ended it
    again = kubectl("attach", "-i", name, input="three\n", ok=False)
    assert again.returncode == 1 and "Succeeded" in again.stderr
    kubectl("delete", "pod", name, "--wait=false")


def test_cp_copies_files_and_directories_both_ways(kubectl: Kubectl, engine: Engine) -> None:
    pod = web_pod(engine)
    (kubectl.home / "up.txt").write_text("up\n")
    (kubectl.home / "tree" / "sub").mkdir(parents=True)
    (kubectl.home / "tree" / "sub" / "leaf.txt").write_text("leaf\n")
    kubectl("cp", "up.txt", f"{pod}:data/up-{kubectl.home.name}.txt", cwd=kubectl.home)
    kubectl("cp", "tree", f"{pod}:data/tree-{kubectl.home.name}", cwd=kubectl.home)
    assert kubectl("exec", pod, "--", "cat", f"data/up-{kubectl.home.name}.txt", f"data/tree-{kubectl.home.name}/sub/leaf.txt").stdout == "up\nleaf\n"
    kubectl("cp", f"{pod}:data/tree-{kubectl.home.name}", "back", cwd=kubectl.home)
    assert (kubectl.home / "back" / "sub" / "leaf.txt").read_text() == "leaf\n"


def forwarded(kubectl: Kubectl, target: str, remote: int) -> tuple[subprocess.Popen[str], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = kubectl.popen("port-forward", "--address", "127.0.0.1", target, f"{port}:{remote}")
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "Forwarding from 127.0.0.1:PORT -> REMOTE", once it listens
    assert line.startswith(f"Forwarding from 127.0.0.1:{port}"), line + (proc.stderr.read() if proc.stderr and proc.poll() is not None else "")
    return proc, port


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


@pytest.mark.parametrize("target", ["pod", "svc/web"])
def test_port_forward_relays_connections_to_the_pod(kubectl: Kubectl, engine: Engine, target: str) -> None:
    proc, port = forwarded(kubectl, web_pod(engine) if target == "pod" else target, 8080)
    try:
        for _ in range(3):  # every connection gets its own pair of streams
            assert get(port, "/version") == (200, b"demo:v1\n")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=TIMEOUT)


def test_port_forward_to_a_closed_port_reports_the_refusal(kubectl: Kubectl, engine: Engine) -> None:
    proc, port = forwarded(kubectl, web_pod(engine), 9)
    try:
        with pytest.raises((http.client.HTTPException, OSError)):
            get(port, "/")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=TIMEOUT)
    assert "connect: connection refused" in err


def test_the_python_client_execs_and_forwards_ports(engine: Engine) -> None:
    config = k8s.Configuration()
    config.host = engine.url
    config.api_key = {"authorization": f"Bearer {engine.token}"}
    config.ssl_ca_cert = str(engine.dd.tls_cert)
    with k8s.ApiClient(config) as c:
        core = k8s.CoreV1Api(c)
        pod = web_pod(engine)
        ws = stream(core.connect_get_namespaced_pod_exec, pod, "default", command=["sh", "-c", "echo $GREETING; exit 4"], stdout=True, stderr=True, stdin=False, tty=False, _preload_content=False)
        ws.run_forever(timeout=TIMEOUT)
        out, code = ws.read_stdout(), ws.returncode
        ws.close()
        ws.sock.shutdown()  # websocket-client leaves the socket open when the server closed first
        assert out.strip() == "from-the-manifest" and code == 4  # v4.channel.k8s.io
        forward = portforward(core.connect_get_namespaced_pod_portforward, pod, "default", ports="8080")
        sock = forward.socket(8080)
        sock.setblocking(True)
        sock.settimeout(TIMEOUT)
        sock.sendall(b"GET /version HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        forward.close()
        deadline = time.monotonic() + TIMEOUT
        while forward.connected and time.monotonic() < deadline:  # the client's proxy thread closes its websocket
            time.sleep(0.05)
        forward.websocket.shutdown()
        assert answer.startswith(b"HTTP/1.") and answer.endswith(b"demo:v1\n")


def test_health_and_version_are_readable_without_credentials(engine: Engine) -> None:
    assert engine.api("GET", "/readyz", token=None).text == "ok"
    verbose = engine.api("GET", "/livez?verbose", token=None)
    assert verbose.status_code == 200 and verbose.text.splitlines() == ["[+]ping ok", "[+]store ok", "livez check passed"]
    assert engine.api("GET", "/version", token=None).json()["gitVersion"].startswith("v1.33.0")
    assert engine.api("GET", "/healthz", token="wrong").status_code == 401  # a wrong token is still refused
    assert engine.api("GET", "/api/v1/namespaces/default/pods", token=None).status_code == 401
    assert json.loads(engine.api("GET", "/version").text)["major"] == "1"
