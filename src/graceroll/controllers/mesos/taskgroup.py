"""A Mesos taskgroup template as a pod: what runs, with which environment and ports.

Mesos containers have no names: they are ``c0``, ``c1``, … in order. ``command`` (a string) and
``args`` become the container's command and arguments; ``env`` keeps its name/value pairs; ports keep
their ``containerPort`` and name (the protocol becomes TCP: ``HTTP`` is a Mesos health-check
notion); ``healthChecks`` become probes (``healthcheck``). ``killPolicy.gracePeriod`` is the
termination grace period. Fields with no meaning on this node (``type``, ``parameters``,
``privileged``, ``networkMode``, …) are ignored.
"""

from __future__ import annotations

from typing import Any

from graceroll.api.meta import Obj
from graceroll.controllers.mesos.healthcheck import probes

DEFAULT_GRACE = 10


def pod_spec(template: Obj, kill_policy: Any) -> Obj:
    containers = []
    for i, c in enumerate((template.get("spec") or {}).get("containers") or []):
        out: Obj = {"name": f"c{i}", "image": c["image"]}
        if c.get("command"):
            out["command"] = [c["command"]] if isinstance(c["command"], str) else list(c["command"])
        if c.get("args"):
            out["args"] = [str(a) for a in c["args"]]
        env = [{"name": str(e["name"]), "value": str(e.get("value", ""))} for e in c.get("env") or [] if isinstance(e, dict) and e.get("name")]
        if env:
            out["env"] = env
        ports = [
            {k: v for k, v in (("name", p.get("name")), ("containerPort", p.get("containerPort")), ("protocol", "TCP")) if v}
            for p in c.get("ports") or []
            if isinstance(p, dict) and p.get("containerPort")
        ]
        if ports:
            out["ports"] = ports
        out |= probes(c.get("healthChecks"))
        containers.append(out)
    grace = (kill_policy or {}).get("gracePeriod", DEFAULT_GRACE) if isinstance(kill_policy, dict) else DEFAULT_GRACE
    return {"containers": containers, "terminationGracePeriodSeconds": int(grace)}
