"""``graceroll wait`` and ``graceroll delete --wait`` against a store: a local one whose writers run
on another thread, and one with its own watch (as the engine's HTTP store) whose feed is scripted."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.api.admission import admit
from graceroll.api.meta import clone
from graceroll.cli import read_cmds, wait_cmd
from graceroll.cli.watch_feed import selects, watch
from graceroll.clock import SystemClock, VirtualClock
from graceroll.errors import GracerollError
from graceroll.store.base import Expired, WatchEvent
from graceroll.store.memory import MemoryStore

Obj = dict[str, Any]
BOUND = 10.0  # seconds any cross-thread hand-over may take before the test fails instead of hanging

APP = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
APP.command()(wait_cmd.wait)
APP.command()(read_cmds.delete)


@dataclass
class Ctx:
    """What the commands read from ``ctx.obj``."""

    store: Any
    clock: Any
    cwd: Path
    namespace: str = "default"


def run(ctx: Ctx, *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr, with a graceroll error printed as ``main`` prints it."""
    result = CliRunner().invoke(APP, list(argv), obj=ctx, prog_name="graceroll")
    err = result.stderr
    if isinstance(result.exception, GracerollError):
        err += f"error: {result.exception}\n"
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, err


def make_pod(store: MemoryStore, name: str = "web-0", labels: dict[str, str] | None = None, grace: int = 0) -> Obj:
    spec = {"containers": [{"name": "app", "image": "web:1"}], "terminationGracePeriodSeconds": grace}
    created: Obj = store.create(admit({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {"app": "web"}}, "spec": spec}))
    return created


def set_ready(store: MemoryStore, name: str = "web-0", status: str = "True") -> None:
    p = clone(store.get("Pod", "default", name))
    p["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": status}]}
    store.update_status(p)


class LocalStore(MemoryStore):
    """A local store that says when a watch on it has caught up (its last read before it blocks),
    so a writer thread changes it only while the waiting thread reads nothing but its queue."""

    def __init__(self) -> None:
        super().__init__(VirtualClock(), seed=0)
        self.caught_up = threading.Event()

    def events_since(self, resource_version: int) -> list[WatchEvent]:
        events = super().events_since(resource_version)
        self.caught_up.set()
        return events


def in_thread(store: LocalStore, change: Callable[[], None]) -> threading.Thread:
    """Make ``change`` once a watch on ``store`` has caught up."""

    def body() -> None:
        if store.caught_up.wait(BOUND):
            change()

    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t


@pytest.fixture
def local(tmp_path: Path) -> Ctx:
    return Ctx(LocalStore(), SystemClock(), tmp_path)


Step = Callable[["FeedStore", float], bool | None]


class FeedStore(MemoryStore):
    """A store with its own watch, as the engine's HTTP store: every watch runs the next step of a
    script (changes, time passing, an error), then streams what changed (unless the step returns
    False: the stream broke first) and ends, as a server closing the stream does. ``watches``
    records the resourceVersion each watch resumed from."""

    def __init__(self, clock: VirtualClock, steps: list[Step]) -> None:
        super().__init__(clock, seed=0)
        self.clock = clock
        self.steps = steps
        self.watches: list[str] = []

    def watch(self, kind: str, namespace: str | None = None, name: str | None = None, resource_version: str = "", timeout: float = 3600) -> Iterator[WatchEvent]:
        self.watches.append(resource_version)
        if self.steps.pop(0)(self, timeout) is False:
            return
        if resource_version:
            events = self.events_since(int(resource_version))
        else:  # from the current state
            events = [WatchEvent("ADDED", o, self.resource_version) for o in self.list(kind, namespace, name=name)]
        yield from (e for e in events if selects(e, kind, namespace, name))


def scripted(tmp_path: Path, *steps: Step) -> Ctx:
    clock = VirtualClock()
    return Ctx(FeedStore(clock, list(steps)), clock, tmp_path)


def time_passes(store: FeedStore, timeout: float) -> None:
    store.clock.block(timeout)


# ---- waiting for a condition ---------------------------------------------------------------------
def test_a_condition_already_met_is_printed_at_once(local: Ctx) -> None:
    make_pod(local.store)
    set_ready(local.store)
    assert run(local, "wait", "--for=condition=Ready", "pod/web-0") == (0, "pod/web-0 condition met\n", "")
    assert run(local, "wait", "--for", "condition=ready=TRUE", "pods", "web-0") == (0, "pod/web-0 condition met\n", "")


