"""The image rule end to end: an image directory's ``run`` file, else the demo server."""

from __future__ import annotations

import json

import pytest

from .harness import Cluster

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]

RUN = '#!/bin/sh\nexec "$GRACEROLL_PYTHON" app.py "$@"\n'
APP = """import json, os, sys, time
with open(os.environ["OUT"], "a") as f:
    f.write(json.dumps({"cwd": os.getcwd(), "argv": sys.argv[1:], "image": os.environ["GRACEROLL_IMAGE"]}) + "\\n")
time.sleep(60)
"""


async def test_an_image_directory_runs_its_run_file_there_with_the_manifest_args(cluster: Cluster) -> None:
    image_dir = cluster.tmp / "images" / "shop" / "web" / "v2"
    image_dir.mkdir(parents=True)
    (image_dir / "run").write_text(RUN)
    (image_dir / "run").chmod(0o755)
    (image_dir / "app.py").write_text(APP)
    out = cluster.tmp / "out.jsonl"
    container = {"name": "web", "image": "shop/web:v2", "args": ["--port", "$(PORT)"], "env": [{"name": "OUT", "value": str(out)}], "ports": [{"containerPort": 9090}]}
    cluster.create("custom", [container])
    line = await cluster.until(lambda: out.exists() and out.read_text().strip())
    assert json.loads(line) == {"cwd": str(image_dir), "argv": ["--port", "9090"], "image": "shop/web:v2"}
    assert cluster.cs("custom", "web")["imageID"].startswith("graceroll://shop/web:v2@sha256:")


async def test_other_images_run_the_demo_server_on_the_pod_ip_and_first_container_port(cluster: Cluster) -> None:
    probe = {"httpGet": {"path": "/healthz", "port": 8090}, "periodSeconds": 0.1}
    cluster.create("demo", [{"name": "app", "image": "nginx:1.25", "ports": [{"containerPort": 8090}], "readinessProbe": probe}])
    await cluster.until(lambda: cluster.condition("demo", "Ready") == "True", what="demo server ready")
    ip = cluster.status("demo")["podIP"]
    body = await cluster.fetch(f"http://{ip}:8090/version")
    assert body.strip() == b"nginx:1.25"

