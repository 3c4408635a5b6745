"""``describe pod`` as kubectl prints it (kubernetes/kubectl:pkg/describe/describe.go describePod):
containers with their state, probes, environment (downward API values resolved) and mounts,
readiness gates, conditions, volumes, and events with their counts."""

from __future__ import annotations

from typing import Any

import graceroll.printers.describe_builtin  # noqa: F401
from graceroll.clock import parse_time
from graceroll.printers.describe import describe
from graceroll.printers.tabwriter import align

pod = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "web-abc", "namespace": "default", "labels": {"app": "web", "pod-template-hash": "x"}, "ownerReferences": [{"kind": "ReplicaSet", "name": "web-x", "controller": True}]},
 "spec": {"containers": [{"name": "app", "image": "app:v1", "ports": [{"containerPort": 8080, "protocol": "TCP", "name": "http"}],
   "command": ["/bin/app"], "readinessProbe": {"httpGet": {"path": "/missing", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 0, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
   "env": [{"name": "A", "value": "1"}, {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}], "envFrom": [{"configMapRef": {"name": "cfg"}}],
   "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
   "volumes": [{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "cfg"}}], "readinessGates": [{"conditionType": "InPlaceUpdateReady"}]},
 "status": {"phase": "Running", "podIP": "127.10.0.3", "podIPs": [{"ip": "127.10.0.3"}], "hostIP": "127.0.0.1", "startTime": "2026-01-01T00:00:00Z",
   "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "False"}, {"type": "InPlaceUpdateReady", "status": "True"}],
   "containerStatuses": [{"name": "app", "image": "app:v1", "imageID": "graceroll://app:v1@sha256:1", "containerID": "process://42", "ready": False, "restartCount": 0, "state": {"running": {"startedAt": "2026-01-01T00:00:01Z"}}}]}}
events = [{"type": "Warning", "reason": "Unhealthy", "count": 5, "firstTimestamp": "2026-01-01T00:00:10Z", "lastTimestamp": "2026-01-01T00:00:50Z", "source": {"component": "kubelet"}, "message": "Readiness probe failed: HTTP probe failed with statuscode: 404"},
  {"type": "Normal", "reason": "Started", "count": 1, "firstTimestamp": "2026-01-01T00:00:01Z", "lastTimestamp": "2026-01-01T00:00:01Z", "source": {"component": "kubelet"}, "message": "Started container app"}]


def test_describe_pod_reads_like_kubectl() -> None:
    assert describe(pod, events, parse_time("2026-01-01T00:01:00Z")).split("\n") == [
        'Name:         web-abc',
        'Namespace:    default',
        'Node:         <none>',
        'Start Time:   Thu, 01 Jan 2026 00:00:00 +0000',
        'Labels:       app=web',
        '              pod-template-hash=x',
        'Annotations:  <none>',
        'Status:       Running',
        'IP:           127.10.0.3',
        'IPs:',
        '  IP:           127.10.0.3',
        'Controlled By:  ReplicaSet/web-x',
        'Containers:',
        '  app:',
        '    Container ID:  process://42',
        '    Image:         app:v1',
        '    Image ID:      graceroll://app:v1@sha256:1',
        '    Port:          8080/TCP',
        '    Host Port:     0/TCP',
        '    Command:',
        '      /bin/app',
        '    State:          Running',
        '      Started:      Thu, 01 Jan 2026 00:00:01 +0000',
        '    Ready:          False',
        '    Restart Count:  0',
        '    Readiness:      http-get http://:8080/missing delay=0s timeout=1s period=10s #success=1 #failure=3',
        '    Environment Variables from:',
        '      cfg  ConfigMap  Optional: false',
        '    Environment:',
        '      A:   1',
        '      IP:  127.10.0.3 (v1:status.podIP)',
        '    Mounts:',
        '      /data from data (rw)',
        'Readiness Gates:',
        '  Type                 Status',
        '  InPlaceUpdateReady   True ',
        'Conditions:',
        '  Type                 Status',
        '  PodScheduled         True ',
        '  Ready                False ',
        '  InPlaceUpdateReady   True ',
        'Volumes:',
        '  data:',
        "    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)",
        '    Medium:     ',
        '    SizeLimit:  <unset>',
        '  cfg:',
        '    Type:        ConfigMap (a volume populated by a ConfigMap)',
        '    Name:        cfg',
        '    Optional:    false',
        'QoS Class:       BestEffort',
        'Node-Selectors:  <none>',
        'Tolerations:     <none>',
        'Events:',
        '  Type     Reason     Age                From     Message',
        '  ----     ------     ----               ----     -------',
        '  Normal   Started    59s                kubelet  Started container app',
        '  Warning  Unhealthy  10s (x5 over 50s)  kubelet  Readiness probe failed: HTTP probe failed with statuscode: 404',
    ]


def test_terminating_pods_say_for_how_long() -> None:
    p: dict[str, Any] = dict(pod, metadata=dict(pod["metadata"], deletionTimestamp="2026-01-01T00:00:30Z", deletionGracePeriodSeconds=30))
    text = describe(p, [], parse_time("2026-01-01T00:01:00Z"))
    assert "Status:                    Terminating (lasts 30s)" in text
    assert "Termination Grace Period:  30s" in text
    assert text.endswith("Events:  <none>")


def test_tabwriter_aligns_column_blocks_as_go_does() -> None:
    assert align(["a:\tx", "long key:\ty", "z", "  k\tv\tw", "  kk\tvv\tw"]) == ["a:         x", "long key:  y", "z", "  k   v   w", "  kk  vv  w"]
