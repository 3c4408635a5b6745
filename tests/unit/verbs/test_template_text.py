"""The describe-style Pod Template block (kubernetes/kubectl:pkg/describe/describe.go DescribePodTemplate)."""

from __future__ import annotations

from graceroll.verbs.template_text import describe_pod_template, describe_probe


def test_describes_a_full_container() -> None:
    template = {
        "metadata": {"labels": {"b": "2", "a": "1"}, "annotations": {"note": "x"}},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "web:1",
                    "command": ["/bin/web"],
                    "args": ["--port", "8080"],
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}, {"containerPort": 9090, "protocol": "UDP"}],
                    "resources": {"limits": {"memory": "128Mi", "cpu": "1"}},
                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 5},
                    "env": [{"name": "A", "value": "1"}, {"name": "IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}],
                    "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": True}],
                }
            ],
            "volumes": [{"name": "data", "emptyDir": {}}],
        },
    }
    assert describe_pod_template(template) == (
        "Pod Template:\n"
        "  Labels:\ta=1\n"
        "\tb=2\n"
        "  Annotations:\tnote: x\n"
        "  Containers:\n"
        "   app:\n"
        "    Image:\tweb:1\n"
        "    Ports:\t8080/TCP, 9090/UDP\n"
        "    Host Ports:\t0/TCP, 0/UDP\n"
        "    Command:\n"
        "      /bin/web\n"
        "    Args:\n"
        "      --port\n"
        "      8080\n"
        "    Limits:\n"
        "      cpu:\t1\n"
        "      memory:\t128Mi\n"
        "    Readiness:\thttp-get http://:8080/healthz delay=0s timeout=1s period=5s #success=1 #failure=3\n"
        "    Environment:\n"
        "      A:\t1\n"
        "      IP:\t (v1:status.podIP)\n"
        "    Mounts:\n"
        "      /data from data (ro)\n"
        "  Volumes:\n"
        "   data:\n"
        "    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
        "    Medium:\t\n"
        "    SizeLimit:\t<unset>\n"
    )


def test_long_annotations_are_folded() -> None:
    text = describe_pod_template({"metadata": {"annotations": {"k": "v" * 200}}, "spec": {"containers": []}})
    assert "  Annotations:\tk:\n\t  " + "v" * 138 + "...\n" in text
    assert "  Containers: <none>\n" in text


def test_probe_kinds() -> None:
    assert describe_probe({"exec": {"command": ["cat", "/ok"]}}).startswith("exec [cat /ok] delay=0s")
    assert describe_probe({"tcpSocket": {"port": 5432}}).startswith("tcp-socket :5432 delay=0s")
