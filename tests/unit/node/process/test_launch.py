"""From manifest to process: environment, downward API, $(VAR) expansion, volumes, working directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from graceroll.node.process.images import ImageResolver
from graceroll.node.process.launch import (
    Launch,
    LaunchError,
    PodPlace,
    claim_dir,
    expand,
    prepare_launch,
    prepare_pod_dir,
    refresh_projections,
    volume_env_name,
)


def make_pod(container: dict[str, Any], volumes: list[dict[str, Any]] | None = None, **spec: Any) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop", "uid": "u-1", "labels": {"app": "web"}, "annotations": {"team": "a"}},
        "spec": {"containers": [{"name": "app", "image": "demo:v1", **container}], "volumes": volumes or [], **spec},
    }


@pytest.fixture
def place(tmp_path: Path) -> PodPlace:
    return PodPlace(tmp_path / "pods" / "u-1", "127.10.0.4", "127.0.0.1", "local", tmp_path / "claims")


def launch(pod: dict[str, Any], place: PodPlace, tmp_path: Path) -> Launch:
    prepare_pod_dir(pod, place)
    return prepare_launch(pod, pod["spec"]["containers"][0], place, ImageResolver(tmp_path), base_env={"PATH": "/bin", "HOME": "/h"})


@pytest.mark.parametrize(
    "text, out",
    [
        pytest.param("$(A)-$(B)", "1-$(B)", id="undefined names stay as written"),
        pytest.param("$$(A)", "$(A)", id="$$ escapes"),
        pytest.param("cost $5", "cost $5", id="a lone $ is kept"),
        pytest.param("$(A", "$(A", id="unclosed reference is kept"),
    ],
)
def test_expand(text: str, out: str) -> None:
    assert expand(text, {"A": "1"}) == out


def test_pod_facts_and_manifest_env_reach_the_process(place: PodPlace, tmp_path: Path) -> None:
    env = [
        {"name": "GREETING", "value": "hello $(POD_NAME)"},
        {"name": "MY_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "MY_NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "MY_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "MY_NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {"name": "MY_UID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}},
        {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
        {"name": "TEAM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['team']"}}},
        {"name": "NONE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['missing']"}}},
        {"name": "OPTIONAL", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k", "optional": True}}},
    ]
    out = launch(make_pod({"env": env, "ports": [{"containerPort": 9000, "name": "http"}]}), place, tmp_path)
    expected = {
        "PATH": "/bin",
        "HOME": "/h",
        "POD_NAME": "web-1",
        "POD_NAMESPACE": "shop",
        "POD_IP": "127.10.0.4",
        "GRACEROLL_IMAGE": "demo:v1",
        "GRACEROLL_CONTAINER": "app",
        "GRACEROLL_POD_UID": "u-1",
        "GRACEROLL_IMAGE_FILE": str(place.pod_dir / "images" / "app"),
        "PORT": "9000",
        "GREETING": "hello web-1",
        "MY_NAME": "web-1",
        "MY_NS": "shop",
        "MY_IP": "127.10.0.4",
        "MY_NODE": "local",
        "MY_UID": "u-1",
        "APP": "web",
        "TEAM": "a",
        "NONE": "",
    }
    assert {k: out.env[k] for k in expected} == expected
    assert "OPTIONAL" not in out.env
    assert out.ports == {"http": 9000}
    assert out.cwd == place.root


def test_command_and_args_are_expanded(place: PodPlace, tmp_path: Path) -> None:
    pod = make_pod({"command": ["/bin/echo", "$(POD_IP)"], "args": ["$(X)"], "env": [{"name": "X", "value": "x"}]})
    assert launch(pod, place, tmp_path).argv == ("/bin/echo", "127.10.0.4", "x")


def test_a_missing_config_map_blocks_the_container(place: PodPlace, tmp_path: Path) -> None:
    pod = make_pod({"env": [{"name": "K", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}]})
    with pytest.raises(LaunchError) as e:
        launch(pod, place, tmp_path)
    assert (e.value.reason, e.value.message) == ("CreateContainerConfigError", 'configmap "cm" not found')


def test_empty_dir_volume_is_an_env_var_and_a_relative_mount_a_link(place: PodPlace, tmp_path: Path) -> None:
    mounts = [{"name": "cache-dir", "mountPath": "data"}, {"name": "cache-dir", "mountPath": "/abs", "subPath": "sub"}]
    pod = make_pod({"volumeMounts": mounts[:1]}, volumes=[{"name": "cache-dir", "emptyDir": {}}])
    out = launch(pod, place, tmp_path)
    volume = place.volumes / "cache-dir"
    assert out.env[volume_env_name("cache-dir")] == str(volume) and volume.is_dir()
    assert (place.root / "data").resolve() == volume.resolve()
    pod["spec"]["containers"][0]["volumeMounts"] = mounts[1:]
    assert launch(pod, place, tmp_path).env["GRACEROLL_VOLUME_CACHE_DIR"] == str(volume / "sub")


def test_an_absolute_mount_path_is_named_as_not_honoured_unless_it_is_the_directory(place: PodPlace, tmp_path: Path) -> None:
    host = tmp_path / "host-logs"
    volumes = [{"name": "cfg", "emptyDir": {}}, {"name": "logs", "hostPath": {"path": str(host), "type": "DirectoryOrCreate"}}]
    mounts = [{"name": "cfg", "mountPath": "/etc/shop"}, {"name": "logs", "mountPath": str(host)}, {"name": "cfg", "mountPath": "rel"}]
    out = launch(make_pod({"volumeMounts": mounts}, volumes=volumes), place, tmp_path)
    assert out.unmounted == (f'volume "cfg" at /etc/shop: read it at $GRACEROLL_VOLUME_CFG ({place.volumes / "cfg"})',)


def claim_pod(claim: Any, mount_path: str = "data", **source: Any) -> dict[str, Any]:
    volume = {"name": "data", "persistentVolumeClaim": {"claimName": claim, **source}}
    return make_pod({"volumeMounts": [{"name": "data", "mountPath": mount_path}]}, volumes=[volume])


def test_claim_volume_is_a_directory_per_namespace_and_claim_outside_the_pod(place: PodPlace, tmp_path: Path) -> None:
    out = launch(claim_pod("data-web-1", readOnly=True), place, tmp_path)
    directory = tmp_path / "claims" / "shop" / "data-web-1"
    assert claim_dir(place.claims_dir, "shop", "data-web-1") == directory
    assert out.env["GRACEROLL_VOLUME_DATA"] == str(directory) and directory.is_dir()
    assert (place.root / "data").is_symlink() and (place.root / "data").resolve() == directory.resolve()
    assert not directory.resolve().is_relative_to(place.pod_dir.resolve())


def test_pods_of_the_same_claim_share_its_data(place: PodPlace, tmp_path: Path) -> None:
    launch(claim_pod("data-web-1"), place, tmp_path)
    (place.root / "data" / "saved").write_text("kept")
    recreated = claim_pod("data-web-1")
    recreated["metadata"]["uid"] = "u-2"
    again = PodPlace(tmp_path / "pods" / "u-2", "127.10.0.5", "127.0.0.1", "local", place.claims_dir)
    out = launch(recreated, again, tmp_path)
    assert (Path(out.env["GRACEROLL_VOLUME_DATA"]) / "saved").read_text() == "kept"
    assert (again.root / "data" / "saved").read_text() == "kept"


@pytest.mark.parametrize("claim", ["", "..", "a/b", None])
def test_a_claim_name_must_be_one_path_component(place: PodPlace, tmp_path: Path, claim: Any) -> None:
    with pytest.raises(LaunchError, match="claimName") as e:
        launch(claim_pod(claim), place, tmp_path)
    assert e.value.reason == "CreateContainerConfigError"
    assert not (tmp_path / "claims").exists()


def test_unsupported_volume_types_block_the_container(place: PodPlace, tmp_path: Path) -> None:
    pod = make_pod({"volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg"}]}, volumes=[{"name": "cfg", "nfs": {"server": "x"}}])
    with pytest.raises(LaunchError, match="nfs"):
        launch(pod, place, tmp_path)


# ---- ConfigMaps and Secrets ----------------------------------------------------------------------

CONFIG = {"kind": "ConfigMap", "metadata": {"name": "app", "namespace": "shop"}, "data": {"mode": "fast", "greeting": "hi"}, "binaryData": {"logo": "AAEC"}}
SECRET = {"kind": "Secret", "metadata": {"name": "creds", "namespace": "shop"}, "data": {"password": "aHVudGVyMg=="}}


def objects(*objs: dict[str, Any]) -> Any:
    table = {(o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]): o for o in objs}
    return lambda kind, namespace, name: table.get((kind, namespace, name))


def launch_with(pod: dict[str, Any], place: PodPlace, tmp_path: Path, *objs: dict[str, Any]) -> Launch:
    prepare_pod_dir(pod, place)
    return prepare_launch(pod, pod["spec"]["containers"][0], place, ImageResolver(tmp_path), base_env={}, lookup=objects(*objs))


def test_env_from_config_maps_and_secrets_then_env_wins(place: PodPlace, tmp_path: Path) -> None:
    container = {
        "envFrom": [{"configMapRef": {"name": "app"}}, {"secretRef": {"name": "creds"}, "prefix": "DB_"}, {"configMapRef": {"name": "nope", "optional": True}}],
        "env": [
            {"name": "mode", "value": "slow $(greeting)"},
            {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}},
            {"name": "MISSING", "valueFrom": {"configMapKeyRef": {"name": "app", "key": "nope", "optional": True}}},
        ],
    }
    env = launch_with(make_pod(container), place, tmp_path, CONFIG, SECRET).env
    assert (env["greeting"], env["mode"], env["DB_password"], env["PW"]) == ("hi", "slow hi", "hunter2", "hunter2")
    assert "logo" not in env and "MISSING" not in env  # binaryData is for volumes only


@pytest.mark.parametrize(
    "container, message",
    [
        pytest.param({"env": [{"name": "K", "valueFrom": {"configMapKeyRef": {"name": "app", "key": "k"}}}]}, "couldn't find key k in ConfigMap shop/app", id="missing key"),
        pytest.param({"env": [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "x", "key": "k"}}}]}, 'secret "x" not found', id="missing secret"),
        pytest.param({"envFrom": [{"secretRef": {"name": "x"}}]}, 'secret "x" not found', id="missing envFrom secret"),
    ],
)
def test_missing_references_keep_the_container_waiting(place: PodPlace, tmp_path: Path, container: dict[str, Any], message: str) -> None:
    with pytest.raises(LaunchError) as e:
        launch_with(make_pod(container), place, tmp_path, CONFIG)
    assert (e.value.reason, e.value.message, e.value.event) == ("CreateContainerConfigError", message, "Failed")


def test_config_map_and_secret_volumes_are_files_with_modes(place: PodPlace, tmp_path: Path) -> None:
    volumes = [
        {"name": "config", "configMap": {"name": "app", "defaultMode": 0o600}},
        {"name": "creds", "secret": {"secretName": "creds", "items": [{"key": "password", "path": "db/pw", "mode": 0o400}]}},
    ]
    mounts = [{"name": "config", "mountPath": "conf"}, {"name": "creds", "mountPath": "/etc/creds"}]
    env = launch_with(make_pod({"volumeMounts": mounts}, volumes=volumes), place, tmp_path, CONFIG, SECRET).env
    conf = place.root / "conf"
    assert (conf / "mode").read_text() == "fast" and (conf / "logo").read_bytes() == b"\x00\x01\x02"
    assert (conf / "mode").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in conf.iterdir() if not p.name.startswith("..")) == ["greeting", "logo", "mode"]
    pw = Path(env[volume_env_name("creds")]) / "db" / "pw"
    assert pw.read_text() == "hunter2" and pw.stat().st_mode & 0o777 == 0o400


def test_a_missing_volume_source_fails_the_mount_unless_optional(place: PodPlace, tmp_path: Path) -> None:
    volumes = [{"name": "config", "configMap": {"name": "gone"}}, {"name": "maybe", "secret": {"secretName": "gone", "optional": True}}]
    pod = make_pod({"volumeMounts": [{"name": "config", "mountPath": "conf"}]}, volumes=volumes)
    with pytest.raises(LaunchError) as e:
        launch_with(pod, place, tmp_path)
    assert (e.value.reason, e.value.event) == ("ContainerCreating", "FailedMount")
    assert e.value.message == 'MountVolume.SetUp failed for volume "config" : configmap "gone" not found'
    optional = make_pod({"volumeMounts": [{"name": "maybe", "mountPath": "m"}]}, volumes=volumes)
    launch_with(optional, place, tmp_path)
    assert [p.name for p in (place.root / "m").iterdir() if not p.name.startswith("..")] == []


def test_a_listed_key_that_does_not_exist_fails_the_mount(place: PodPlace, tmp_path: Path) -> None:
    volumes = [{"name": "config", "configMap": {"name": "app", "items": [{"key": "nope", "path": "x"}]}}]
    with pytest.raises(LaunchError, match="configmap references non-existent config key: nope"):
        launch_with(make_pod({"volumeMounts": [{"name": "config", "mountPath": "conf"}]}, volumes=volumes), place, tmp_path, CONFIG)


def test_a_changed_object_replaces_the_files_atomically(place: PodPlace, tmp_path: Path) -> None:
    volumes = [{"name": "config", "configMap": {"name": "app"}}]
    pod = make_pod({"volumeMounts": [{"name": "config", "mountPath": "conf"}]}, volumes=volumes)
    launch_with(pod, place, tmp_path, CONFIG)
    conf = place.root / "conf"
    first = os.readlink(conf / "..data")
    changed = dict(CONFIG, data={"mode": "slow"}, binaryData={})
    assert refresh_projections(pod, place, objects(changed), "ConfigMap", "app") == ["config"]
    assert (conf / "mode").read_text() == "slow"
    assert not (conf / "greeting").exists() and not (conf / first).exists()
    assert os.readlink(conf / "mode") == "..data/mode" and os.readlink(conf / "..data") != first
    assert refresh_projections(pod, place, objects(changed), "ConfigMap", "app") == []  # nothing new: nothing written
    assert refresh_projections(pod, place, objects(), "ConfigMap", "app") == []  # deleted: the files stay
    assert (conf / "mode").read_text() == "slow"


@pytest.mark.parametrize(
    "working_dir, expect",
    [
        pytest.param("", "root", id="default: the pod directory"),
        pytest.param("work/here", "root/work/here", id="relative: created under the pod directory"),
    ],
)
def test_working_dir(place: PodPlace, tmp_path: Path, working_dir: str, expect: str) -> None:
    out = launch(make_pod({"workingDir": working_dir}), place, tmp_path)
    assert out.cwd == place.pod_dir / expect and out.cwd.is_dir()


def test_absolute_working_dir_must_exist(place: PodPlace, tmp_path: Path) -> None:
    assert launch(make_pod({"workingDir": os.fspath(tmp_path)}), place, tmp_path).cwd == tmp_path
    with pytest.raises(LaunchError, match="does not exist"):
        launch(make_pod({"workingDir": os.fspath(tmp_path / "nope")}), place, tmp_path)
