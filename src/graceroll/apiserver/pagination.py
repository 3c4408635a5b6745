"""``limit`` and ``continue`` on lists: pages of one consistent snapshot, as from etcd.

The first page of a list with ``limit`` takes a snapshot of the whole (filtered, sorted) result at
the store's resourceVersion and answers its first ``limit`` items with an opaque ``continue``
token (upstream's shape: base64 of ``{"v":"meta.k8s.io/v1","rv":N,"start":"<ns>/<name>\\x00"}``)
and ``remainingItemCount``. Every later page is cut from the same snapshot, with the same
``resourceVersion``, so objects created, changed or deleted meanwhile neither appear nor vanish.

Snapshots hold references to the store's read-only objects (no copies) and are kept for
``TTL`` seconds, upstream's default etcd compaction interval (5 minutes), ``MAX_SNAPSHOTS`` at
most. A token whose snapshot is gone (expired, or the engine restarted) gets upstream's 410
``Expired``, whose ``metadata.continue`` continues from the same place in a new snapshot (an
inconsistent list, which the message says); a token that does not decode is a 400.
"""

from __future__ import annotations

import base64
import bisect
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from graceroll.errors import GracerollError, UsageError

Obj = dict[str, Any]
TTL = 300.0
MAX_SNAPSHOTS = 64
EXPIRED_MESSAGE = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new list "
    "without the continue parameter, or use the continue token in this response to retrieve the remainder of the "
    "results. Continuing with the provided token results in an inconsistent list - objects that were created, "
    "modified, or deleted between the time the first chunk was returned and now may show up in the list."
)
SnapshotKey = tuple[str, str, str, str, int]  # kind, namespace, labelSelector, fieldSelector, rv


class ContinueExpired(GracerollError):
    """The snapshot of a continue token is gone; ``token`` continues without it (HTTP 410)."""

    def __init__(self, token: str) -> None:
        super().__init__(EXPIRED_MESSAGE)
        self.token = token


@dataclass(frozen=True)
class Page:
    items: list[Obj]
    resource_version: int
    continue_token: str = ""
    remaining: int | None = None

    def metadata(self) -> Obj:
        md: Obj = {"resourceVersion": str(self.resource_version)}
        if self.continue_token:
            md["continue"] = self.continue_token
            if self.remaining is not None:
                md["remainingItemCount"] = self.remaining
        return md


def _sort_key(obj: Obj) -> tuple[str, str]:
    md = obj["metadata"]
    return (str(md.get("namespace") or ""), str(md["name"]))


def encode(rv: int, after: tuple[str, str]) -> str:
    body = {"v": "meta.k8s.io/v1", "rv": rv, "start": f"{after[0]}/{after[1]}\x00"}
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(token: str) -> tuple[int, tuple[str, str]]:
    try:
        body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        rv, start = int(body["rv"]), str(body["start"])
        if body.get("v") != "meta.k8s.io/v1" or not start.endswith("\x00") or "/" not in start:
            raise ValueError("unknown shape")
    except (ValueError, KeyError, TypeError) as e:
        raise UsageError(f"invalid continue token: continue key is not valid: {e}") from None
    namespace, _, name = start[:-1].partition("/")
    return rv, (namespace, name)


class Snapshots:
    def __init__(self) -> None:
        self._held: OrderedDict[SnapshotKey, tuple[float, list[Obj]]] = OrderedDict()

    def page(self, key: SnapshotKey, items: list[Obj], limit: int, now: float, token: str = "") -> Page:
        """One page: from ``items`` (the current result at ``key``'s rv) when there is no token,
        else from the token's snapshot of the same request."""
        self._expire(now)
        rv = key[4]
        if token:
            token_rv, after = decode(token)
            held = self._held.get(key[:4] + (token_rv,))
            if held is None:  # a new snapshot, to go on from the same place (inconsistently)
                self._keep(key, sorted(items, key=_sort_key), now)
                raise ContinueExpired(encode(rv, after))
            snapshot, rv = held[1], token_rv
            return self._cut(key[:4] + (rv,), snapshot, _after(snapshot, after), limit, now)
        snapshot = sorted(items, key=_sort_key)
        return self._cut(key, snapshot, 0, limit, now)

    def _cut(self, key: SnapshotKey, snapshot: list[Obj], start: int, limit: int, now: float) -> Page:
        end = start + limit if limit > 0 else len(snapshot)
        chunk = snapshot[start:end]
        if end >= len(snapshot):
            return Page(chunk, key[4])
        self._keep(key, snapshot, now)
        counted = not key[2] and not key[3]  # as upstream: unknown when selectors filter
        return Page(chunk, key[4], encode(key[4], _sort_key(chunk[-1])), len(snapshot) - end if counted else None)

    def _keep(self, key: SnapshotKey, snapshot: list[Obj], now: float) -> None:
        if key not in self._held:
            self._held[key] = (now, snapshot)
            while len(self._held) > MAX_SNAPSHOTS:
                self._held.popitem(last=False)

    def _expire(self, now: float) -> None:
        for k in [k for k, (taken, _) in self._held.items() if now - taken > TTL]:
            del self._held[k]


def _after(snapshot: list[Obj], after: tuple[str, str]) -> int:
    """The index of the first item that sorts after ``after``."""
    return bisect.bisect_right([_sort_key(o) for o in snapshot], after)
