"""Recreate planner (upstream ``recreate.go``): the new RS starts only once no old pod runs."""

from __future__ import annotations

from graceroll.api.meta import Obj
from graceroll.controllers.deployment import util
from graceroll.controllers.podutil import phase


def old_pods_running(old_rss: list[Obj], pods_by_rs: dict[str, list[Obj]]) -> bool:
    """True while an old RS reports pods or owns a pod that is not Failed/Succeeded."""
    if sum(util.status_field(rs, "replicas") for rs in old_rss) > 0:
        return True
    for rs in old_rss:
        for pod in pods_by_rs.get(rs["metadata"]["uid"], ()):
            if phase(pod) not in ("Failed", "Succeeded"):
                return True
    return False
