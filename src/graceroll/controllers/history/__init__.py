"""ControllerRevisions as a workload's history (``kubernetes/kubernetes:pkg/controller/history``).

Shared by the OpenKruise workloads: a revision's name is ``<parent>-<hash>`` where the hash is
FNV-1a over the revision data plus the parent's ``collisionCount``, encoded with Kubernetes'
safe alphabet. The bytes hashed differ from upstream (JSON here, the raw object there), so
names differ from a real cluster's while their shape and the collision rule are the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

Obj = dict[str, Any]
HASH_LABEL = "controller.kubernetes.io/hash"
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def fnv1a_32(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode(s: str) -> str:
    """``rand.SafeEncodeString``: no vowels, so no words (and no confusable 0/1/3)."""
    return "".join(_ALPHANUMS[ord(c) % len(_ALPHANUMS)] for c in s)


def hash_data(data: Obj, collision_count: int | None) -> str:
    raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        raw += int(collision_count).to_bytes(4, "little")
    return safe_encode(str(fnv1a_32(raw)))


def revision_name(parent: str, hash_: str) -> str:
    """``ControllerRevisionName``: the parent's name cut to 223 characters, a dash, the hash."""
    return f"{parent[:223]}-{hash_}"


def number(revision: Obj) -> int:
    return int(revision.get("revision") or 0)


def sort_by_number(revisions: Iterable[Obj]) -> list[Obj]:
    """Oldest first (revision number, then creation time, then name)."""
    return sorted(revisions, key=lambda r: (number(r), r["metadata"].get("creationTimestamp", ""), r["metadata"]["name"]))


def next_number(revisions: Iterable[Obj]) -> int:
    return max((number(r) for r in revisions), default=0) + 1


def find_equal(revisions: Iterable[Obj], data: Obj) -> list[Obj]:
    return [r for r in revisions if r.get("data") == data]


def victims(revisions: Iterable[Obj], live: set[str], limit: int) -> list[Obj]:
    """Revisions to delete: the oldest non-live ones beyond ``limit`` (live ones are never counted)."""
    dead = [r for r in sort_by_number(revisions) if r["metadata"]["name"] not in live]
    return dead[: max(len(dead) - limit, 0)]
