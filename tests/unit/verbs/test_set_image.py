"""``set image``: container images in a pod template, all or nothing."""

from __future__ import annotations

import pytest

from graceroll.errors import UsageError
from graceroll.store.memory import MemoryStore
from graceroll.verbs.set_image import set_image

from .builders import container, create, manifest


@pytest.fixture
def web(store: MemoryStore) -> None:
    m = manifest("web", container("app"), container("log", image="log:1"))
    m["spec"]["template"]["spec"]["initContainers"] = [container("init", image="init:1")]
    create(store, m)


def images(store: MemoryStore) -> dict[str, str]:
    spec = store.get("Deployment", "default", "web")["spec"]["template"]["spec"]
    return {c["name"]: c["image"] for key in ("initContainers", "containers") for c in spec.get(key, [])}


@pytest.mark.usefixtures("web")
def test_set_image_changes_the_named_container(store: MemoryStore) -> None:
    assert set_image(store, "deployment", "web", {"app": "web:2"}) == "deployment.apps/web image updated"
    assert images(store) == {"init": "init:1", "app": "web:2", "log": "log:1"}


@pytest.mark.usefixtures("web")
def test_set_image_star_changes_every_container(store: MemoryStore) -> None:
    set_image(store, "deploy", "web", {"*": "all:1"})
    assert set(images(store).values()) == {"all:1"}


@pytest.mark.usefixtures("web")
def test_set_image_of_an_unknown_container_fails_and_writes_nothing(store: MemoryStore) -> None:
    before = store.resource_version
    with pytest.raises(UsageError, match=r'^unable to find container named "nope"$'):
        set_image(store, "deploy", "web", {"app": "web:2", "nope": "x:1"})
    assert store.resource_version == before


@pytest.mark.usefixtures("web")
def test_set_image_to_the_current_image_prints_nothing(store: MemoryStore) -> None:
    before = store.resource_version
    assert set_image(store, "deploy", "web", {"app": "web:1"}) == ""
    assert store.resource_version == before


@pytest.mark.usefixtures("web")
def test_set_image_needs_at_least_one_update(store: MemoryStore) -> None:
    with pytest.raises(UsageError, match="at least one image update is required"):
        set_image(store, "deploy", "web", {})


@pytest.mark.usefixtures("web")
def test_set_image_records_the_change_cause(store: MemoryStore) -> None:
    set_image(store, "deploy", "web", {"app": "web:2"}, change_cause="graceroll set image deploy/web app=web:2 --record=true")
    annotations = store.get("Deployment", "default", "web")["metadata"]["annotations"]
    assert annotations["kubernetes.io/change-cause"] == "graceroll set image deploy/web app=web:2 --record=true"


def test_set_image_of_a_kind_without_containers_is_refused(store: MemoryStore) -> None:
    create(store, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    with pytest.raises(UsageError, match="service/web has no pod template"):
        set_image(store, "svc", "web", {"app": "x:1"})
