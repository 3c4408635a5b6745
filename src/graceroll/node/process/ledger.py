"""What the node wrote down about the processes it started, so that the next engine can take them over.

Each pod directory holds ``processes.json``::

    {"version": 2, "namespace": "default", "name": "web-7c9-x2x4z", "uid": "…", "ip": "127.10.0.7",
     "groups": [
       {"pgid": 4242, "started": 873311, "boot": "1b2c…",
        "container": {"name": "app", "spec": {…}, "image": "demo:v1", "imageID": "…",
                      "startedAt": 1767225600.25, "restartCount": 0, "cwd": "/…/root",
                      "running": true, "stopping": null}},
       {"pgid": 4300, "started": 873390, "boot": "1b2c…"}]}

A group is added when a process starts and dropped once it has ended. A container's group carries
what the next engine needs to adopt it and to report it unchanged: the container spec it was
started with, image and imageID, start time, restart count and working directory; ``running``
once postStart returned; ``stopping`` once the node began to stop it (why, its own SIGKILL deadline,
when preStop began). A group without ``container`` is a one-off: an exec probe or exec hook. Every
change rewrites the file atomically (a temporary file, then a rename).

``pgid``, ``started`` (the leader's start, in clock ticks since boot) and ``boot`` identify the
leader for good (``procfs``): a recorded group is only ever adopted or signalled while that very
process is alive, never a newcomer that reused its id.

A file without ``version`` comes from an engine that restarted pods instead of adopting them; its
groups have no ``container`` and are killed, and the pod starts afresh (``adoption``).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graceroll.api.meta import Obj
from graceroll.node.process import procfs

FILE = "processes.json"
VERSION = 2


@dataclass(frozen=True)
class Stopping:
    """A stop the node had begun: a restart (``failed``/``changed``) or the pod's end (``kill``)."""

    why: str
    deadline: float | None  # SIGKILL at the latest: a restart's own grace period; None: the pod's deadline
    pre_stop_at: float | None  # when preStop began (None: it was not run); it never runs twice
    message: str = ""


@dataclass(frozen=True)
class ContainerRun:
    """One run of a container, as far as the next engine needs it."""

    name: str
    spec: Obj
    image: str
    image_id: str
    started_at: float  # wall clock, the status's startedAt
    restart_count: int
    cwd: str
    running: bool = False  # postStart returned
    stopping: Stopping | None = None


@dataclass(frozen=True)
class Group:
    pgid: int
    started: int  # the leader's start, clock ticks after boot (-1: unknown)
    boot: str
    run: ContainerRun | None = None  # None: a one-off (exec probe or hook)


class Ledger:
    """The record of one pod's process groups (``<pod dir>/processes.json``)."""

    def __init__(self, path: Path, namespace: str, name: str, uid: str, ip: str = "", version: int = VERSION) -> None:
        self.path = path
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.ip = ip
        self.version = version
        self._groups: dict[int, Group] = {}
        self._boot = procfs.boot_id()

    @staticmethod
    def load(path: Path) -> Ledger | None:
        """The ledger in ``path``; None when there is none or it cannot be read (then nothing is adopted)."""
        try:
            data = json.loads(path.read_text())
            ledger = Ledger(
                path, str(data["namespace"]), str(data["name"]), str(data["uid"]), str(data.get("ip") or ""), int(data.get("version") or 1)
            )
            for g in data.get("groups") or ():
                run = _run_from_json(g["container"]) if g.get("container") else None
                ledger._groups[int(g["pgid"])] = Group(int(g["pgid"]), int(g["started"]), str(g["boot"]), run)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return ledger

    @property
    def legacy(self) -> bool:
        """Written by an engine that did not adopt: nothing in it can be."""
        return self.version < VERSION

    @property
    def groups(self) -> list[Group]:
        return list(self._groups.values())

    def add(self, pgid: int) -> None:
        """A one-off process (``runtime.GroupRecord``)."""
        self._put(Group(pgid, self._started(pgid), self._boot))

    def add_container(self, pgid: int, run: ContainerRun) -> None:
        self._put(Group(pgid, self._started(pgid), self._boot, run))

    def update_run(self, pgid: int, **changes: Any) -> None:
        """Change fields of a container's recorded run (``running``, ``stopping``, ``spec`` …)."""
        group = self._groups.get(pgid)
        if group is not None and group.run is not None:
            self._put(dataclasses.replace(group, run=dataclasses.replace(group.run, **changes)))

    def discard(self, pgid: int) -> None:
        if self._groups.pop(pgid, None) is not None:
            self.save()

    def retain(self, pgids: set[int]) -> None:
        """Keep only these groups (the ones adopted), written once."""
        self._groups = {p: g for p, g in self._groups.items() if p in pgids}
        self.save()

    def save(self) -> None:
        if not self.path.parent.is_dir():
            return  # the pod directory is gone: nothing left to record
        self.version = VERSION
        data = {
            "version": VERSION,
            "namespace": self.namespace,
            "name": self.name,
            "uid": self.uid,
            "ip": self.ip,
            "groups": [_group_to_json(g) for g in self._groups.values()],
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)

    def _put(self, group: Group) -> None:
        self._groups[group.pgid] = group
        self.save()

    @staticmethod
    def _started(pgid: int) -> int:
        st = procfs.read_stat(pgid)
        return st.started if st else -1


def _group_to_json(g: Group) -> dict[str, Any]:
    out: dict[str, Any] = {"pgid": g.pgid, "started": g.started, "boot": g.boot}
    if g.run is not None:
        r = g.run
        out["container"] = {
            "name": r.name,
            "spec": r.spec,
            "image": r.image,
            "imageID": r.image_id,
            "startedAt": r.started_at,
            "restartCount": r.restart_count,
            "cwd": r.cwd,
            "running": r.running,
            "stopping": dataclasses.asdict(r.stopping) if r.stopping is not None else None,
        }
    return out


def _run_from_json(c: dict[str, Any]) -> ContainerRun:
    s = c.get("stopping")
    stopping = None
    if s:
        stopping = Stopping(
            str(s["why"]),
            float(s["deadline"]) if s.get("deadline") is not None else None,
            float(s["pre_stop_at"]) if s.get("pre_stop_at") is not None else None,
            str(s.get("message") or ""),
        )
    spec = c["spec"]
    if not isinstance(spec, dict):
        raise TypeError("container spec is not an object")
    return ContainerRun(
        name=str(c["name"]),
        spec=spec,
        image=str(c.get("image") or ""),
        image_id=str(c.get("imageID") or ""),
        started_at=float(c["startedAt"]),
        restart_count=int(c.get("restartCount") or 0),
        cwd=str(c.get("cwd") or ""),
        running=bool(c.get("running")),
        stopping=stopping,
    )
