"""Container restarts inside a pod: emptyDir data survives, an image change restarts only that container."""

from __future__ import annotations

import pytest

from graceroll.api.meta import clone

from .harness import Cluster

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]


async def test_empty_dir_survives_a_container_restart_and_goes_with_the_pod(cluster: Cluster) -> None:
    app = cluster.container(APP_COUNT="2") | {"volumeMounts": [{"name": "data", "mountPath": "data"}]}
    pod = cluster.create("counter", [app], volumes=[{"name": "data", "emptyDir": {}}])
    await cluster.until(lambda: len(cluster.app_events("count")) == 2, what="second run")
    counts = cluster.app_events("count")
    assert cluster.cs("counter")["restartCount"] == 1
    assert [(c["count"], c["relative"]) for c in counts] == [(1, "1"), (2, "2")]
    volume = cluster.state_dir / "pods" / pod["metadata"]["uid"] / "volumes" / "data"
    assert (volume / "count").read_text() == "2"
    cluster.store.delete("Pod", "default", "counter")
    await cluster.until(lambda: cluster.pod("counter") is None)
    assert not volume.exists()


async def test_image_change_restarts_only_that_container_in_the_same_pod(cluster: Cluster) -> None:
    containers = [cluster.container("a", "app:v1", port=8081), cluster.container("b", "side:v1", port=8082)]
    cluster.create("pair", containers)
    await cluster.app_running("pair", "a")
    await cluster.app_running("pair", "b")
    before_a, before_b = cluster.cs("pair", "a"), cluster.cs("pair", "b")
    ip = cluster.status("pair")["podIP"]

    pod = clone(cluster.store.get("Pod", "default", "pair"))
    pod["spec"]["containers"][0]["image"] = "app:v2"
    cluster.store.update(pod)

    await cluster.until(lambda: cluster.cs("pair", "a").get("restartCount") == 1, what="container a restarted")
    await cluster.app_running("pair", "a")
    after_a, after_b = cluster.cs("pair", "a"), cluster.cs("pair", "b")
    assert after_a["image"] == "app:v2" and after_a["imageID"] != before_a["imageID"]
    assert after_a["imageID"].startswith("graceroll://app:v2@")
    assert after_a["containerID"] != before_a["containerID"]
    assert after_b == before_b, "the other container is untouched"
    assert cluster.status("pair")["podIP"] == ip
    images = [(e["image"], e["pid"]) for e in cluster.app_events("start")]
    assert [i for i, _ in images].count("app:v1") == 1 and images[-1][0] == "app:v2"
    assert after_a["lastState"]["terminated"]["reason"] == "Completed"  # stopped with SIGTERM, exited 0