def test_waits_for_a_change_made_while_it_watches(local: Ctx) -> None:
    make_pod(local.store)
    writer = in_thread(local.store, lambda: set_ready(local.store))
    code, out, err = run(local, "wait", "--for=condition=Ready", "pod/web-0", f"--timeout={BOUND:g}s")
    writer.join(BOUND)
    assert (code, out, err) == (0, "pod/web-0 condition met\n", "")


def test_jsonpath_waits_for_a_value(local: Ctx) -> None:
    make_pod(local.store)
    writer = in_thread(local.store, lambda: set_ready(local.store))
    code, out, _ = run(local, "wait", "--for=jsonpath={.status.phase}=Running", "po/web-0", f"--timeout={BOUND:g}")
    writer.join(BOUND)
    assert (code, out) == (0, "pod/web-0 condition met\n")


def test_timeout_0_checks_once(local: Ctx) -> None:
    make_pod(local.store)
    assert run(local, "wait", "--for=condition=Ready", "pod/web-0", "--timeout=0") == (1, "", "error: condition not met for pods/web-0\n")


def test_times_out_when_the_condition_never_comes(tmp_path: Path) -> None:
    ctx = scripted(tmp_path, time_passes)
    make_pod(ctx.store)
    assert run(ctx, "wait", "--for=condition=Ready", "pod/web-0", "--timeout=30s") == (1, "", "error: timed out waiting for the condition on pods/web-0\n")
    assert ctx.clock.elapsed() == 30


def test_times_out_on_the_local_store_too(local: Ctx) -> None:
    make_pod(local.store)
    assert run(local, "wait", "--for=condition=Ready", "pod/web-0", "--timeout=10ms")[2] == "error: timed out waiting for the condition on pods/web-0\n"


def test_lists_then_watches_from_the_listed_version_and_lists_again_when_the_watch_ends(tmp_path: Path) -> None:
    def unrelated_change(store: FeedStore, timeout: float) -> None:
        p = clone(store.get("Pod", "default", "web-0"))
        p["metadata"]["labels"]["x"] = "y"
        store.update(p)

    def ready(store: FeedStore, timeout: float) -> None:
        set_ready(store)

    ctx = scripted(tmp_path, unrelated_change, ready)
    listed = make_pod(ctx.store)["metadata"]["resourceVersion"]
    assert run(ctx, "wait", "--for=condition=Ready", "pod/web-0") == (0, "pod/web-0 condition met\n", "")
    assert ctx.store.watches == [listed, str(int(listed) + 1)]


def test_an_expired_version_resumes_from_the_current_state(tmp_path: Path) -> None:
    def expired(store: FeedStore, timeout: float) -> None:
        raise Expired("too old resource version")

    def ready(store: FeedStore, timeout: float) -> None:
        set_ready(store)

    ctx = scripted(tmp_path, expired, ready)
    listed = make_pod(ctx.store)["metadata"]["resourceVersion"]
    assert run(ctx, "wait", "--for=condition=Ready", "pod/web-0")[:2] == (0, "pod/web-0 condition met\n")
    assert ctx.store.watches == [listed, ""]


def test_selector_and_all(local: Ctx) -> None:
    for name, app in (("web-0", "web"), ("db-0", "db")):
        make_pod(local.store, name, {"app": app})
        set_ready(local.store, name)
    assert run(local, "wait", "--for=condition=Ready", "pods", "-l", "app=web") == (0, "pod/web-0 condition met\n", "")
    assert run(local, "wait", "--for=condition=Ready", "pods", "--all") == (0, "pod/db-0 condition met\npod/web-0 condition met\n", "")
    assert run(local, "wait", "--for=condition=Ready", "pods", "-l", "app=none") == (1, "", "error: no matching resources found\n")
    assert run(local, "wait", "--for=delete", "pods", "-l", "app=none") == (0, "", "")


def test_every_object_is_waited_for_and_every_failure_reported(local: Ctx) -> None:
    make_pod(local.store, "web-0")
    make_pod(local.store, "web-1")
    set_ready(local.store, "web-1")
    code, out, err = run(local, "wait", "--for=condition=Ready", "pod/web-0", "pod/nope", "pod/web-1", "--timeout=0")
    assert (code, out) == (1, "pod/web-1 condition met\n")
    assert err == 'error: condition not met for pods/web-0\npods "nope" not found\n'


# ---- waiting for deletion ------------------------------------------------------------------------
def test_for_delete_waits_until_the_object_is_gone(local: Ctx) -> None:
    make_pod(local.store)
    writer = in_thread(local.store, lambda: local.store.delete("Pod", "default", "web-0"))
    code, out, err = run(local, "wait", "--for=delete", "pod/web-0", f"--timeout={BOUND:g}s")
    writer.join(BOUND)
    assert (code, out, err) == (0, "pod/web-0 condition met\n", "")


