"""The SQLite-backed store: what survives close and reopen, the single-owner lock, errors on bad files."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from graceroll.clock import VirtualClock
from graceroll.errors import StorageError
from graceroll.store.base import Expired
from graceroll.store.index import key_of
from graceroll.store.memory import MemoryStore
from graceroll.store.sqlite import SCHEMA_VERSION, SqlitePersistence, open_store

from .builders import Obj, deployment, pod, replicaset, with_changes


def snapshot(store: MemoryStore) -> dict[tuple[str, str, str], Obj]:
    return {key_of(o): o for o in store.all_objects()}


def test_objects_survive_close_and_reopen(tmp_path: Path, clock: VirtualClock) -> None:
    path = tmp_path / "data" / "nested" / "state.db"
    store = open_store(path, clock)
    rs = store.create(replicaset("web", 2))
    store.update_status(with_changes(rs, status={"replicas": 2}))
    store.create(pod("p1", grace=30, labels={"app": "web"}))
    store.delete("Pod", "default", "p1")  # terminating: the mark must survive too
    store.create(pod("p2", namespace="prod"))
    before, version = snapshot(store), store.resource_version
    store.close()

    again = open_store(path, clock)
    try:
        assert snapshot(again) == before
        assert again.resource_version == version
    finally:
        again.close()


def test_the_resource_version_counter_survives_deletes_and_reopen(
    tmp_path: Path, clock: VirtualClock
) -> None:
    path = tmp_path / "state.db"
    store = open_store(path, clock)
    for name in ("a", "b", "c"):
        store.create(pod(name))
    for name in ("a", "b", "c"):
        store.delete("Pod", "default", name)
    assert store.resource_version == 6
    store.close()

    again = open_store(path, clock)
    try:
        assert again.resource_version == 6
        assert again.list("Pod") == []
        assert again.create(pod("d"))["metadata"]["resourceVersion"] == "7"
    finally:
        again.close()


def test_deletions_survive_reopen(tmp_path: Path, clock: VirtualClock) -> None:
    path = tmp_path / "state.db"
    store = open_store(path, clock)
    d = store.create(deployment("web"))
    store.create(replicaset("web-1", owners=(d,)))
    store.create(pod("keep"))
    store.delete("Deployment", "default", "web")
    store.close()

    again = open_store(path, clock)
    try:
        assert [o["metadata"]["name"] for o in again.all_objects()] == ["keep"]
    finally:
        again.close()


def test_each_write_commits_the_global_resource_version(tmp_path: Path, clock: VirtualClock) -> None:
    path = tmp_path / "state.db"
    store = open_store(path, clock)
    try:
        store.create(pod("a"))
        store.delete("Pod", "default", "a")
        with sqlite3.connect(path) as reader:
            assert reader.execute("SELECT resource_version FROM store_state").fetchone() == (2,)
            assert reader.execute("SELECT COUNT(*) FROM objects").fetchone() == (0,)
            assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert reader.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        reader.close()
    finally:
        store.close()


def test_a_reopened_store_with_the_same_seed_hands_out_new_uids(tmp_path: Path, clock: VirtualClock) -> None:
    path = tmp_path / "state.db"

    def create_five(prefix: str) -> set[str]:
        store = open_store(path, clock, seed=7)
        try:
            return {store.create(pod(f"{prefix}{i}"))["metadata"]["uid"] for i in range(5)}
        finally:
            store.close()

    first = create_five("a")
    second = create_five("b")
    assert len(first | second) == 10


def test_watch_history_starts_over_after_reopen(tmp_path: Path, clock: VirtualClock) -> None:
    path = tmp_path / "state.db"
    store = open_store(path, clock)
    store.create(pod("a"))
    store.create(pod("b"))
    store.close()
    again = open_store(path, clock)
    try:
        assert again.events_since(2) == []
        with pytest.raises(Expired, match="too old resource version: 1"):
            again.events_since(1)
        again.create(pod("c"))
        assert [e.object["metadata"]["name"] for e in again.events_since(2)] == ["c"]
    finally:
        again.close()


def test_opening_finishes_a_cascade_a_crash_interrupted(tmp_path: Path, clock: VirtualClock) -> None:
    """The crash came after the owners were removed and before their dependents were: on disk there
    are dependents whose owners are missing. Opening the store deletes them, recursively."""
    path = tmp_path / "state.db"

    def stored(obj: Obj, uid: str, rv: int, owners: tuple[str, ...] = ()) -> Obj:
        md = obj["metadata"]
        md.update(
            namespace="default",
            uid=uid,
            resourceVersion=str(rv),
            generation=1,
            creationTimestamp="2026-01-01T00:00:00Z",
        )
        if owners:
            md["ownerReferences"] = [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"owner-{u}",
                    "uid": u,
                    "controller": i == 0,
                }
                for i, u in enumerate(owners)
            ]
        return obj

    disk = SqlitePersistence(path)
    writes = [
        stored(replicaset("orphaned-rs"), "rs-1", 1, owners=("gone-deployment",)),
        stored(pod("p-now"), "pod-1", 2, owners=("rs-1",)),
        stored(pod("p-graceful", grace=30), "pod-2", 3, owners=("rs-1",)),
        stored(replicaset("keeper"), "rs-2", 4),
        stored(pod("p-shared"), "pod-3", 5, owners=("gone-rs", "rs-2")),
        stored(pod("p-free"), "pod-4", 6),
    ]
    for i, obj in enumerate(writes, start=1):
        disk.put(obj, i)
    disk.close()

    store = open_store(path, clock)
    try:
        assert store.try_get("ReplicaSet", "default", "orphaned-rs") is None
        assert store.try_get("Pod", "default", "p-now") is None
        assert store.get("Pod", "default", "p-graceful")["metadata"]["deletionGracePeriodSeconds"] == 30
        shared = store.get("Pod", "default", "p-shared")
        assert [r["uid"] for r in shared["metadata"]["ownerReferences"]] == ["rs-2"]
        assert store.try_get("Pod", "default", "p-free") is not None
        assert store.resource_version > len(writes)
        after = snapshot(store)
    finally:
        store.close()

    again = open_store(path, clock)
    try:
        assert snapshot(again) == after, "the collector's writes were persisted"
    finally:
        again.close()


# ---- the lock ----------------------------------------------------------------------------------


def test_a_second_open_of_the_same_store_fails_while_the_first_holds_it(
    tmp_path: Path, clock: VirtualClock
) -> None:
    path = tmp_path / "state.db"
    first = open_store(path, clock)
    try:
        with pytest.raises(StorageError, match=rf"is in use by process {os.getpid()} .*stop that engine"):
            open_store(path, clock)
        first.create(pod("still-works"))
    finally:
        first.close()
    second = open_store(path, clock)
    try:
        assert second.get("Pod", "default", "still-works")
    finally:
        second.close()


def _lock_is_free(path: Path) -> bool:
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


# ---- bad files ---------------------------------------------------------------------------------


def _garbage(path: Path) -> Path:
    path.write_bytes(b"this is not a database\n" * 200)
    return path


def _newer_schema(path: Path) -> Path:
    SqlitePersistence(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    return path


def _foreign_database(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.close()
    return path


def _directory(path: Path) -> Path:
    path.mkdir()
    return path


def _below_a_file(path: Path) -> Path:
    path.write_text("a file, not a directory")
    return path / "state.db"


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        pytest.param(
            _garbage, r"cannot open store .*: file is not a database", id="a file that is not a database"
        ),
        pytest.param(
            _newer_schema,
            rf"schema version {SCHEMA_VERSION + 1}, newer than this graceroll understands",
            id="a newer schema",
        ),
        pytest.param(
            _foreign_database, r"not a graceroll store \(tables: invoices\)", id="another program's database"
        ),
        pytest.param(_directory, r"cannot open store", id="a directory where the file should be"),
        pytest.param(
            _below_a_file, r"cannot create data directory", id="a data dir path through a regular file"
        ),
    ],
)
def test_unusable_files_fail_with_a_clear_storage_error(
    tmp_path: Path, clock: VirtualClock, prepare: Callable[[Path], Path], message: str
) -> None:
    path = prepare(tmp_path / "state.db")
    with pytest.raises(StorageError, match=message):
        open_store(path, clock)
    if path.parent.is_dir():
        assert _lock_is_free(path), "a failed open releases the lock"


def test_writes_after_close_fail_clearly(tmp_path: Path) -> None:
    disk = SqlitePersistence(tmp_path / "state.db")
    disk.close()
    disk.close()
    with pytest.raises(StorageError, match="is closed"):
        disk.put(pod("a"), 1)


def test_reopening_finishes_a_foreground_deletion_and_an_old_grace_mark(tmp_path: Path, clock: VirtualClock) -> None:
    """As a crash (or an older graceroll, which marked Deployments with a grace period) left them."""
    path = tmp_path / "state.db"
    disk = SqlitePersistence(path)
    owner = deployment("web")
    owner["metadata"].update(namespace="default", uid="d-1", resourceVersion="1", finalizers=["foregroundDeletion"],
                             deletionTimestamp="2024-01-01T00:00:00Z", deletionGracePeriodSeconds=0)
    rs = replicaset("web-1")
    rs["metadata"].update(namespace="default", uid="rs-1", resourceVersion="2", ownerReferences=[
        {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d-1", "controller": True, "blockOwnerDeletion": True}])
    stale = deployment("stale")
    stale["metadata"].update(namespace="default", uid="d-2", resourceVersion="3", deletionTimestamp="2024-01-01T00:00:30Z", deletionGracePeriodSeconds=30)
    for i, obj in enumerate((owner, rs, stale), start=1):
        disk.put(obj, i)
    disk.close()

    store = open_store(path, clock)
    try:
        assert store.try_get("ReplicaSet", "default", "web-1") is None
        assert store.try_get("Deployment", "default", "web") is None
        assert store.try_get("Deployment", "default", "stale") is None
    finally:
        store.close()


def test_the_store_file_and_its_journal_are_private(tmp_path: Path, clock: VirtualClock) -> None:
    path = tmp_path / "state.db"
    path.touch(mode=0o644)  # an older store, readable by everyone
    os.chmod(path, 0o644)
    store = open_store(path, clock)
    try:
        store.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"}, "data": {"k": "dg=="}})
        for f in (path, tmp_path / "state.db-wal", tmp_path / "state.db-shm"):
            assert f.stat().st_mode & 0o777 == 0o600, f
    finally:
        store.close()
    fresh = tmp_path / "fresh.db"
    open_store(fresh, clock).close()
    assert fresh.stat().st_mode & 0o777 == 0o600
