"""The engine's durable store: a MemoryStore whose writes go through to one SQLite file.

Why this shape: every rule lives in ``store.memory``; this module only records. Each ``put`` or
``remove`` is one transaction that also stores the new global resourceVersion, so after a crash the
counter resumes where it stopped (deletes included) and never hands out a version twice. WAL mode
with ``synchronous=FULL`` makes a returned write durable; reads are served from memory.

The file and its journal are mode 0600 (it holds Secrets). One process owns the file. SQLite alone would let a second engine open it and the two would
silently overwrite each other's state, so ``SqlitePersistence`` takes an exclusive ``flock`` on
``<path>.lock`` and a second opener fails with a ``StorageError`` naming the holder's pid. The
kernel drops the lock when the holder dies, even by SIGKILL, so a restart after a crash just works.

Schema (``PRAGMA user_version`` = ``SCHEMA_VERSION``)::

    objects(kind, namespace, name) -> resource_version, body (the object as JSON)
    store_state(singleton = 1)     -> resource_version (the global counter)
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from graceroll import lockfile
from graceroll.clock import Clock
from graceroll.errors import StorageError
from graceroll.store.base import Obj
from graceroll.store.index import Key
from graceroll.store.memory import MemoryStore

SCHEMA_VERSION = 1

_SCHEMA = (
    """CREATE TABLE objects (
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        resource_version INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, namespace, name)
    ) WITHOUT ROWID""",
    """CREATE TABLE store_state (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        resource_version INTEGER NOT NULL
    )""",
    "INSERT INTO store_state (singleton, resource_version) VALUES (1, 0)",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)


class SqlitePersistence:
    """The ``store.memory.Persistence`` protocol over one SQLite file; see the module docstring."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock_fd: int | None = _acquire_lock(Path(f"{self.path}.lock"), self.path)
        self._conn: sqlite3.Connection | None = None
        try:
            self._conn = self._connect()
        except BaseException:
            self.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        _private(self.path)
        try:
            # Autocommit mode: every transaction below is an explicit BEGIN IMMEDIATE ... COMMIT.
            conn = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as e:
            raise StorageError(f"cannot open store {self.path}: {e}") from e
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StorageError(
                    f"cannot open store {self.path}: the filesystem refused WAL mode (got {mode!r})"
                )
            conn.execute("PRAGMA synchronous = FULL")
            self._check_schema(conn)
        except sqlite3.Error as e:
            conn.close()
            raise StorageError(f"cannot open store {self.path}: {e} (is it a graceroll store?)") from e
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_schema(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"store {self.path} has schema version {version}, newer than this graceroll "
                f"understands ({SCHEMA_VERSION}); upgrade graceroll or use another data dir"
            )
        if version == SCHEMA_VERSION:
            return
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        if tables:
            raise StorageError(
                f"store {self.path} is an SQLite database but not a graceroll store "
                f"(tables: {', '.join(sorted(tables))}); use another data dir"
            )
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # ---- Persistence -------------------------------------------------------------------------
    def load(self) -> tuple[int, Iterable[Obj]]:
        conn = self._open_conn()
        try:
            row = conn.execute("SELECT resource_version FROM store_state WHERE singleton = 1").fetchone()
            bodies = conn.execute("SELECT body FROM objects ORDER BY kind, namespace, name").fetchall()
        except sqlite3.Error as e:
            raise StorageError(f"cannot read store {self.path}: {e}") from e
        if row is None:
            raise StorageError(f"cannot read store {self.path}: its resourceVersion row is missing")
        objects: list[Obj] = []
        for (body,) in bodies:
            try:
                objects.append(json.loads(body))
            except ValueError as e:
                raise StorageError(f"cannot read store {self.path}: an object is not valid JSON: {e}") from e
        return int(row[0]), objects

    def put(self, obj: Obj, resource_version: int) -> None:
        md = obj["metadata"]
        key: Key = (obj["kind"], md.get("namespace") or "", md["name"])
        try:
            body = json.dumps(obj, separators=(",", ":"))
        except (TypeError, ValueError) as e:
            raise StorageError(f"cannot store {key[0]} {key[2]}: it is not plain JSON data: {e}") from e
        self._transaction(
            key,
            resource_version,
            "INSERT OR REPLACE INTO objects (kind, namespace, name, resource_version, body)"
            " VALUES (?, ?, ?, ?, ?)",
            (*key, resource_version, body),
        )

    def remove(self, key: Key, resource_version: int) -> None:
        self._transaction(
            key,
            resource_version,
            "DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
            key,
        )

    def close(self) -> None:
        """Close the database (checkpointing the WAL) and release the lock. Idempotent."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.close()
            except sqlite3.Error:
                pass  # the lock is released below either way; the WAL is replayed on the next open
        if self._lock_fd is not None:
            fd, self._lock_fd = self._lock_fd, None
            os.close(fd)  # closing the only descriptor releases the flock

    # ---- internals ---------------------------------------------------------------------------
    def _open_conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(f"store {self.path} is closed")
        return self._conn

    def _transaction(self, key: Key, resource_version: int, sql: str, params: tuple[object, ...]) -> None:
        """One object change plus the global counter, atomically; on failure nothing changes."""
        conn = self._open_conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(sql, params)
                conn.execute(
                    "UPDATE store_state SET resource_version = MAX(resource_version, ?) WHERE singleton = 1",
                    (resource_version,),
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as e:
            kind, namespace, name = key
            where = f"{namespace}/{name}" if namespace else name
            raise StorageError(f"cannot write {kind} {where} to store {self.path}: {e}") from e


def open_store(path: str | Path, clock: Clock, seed: int | None = None) -> MemoryStore:
    """The engine's store: creates the parent directories, opens (or creates) the file, takes the
    lock, loads every object and finishes any cascade a crash interrupted."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(f"cannot create data directory {p.parent}: {e.strerror or e}") from e
    persistence = SqlitePersistence(p)
    try:
        return MemoryStore(clock, persistence, seed=seed)
    except BaseException:
        persistence.close()
        raise


def _private(path: Path) -> None:
    """The store holds Secrets: only its owner may read it. The file is created 0600 (SQLite gives
    its -wal and -shm files the database file's mode) and an existing one is made 0600."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
        for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if f.exists():
                os.chmod(f, 0o600)
    except OSError as e:
        raise StorageError(f"cannot open store {path}: {e.strerror or e}") from e


def _acquire_lock(lock_path: Path, db_path: Path) -> int:
    try:
        return lockfile.acquire(lock_path)
    except lockfile.Held as e:
        who = f"process {e.holder}" if e.holder else "another process"
        raise StorageError(f"store {db_path} is in use by {who} (lock {lock_path}); stop that engine or use another data dir") from e
    except OSError as e:
        raise StorageError(f"cannot lock store {db_path} ({lock_path}): {e.strerror or e}") from e
