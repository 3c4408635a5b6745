"""What a starting node does with what an earlier engine left behind: adopt, restart or kill.

When an engine dies (``kill -9``, a crash), its containers live on in their own sessions, and the
ledger of each pod directory (``ledger``) says which process groups it had started. The next
engine decides per recorded group, from the store and the ledger alone (:func:`plan_leftovers`,
pure), then acts (``agent``):

- **adopt** a container's group when its pod is still in the store, runs on this node, is not
  finished, and still has a container of that name, and the ledger knows the pod's IP — provided
  the leader turns out to be the very process recorded (``runtime.adopt``). If it is not (gone, or
  its pid now names another process), the container is **lost**: it exited while no engine ran,
  and is restarted per its restart policy (``container``).
- **kill** every other group: one-off processes (exec probes and hooks in flight at the crash:
  they run again when their schedule says), containers the pod no longer has, the groups of pods
  that are gone from the store, not this node's, or finished, and everything of a ledger written by
  an engine that did not adopt (no ``version``: its pods restart as that engine would have done).
  Kills are safe against reused ids (``runtime.kill_leftover``).

The pods' directories of pods no longer in the store are removed, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from graceroll.api.meta import Obj
from graceroll.node.process.ledger import ContainerRun, Group, Ledger
from graceroll.node.process.runtime import AdoptedProcess


@dataclass(frozen=True)
class Leftovers:
    """The plan for one pod directory's recorded groups."""

    adopt: tuple[Group, ...] = ()  # container groups to take over if their leader is still the recorded process
    kill: tuple[Group, ...] = ()
    remove: bool = False  # the pod is gone from the store: its directory goes too


@dataclass(frozen=True)
class Found:
    """What a starting node found of one container: the earlier run, and its process if it was adopted."""

    run: ContainerRun
    pgid: int
    proc: AdoptedProcess | None  # None: lost while no engine ran


def plan_leftovers(ledger: Ledger, uid: str, pod: Obj | None, runs_here: bool) -> Leftovers:
    """``pod``: the store's pod of this ``uid`` (None if gone); ``runs_here``: it is this node's and not finished."""
    groups = tuple(ledger.groups)
    if pod is None:
        return Leftovers(kill=groups, remove=True)
    if not runs_here or ledger.legacy or ledger.uid != uid or not ledger.ip:
        return Leftovers(kill=groups)
    names = {str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or ()}
    newest: dict[str, Group] = {}
    kill: list[Group] = []
    for g in groups:
        if g.run is None or g.run.name not in names:
            kill.append(g)
            continue
        name = g.run.name
        other = newest.get(name)
        if other is not None:  # two runs of one container: only the later can be current
            kill.append(min(other, g, key=lambda x: x.started))
            g = max(other, g, key=lambda x: x.started)
        newest[name] = g
    return Leftovers(adopt=tuple(newest.values()), kill=tuple(kill))
