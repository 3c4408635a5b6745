"""``set env``: variables in a pod template, set, replaced and removed as kubectl does."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.errors import UsageError
from graceroll.store.memory import MemoryStore
from graceroll.verbs.set_env import parse_env_args, set_env

from .builders import container, create, manifest


@pytest.fixture
def web(store: MemoryStore) -> None:
    app = container("app")
    app["env"] = [{"name": "MODE", "value": "fast"}, {"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]
    m = manifest("web", app, container("log", image="log:1"))
    m["spec"]["template"]["spec"]["initContainers"] = [container("init", image="init:1")]
    create(store, m)


def env(store: MemoryStore) -> dict[str, list[dict[str, Any]]]:
    spec = store.get("Deployment", "default", "web")["spec"]["template"]["spec"]
    return {c["name"]: c.get("env", []) for key in ("initContainers", "containers") for c in spec.get(key, [])}


def test_arguments_are_sets_and_removals() -> None:
    assert parse_env_args(["A=1", "B=", "C-", "D=x=y"]) == ({"A": "1", "B": "", "D": "x=y"}, ["C"])
    with pytest.raises(UsageError, match='key=value or key-: "nope"'):
        parse_env_args(["nope"])
    with pytest.raises(UsageError, match="at least one environment variable"):
        parse_env_args([])


@pytest.mark.usefixtures("web")
def test_set_replaces_a_value_from_keeps_order_and_adds_new_ones_in_the_chosen_containers(store: MemoryStore) -> None:
    assert set_env(store, "deployment", "web", {"KEY": "plain", "NEW": "1"}, containers="app") == "deployment.apps/web env updated"
    assert env(store)["app"] == [{"name": "MODE", "value": "fast"}, {"name": "KEY", "value": "plain"}, {"name": "NEW", "value": "1"}]
    assert env(store)["log"] == [] and env(store)["init"] == []


@pytest.mark.usefixtures("web")
def test_every_container_by_default_and_removal(store: MemoryStore) -> None:
    set_env(store, "deploy", "web", {"LEVEL": "debug"})
    assert all({"name": "LEVEL", "value": "debug"} in e for e in env(store).values())
    set_env(store, "deploy", "web", {}, ["LEVEL", "MODE"])
    assert env(store) == {"init": [], "app": [{"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}], "log": []}


@pytest.mark.usefixtures("web")
def test_nothing_to_change_prints_nothing_and_an_unknown_container_writes_nothing(store: MemoryStore) -> None:
    before = store.resource_version
    assert set_env(store, "deploy", "web", {"MODE": "fast"}, containers="app") == ""
    with pytest.raises(UsageError, match='unable to find container named "nope"'):
        set_env(store, "deploy", "web", {"MODE": "slow"}, containers="nope")
    assert store.resource_version == before