def test_for_delete_of_a_missing_object_is_met_silently(local: Ctx) -> None:
    assert run(local, "wait", "--for=delete", "pod/nope", "--timeout=0") == (0, "", "")


def test_delete_waits_until_a_terminating_pod_is_gone(local: Ctx) -> None:
    make_pod(local.store, grace=30)
    writer = in_thread(local.store, lambda: local.store.delete("Pod", "default", "web-0", grace_period_seconds=0))
    code, out, err = run(local, "delete", "pod", "web-0", f"--timeout={BOUND:g}s")
    writer.join(BOUND)
    assert (code, out, err) == (0, 'pod "web-0" deleted\n', "")
    assert local.store.try_get("Pod", "default", "web-0") is None


def test_delete_wait_false_returns_while_the_pod_terminates(local: Ctx) -> None:
    make_pod(local.store, grace=30)
    assert run(local, "delete", "pod/web-0", "--wait=false") == (0, 'pod "web-0" deleted\n', "")
    assert local.store.get("Pod", "default", "web-0")["metadata"]["deletionTimestamp"]


def test_delete_times_out(tmp_path: Path) -> None:
    ctx = scripted(tmp_path, time_passes)
    make_pod(ctx.store, grace=30)
    assert run(ctx, "delete", "pod/web-0", "--timeout=5s") == (1, 'pod "web-0" deleted\n', "error: timed out waiting for the condition on pods/web-0\n")


def test_delete_counts_a_recreated_pod_as_gone(tmp_path: Path) -> None:
    def recreated_unseen(store: FeedStore, timeout: float) -> bool:
        store.delete("Pod", "default", "web-0", grace_period_seconds=0)
        make_pod(store, grace=30)
        return False  # the stream breaks: only the list after it shows the new pod

    ctx = scripted(tmp_path, recreated_unseen)
    make_pod(ctx.store, grace=30)
    assert run(ctx, "delete", "pod/web-0") == (0, 'pod "web-0" deleted\n', "")
    assert ctx.store.get("Pod", "default", "web-0")["metadata"].get("deletionTimestamp") is None


def test_delete_of_an_object_without_grace_does_not_watch(tmp_path: Path) -> None:
    ctx = scripted(tmp_path)  # no steps: a watch would fail
    make_pod(ctx.store)
    assert run(ctx, "delete", "pod/web-0") == (0, 'pod "web-0" deleted\n', "")


# ---- usage errors --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "error"),
    [
        pytest.param(["wait", "--for=bogus", "pod/web-0"], 'unrecognized condition: "bogus"', id="an unknown --for"),
        pytest.param(["wait", "--for=delete", "pods"], "resource(s) were provided, but no name was specified", id="a kind without names"),
        pytest.param(["wait", "--for=delete"], "you must provide one or more resources", id="nothing to wait for"),
        pytest.param(["wait", "--for=delete", "pod/web-0", "-l", "app=web"], "name cannot be provided when a selector", id="names and a selector"),
        pytest.param(["wait", "--for=delete", "pod/web-0", "--timeout=soon"], 'invalid argument "soon" for "--timeout" flag', id="a bad timeout"),
        pytest.param(["delete", "pod/web-0", "--wait=maybe"], 'invalid argument "maybe" for "--wait" flag', id="a bad --wait"),
    ],
)
def test_usage_errors(local: Ctx, argv: list[str], error: str) -> None:
    make_pod(local.store)
    code, out, err = run(local, *argv)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {error}")
    assert local.store.try_get("Pod", "default", "web-0") is not None, "nothing is deleted after a usage error"


def test_for_is_required(local: Ctx) -> None:
    assert run(local, "wait", "pod/web-0")[0] == 2


# ---- the local watch -----------------------------------------------------------------------------
def test_local_watch_replays_the_objects_changes_after_a_version() -> None:
    store = MemoryStore(VirtualClock(), seed=0)
    since = make_pod(store, "web-0")["metadata"]["resourceVersion"]
    make_pod(store, "web-1")
    set_ready(store, "web-0")
    events = list(watch(store, SystemClock(), "Pod", "default", "web-0", int(since), 0))
    assert [(e.type, e.object["metadata"]["name"]) for e in events] == [("MODIFIED", "web-0")]
    current = list(watch(store, SystemClock(), "Pod", "default", None, None, 0))
    assert [(e.type, e.object["metadata"]["name"]) for e in current] == [("ADDED", "web-0"), ("ADDED", "web-1")]
