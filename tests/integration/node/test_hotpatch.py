"""BCS HotPatchUpdate on the process node: the process stays, learns its new image through a file and SIGHUP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from graceroll.api.meta import clone
from graceroll.node.process.hotpatch import image_file

from .harness import Cluster

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(20)]

HOTPATCH = "io.kubernetes.hotpatch.container"


def demo(image: str) -> dict[str, Any]:
    """A container that runs the demo app (no command, no image directory) with a readiness probe."""
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 0.1}
    return {"name": "app", "image": image, "ports": [{"name": "http", "containerPort": 8080}], "readinessProbe": probe}


def change(cluster: Cluster, name: str, image: str, hotpatch: str | None, **container: Any) -> None:
    """What a controller does: new image (and maybe more) in the spec, the annotation set or not."""
    pod = clone(cluster.store.get("Pod", "default", name))
    annotations = pod["metadata"].setdefault("annotations", {})
    annotations.pop(HOTPATCH, None)
    if hotpatch is not None:
        annotations[HOTPATCH] = hotpatch
    pod["spec"]["containers"][0].update(image=image, **container)
    cluster.store.update(pod)


def reasons(cluster: Cluster) -> list[str]:
    return [str(e["reason"]) for e in cluster.store.list("Event")]


async def version(cluster: Cluster, name: str) -> str:
    ip = cluster.status(name)["podIP"]
    return (await cluster.fetch(f"http://{ip}:8080/version")).decode().strip()


async def serving(cluster: Cluster, name: str, expected: str) -> None:
    """Poll the demo app until it answers ``expected`` on /version."""
    for _ in range(100):
        if await version(cluster, name) == expected:
            return
        await cluster.clock.sleep(0.05)
    raise AssertionError(f"{name} never answered {expected}")


def image_file_of(cluster: Cluster, name: str) -> str:
    uid = cluster.store.get("Pod", "default", name)["metadata"]["uid"]
    return image_file(cluster.state_dir / "pods" / uid, "app").read_text()


def ready_after(cluster: Cluster, name: str, mark: int) -> list[bool]:
    """The container's readiness in every status write of the pod since watch event ``mark``."""
    out = []
    for e in cluster.watch[mark:]:
        if e.object.get("kind") == "Pod" and e.object["metadata"]["name"] == name:
            out += [bool(cs.get("ready")) for cs in (e.object.get("status") or {}).get("containerStatuses") or ()]
    return out


async def test_hot_patch_keeps_the_process_and_the_app_reloads_the_new_image(cluster: Cluster) -> None:
    cluster.create("game", [demo("demo:v1")])
    await cluster.until(lambda: cluster.condition("game", "Ready") == "True", what="game Ready")
    await serving(cluster, "game", "demo:v1")
    before = cluster.cs("game")
    assert image_file_of(cluster, "game") == "demo:v1\n"

    mark = len(cluster.watch)
    change(cluster, "game", "demo:v2", hotpatch="true")
    await cluster.until(lambda: cluster.cs("game").get("image") == "demo:v2", what="status shows demo:v2")
    await serving(cluster, "game", "demo:v2")  # the same process re-read the image file on SIGHUP

    after = cluster.cs("game")
    assert after["containerID"] == before["containerID"], "same pid"
    assert after["restartCount"] == 0 and after["state"] == before["state"] and after["ready"] is True
    assert after["imageID"].startswith("graceroll://demo:v2@sha256:") and after["imageID"] != before["imageID"]
    assert image_file_of(cluster, "game") == "demo:v2\n"
    assert all(ready_after(cluster, "game", mark)), "readiness never dropped"
    assert "HotPatched" in reasons(cluster) and "Killing" not in reasons(cluster)
    root = json.loads(await cluster.fetch(f"http://{cluster.status('game')['podIP']}:8080/"))
    assert root["version"] == "demo:v2"


async def test_after_a_hot_patch_an_ordinary_image_change_restarts_from_the_patched_spec(cluster: Cluster) -> None:
    cluster.create("game", [demo("demo:v1")])
    await cluster.until(lambda: cluster.condition("game", "Ready") == "True", what="game Ready")
    await serving(cluster, "game", "demo:v1")
    change(cluster, "game", "demo:v2", hotpatch="true")
    await serving(cluster, "game", "demo:v2")
    patched = cluster.cs("game")

    change(cluster, "game", "demo:v3", hotpatch=None)
    await cluster.until(lambda: cluster.cs("game").get("restartCount") == 1, what="restarted in place")
    await cluster.until(lambda: cluster.condition("game", "Ready") == "True", what="game Ready again")
    await serving(cluster, "game", "demo:v3")
    after = cluster.cs("game")
    assert after["containerID"] != patched["containerID"]
    assert after["image"] == "demo:v3" and after["imageID"].startswith("graceroll://demo:v3@")
    assert after["lastState"]["terminated"]["reason"] == "Completed"  # stopped with SIGTERM
    assert image_file_of(cluster, "game") == "demo:v3\n"


@pytest.mark.parametrize(
    "hotpatch, extra",
    [
        pytest.param(None, {}, id="no annotation"),
        pytest.param("false", {}, id="annotation not true"),
        pytest.param("true", {"args": ["changed"]}, id="more than the image changed"),
    ],
)
async def test_image_change_that_is_no_hot_patch_restarts(cluster: Cluster, hotpatch: str | None, extra: dict[str, Any]) -> None:
    cluster.create("web", [cluster.container()])
    pid = await cluster.app_running("web")
    change(cluster, "web", "app:v2", hotpatch, **extra)
    await cluster.until(lambda: cluster.cs("web").get("restartCount") == 1, what="restarted in place")
    assert await cluster.app_running("web") != pid
    assert cluster.cs("web")["lastState"]["terminated"]["reason"] == "Completed", "stopped with SIGTERM, not SIGHUP"
    assert "HotPatched" not in reasons(cluster)


async def test_hot_patch_to_an_unusable_image_keeps_the_old_one_running(cluster: Cluster) -> None:
    broken = cluster.tmp / "images" / "app" / "broken" / "run"
    broken.parent.mkdir(parents=True)
    broken.write_text("#!/bin/sh\n")  # not executable: ErrImagePull
    cluster.create("web", [cluster.container()])
    pid = await cluster.app_running("web")
    before = cluster.cs("web")

    change(cluster, "web", "app:broken", hotpatch="true")
    await cluster.until(lambda: "FailedHotPatch" in reasons(cluster), what="FailedHotPatch event")
    after = cluster.cs("web")
    assert cluster.pid("web") == pid and after["restartCount"] == 0
    assert (after["image"], after["imageID"]) == (before["image"], before["imageID"])
    assert image_file_of(cluster, "web") == "app:v1\n"
    assert [e["pid"] for e in cluster.app_events("start")] == [pid]
