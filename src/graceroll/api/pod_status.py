"""What a new Pod's status says before any node looks at it, and its QoS class.

Upstream ``pkg/registry/core/pod/strategy.go`` ``PrepareForCreate``: ``status`` is
``{phase: Pending, qosClass: …}`` whatever the client sent, so a Pod is ``Pending`` from its
first version. ``qosClass`` is ``pkg/apis/core/helper/qos`` ``ComputePodQOS``: ``BestEffort``
without any cpu/memory request or limit, ``Guaranteed`` when every container limits both cpu and
memory and requests exactly that (an unset request counts as its limit), else ``Burstable``.

The store's ``on_create`` hook also names the ServiceAccount: ``spec.serviceAccountName``
defaults to ``default`` (what upstream's ServiceAccount admission plugin does for every pod) and
the deprecated ``spec.serviceAccount`` mirrors it (the v1 conversion); the ServiceAccounts
controller keeps a ``default`` ServiceAccount in every namespace.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from graceroll.api import quantity
from graceroll.api.meta import Obj

QOS_RESOURCES = ("cpu", "memory")
DEFAULT_SERVICE_ACCOUNT = "default"


def qos_class(spec: Obj) -> str:
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    for c in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        resources = (c.get("resources") or {}) if isinstance(c, dict) else {}
        own_requests = _amounts(resources.get("requests"))
        own_limits = _amounts(resources.get("limits"))
        for name, value in own_requests.items():
            requests[name] = requests.get(name, Fraction(0)) + value
        for name, value in own_limits.items():
            limits[name] = limits.get(name, Fraction(0)) + value
        if set(own_limits) != set(QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(n) == v for n, v in requests.items()) and set(requests) <= set(limits):
        return "Guaranteed"
    return "Burstable"


def _amounts(values: Any) -> dict[str, Fraction]:
    out: dict[str, Fraction] = {}
    for name in QOS_RESOURCES:
        if isinstance(values, dict) and name in values:
            try:
                amount = quantity.parse(values[name])
            except ValueError:
                continue
            if amount != 0:
                out[name] = amount
    return out


def prepare_for_create(pod: Obj) -> None:
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        spec = pod["spec"] = {}
    account = spec.get("serviceAccountName") or spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT
    spec["serviceAccountName"] = spec["serviceAccount"] = account
    pod["status"] = {"phase": "Pending", "qosClass": qos_class(spec)}
