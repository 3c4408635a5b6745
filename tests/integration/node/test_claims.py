"""PersistentVolumeClaim directories: shared by the pods of a claim, removed with the claim only."""

from __future__ import annotations

from typing import Any

import pytest

from .harness import Cluster

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]


def claim(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": {}}


def claim_volume(name: str) -> list[dict[str, Any]]:
    return [{"name": "data", "persistentVolumeClaim": {"claimName": name}}]


def counting_app(cluster: Cluster) -> dict[str, Any]:
    return cluster.container(APP_COUNT="1") | {"volumeMounts": [{"name": "data", "mountPath": "data"}]}


async def test_a_recreated_pod_finds_the_claim_data_and_deleting_the_claim_removes_it(cluster: Cluster) -> None:
    cluster.store.create(claim("data-web-0"))
    directory = cluster.state_dir / "claims" / "default" / "data-web-0"
    first = cluster.create("web-0", [counting_app(cluster)], volumes=claim_volume("data-web-0"))
    await cluster.app_running("web-0")
    cluster.store.delete("Pod", "default", "web-0")
    await cluster.until(lambda: cluster.pod("web-0") is None, what="web-0 deleted")
    assert not (cluster.state_dir / "pods" / first["metadata"]["uid"]).exists()
    assert (directory / "count").read_text() == "1", "the claim outlives its pod"

    cluster.create("web-0", [counting_app(cluster)], volumes=claim_volume("data-web-0"))
    await cluster.until(lambda: len(cluster.app_events("count")) == 2, what="the new pod counted")
    assert [c["count"] for c in cluster.app_events("count")] == [1, 2], "a new uid, the same data"

    cluster.store.delete("PersistentVolumeClaim", "default", "data-web-0")
    await cluster.until(lambda: not directory.exists(), what="the claim directory removed")
    assert not directory.parent.exists(), "an empty namespace directory goes too"


async def test_a_new_node_removes_only_directories_of_claims_gone_from_the_store(cluster: Cluster) -> None:
    await cluster.node.stop()
    cluster.store.create(claim("kept"))
    cluster.create("elsewhere", [cluster.container()], volumes=claim_volume("mounted"), nodeName="other-node")
    root = cluster.state_dir / "claims" / "default"
    for name in ("kept", "mounted", "gone"):
        (root / name).mkdir(parents=True)
        (root / name / "file").write_text(name)

    await cluster.new_node().start()
    assert sorted(p.name for p in root.iterdir()) == ["kept", "mounted"]
    assert (root / "kept" / "file").read_text() == "kept", "claims persist across engine restarts"
