"""A CloneSet updated in place on the engine: same pods (name, uid, IP, volume contents), one
container restart each, and no failed request through the Service."""

from __future__ import annotations

import json
from pathlib import Path

from .harness import Engine

CLONESET = """\
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  updateStrategy:
    type: InPlaceIfPossible
    inPlaceUpdateStrategy: {gracePeriodSeconds: 2}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: demo:v1
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
        volumeMounts: [{name: data, mountPath: /data}]
      volumes: [{name: data, emptyDir: {}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
"""


def test_in_place_update_under_load_keeps_the_pods_and_loses_no_request(engine: Engine, tmp_path: Path) -> None:
    manifest = tmp_path / "cloneset.yaml"
    manifest.write_text(CLONESET)
    engine.cli("apply", "-f", str(manifest))
    engine.cli("rollout", "status", "cloneset/web", "--timeout", "60")
    before = {p["metadata"]["name"]: p for p in engine.get("pods")["items"]}
    assert len(before) == 4
    markers = {}
    for name, p in before.items():
        volume = engine.dd.node / "pods" / p["metadata"]["uid"] / "volumes" / "data"
        assert volume.is_dir(), volume
        (volume / "marker").write_text(name)
        markers[name] = volume / "marker"

    r = engine.cli("verify", "web", "--during", "set image cloneset/web app=demo:v2", "--timeout", "120", "-o", "json", check=False)
    report = json.loads(r.out)
    assert report["failed"] == 0, report["first_failures"]
    assert r.code == 0

    after = {p["metadata"]["name"]: p for p in engine.get("pods")["items"]}
    assert after.keys() == before.keys()
    for name, p in after.items():
        old = before[name]
        assert p["metadata"]["uid"] == old["metadata"]["uid"]
        assert p["status"]["podIP"] == old["status"]["podIP"]
        cs = p["status"]["containerStatuses"][0]
        assert (cs["image"], cs["restartCount"]) == ("demo:v2", 1)
        assert cs["imageID"] != old["status"]["containerStatuses"][0]["imageID"]
        assert markers[name].read_text() == name
