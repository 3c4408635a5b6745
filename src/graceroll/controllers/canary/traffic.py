"""``status.trafficRouting``: what the canary steps ask of the data plane, as a pure planner.

The data plane (the built-in proxy, HAProxy) reads this graceroll extension of a workload's
status::

    trafficRouting: {canaryRevision: <the canary pods' revision label value>,
                     weight: 10,                           # optional: no split without it
                     headerRoutes: [{name, match: [{headerName, headerValue: {exact|prefix|regex}}]}]}

``weight`` is Argo Rollouts' ``setWeight``: that percentage of requests goes to the canary pods,
the rest to the other pods, whatever the pod counts are. If one side has no ready pod, every
request goes to the other side. A request that satisfies every ``match`` entry of a header route
goes to the canary only. Without ``trafficRouting``, requests are spread over every ready pod.

What the steps set (``planned``): the last ``trafficWeight`` and the header routes of the steps up
to and including the current one. So a traffic step's setting holds through the pause, hook and
partition steps after it, until another traffic step changes it. It is cleared once every step is
done, when the new revision takes all the traffic as the only one left.

Only a workload with canary steps has its routing planned here; without steps, a routing that
someone else wrote stays (``kept_without_steps``), so a tool or a user can split the traffic of
any workload by writing the status.

When a canary is left for another revision (``rollout cancel``, an abort, a new template in the
middle of the steps), its pods get weight 0 (``abandoned``) while any of them is left, so a
canary that was just judged bad takes no more requests during the rollback. Example: weight 10
on revision b, the judge fails, abort: ``{canaryRevision: b, weight: 0}`` until the last pod of
b is updated back, then no ``trafficRouting`` at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graceroll.api.canary_steps import TRAFFIC_HEADER_ROUTE, TRAFFIC_WEIGHT
from graceroll.api.meta import clone

Obj = dict[str, Any]
STATUS_KEY = "trafficRouting"
TRAFFIC_ROUTING_UPDATED = "TrafficRoutingUpdated"  # event reason (Argo has TrafficWeightUpdated for the weight alone)


def planned(steps: list[Obj], index: int, canary_revision: str) -> Obj | None:
    """What the steps up to ``index`` set for ``canary_revision``; None when they set nothing yet
    or every step is done."""
    if index >= len(steps):
        return None
    weight: int | None = None
    routes: dict[str, list[Obj]] = {}
    for step in steps[: index + 1]:
        if step.get(TRAFFIC_WEIGHT) is not None:
            weight = int(step[TRAFFIC_WEIGHT])
        route = step.get(TRAFFIC_HEADER_ROUTE)
        if isinstance(route, dict):
            name = str(route.get("name") or "")
            if route.get("match"):
                routes[name] = clone({"m": route["match"]})["m"]
            else:
                routes.pop(name, None)
    if weight is None and not routes:
        return None
    out: Obj = {"canaryRevision": canary_revision}
    if weight is not None:
        out["weight"] = weight
    if routes:
        out["headerRoutes"] = [{"name": name, "match": match} for name, match in routes.items()]
    return out


def abandoned(revision: str) -> Obj:
    """A canary being left: no request goes to its pods while another side has ready ones."""
    return {"canaryRevision": revision, "weight": 0}


def routing(steps: list[Obj], index: int, canary_revision: str, previous: Obj | None, pod_revisions: Iterable[str]) -> Obj | None:
    """This pass's ``status.trafficRouting``. ``previous``: the stored one; ``pod_revisions``: the
    revision of each live pod (a left canary keeps weight 0 while one of them has its revision)."""
    plan = planned(steps, index, canary_revision)
    if plan is not None:
        return plan
    left = str((previous or {}).get("canaryRevision") or "")
    if left and left != canary_revision and left in set(pod_revisions):
        return abandoned(left)
    return None


def kept_without_steps(status: Obj) -> Obj | None:
    """The stored routing a workload without canary steps keeps: one some other writer set (a
    tool, ``kubectl patch --subresource=status``). A routing left by steps that were walked up to
    the last pass (``currentStepHash`` set) is the controller's own and goes with them."""
    routing = status.get(STATUS_KEY)
    return routing if isinstance(routing, dict) and not status.get("currentStepHash") else None


def describe(routing: Obj | None) -> str:
    """One line for events, ``rollout status`` and the dashboard: ``10% to revision gs-7c9``."""
    if not routing:
        return "every ready pod"
    parts = [f"{routing['weight']}%"] if routing.get("weight") is not None else []
    routes = [str(r.get("name")) for r in routing.get("headerRoutes") or ()]
    if routes:
        parts.append(f"header route{'s' if len(routes) > 1 else ''} {', '.join(routes)}")
    text = f"{' and '.join(parts)} to revision {routing.get('canaryRevision', '')}"
    return text if routing.get("weight") is not None else f"{text}; the rest to every ready pod"


def event_message(old: Obj | None, new: Obj | None) -> str:
    if new is None:
        return f"traffic routing cleared: requests go to every ready pod (was {describe(old)})"
    return f"traffic routing: {describe(new)} (was {describe(old)})"
