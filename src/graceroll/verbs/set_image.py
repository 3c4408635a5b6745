"""``set image``: change container images in an object's pod template (or in a pod)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graceroll.api.meta import Obj, clone
from graceroll.errors import UsageError
from graceroll.store.base import Store
from graceroll.verbs.record import record
from graceroll.verbs.target import Target

ALL_CONTAINERS = "*"


def set_image(
    store: Store,
    kind: str,
    name: str,
    images: Mapping[str, str],
    namespace: str = "default",
    *,
    change_cause: str | None = None,
) -> str:
    """``deployment.apps/web image updated``; ``""`` when every image already was the one asked for
    (kubectl prints nothing then). ``*`` as the container name means every container.

    Nothing is written unless every named container exists.
    """
    if not images:
        raise UsageError("at least one image update is required")
    target = Target.of(kind, name, namespace)
    current = target.get(store)
    new = clone(current)
    containers = pod_containers(new, target, "set image")
    for container, image in images.items():
        if not image:
            raise UsageError(f'invalid image for container "{container}": the image must not be empty')
        matched = [c for c in containers if container in (ALL_CONTAINERS, c.get("name"))]
        if not matched:
            raise UsageError(f'unable to find container named "{container}"')
        for c in matched:
            c["image"] = image
    if new == current:
        return ""
    target.write(store, current, record(new, change_cause))
    return f"{target.display} image updated"


def pod_containers(obj: Obj, target: Target, verb: str) -> list[dict[str, Any]]:
    """Init containers and containers of the pod spec: ``spec.template.spec``, or ``spec`` of a pod."""
    spec = obj.get("spec") or {}
    template = spec.get("template")
    pod_spec = template.get("spec") if isinstance(template, dict) else spec if "containers" in spec else None
    if not isinstance(pod_spec, dict):
        raise UsageError(f"{target.display} has no pod template: {verb} works on objects with containers")
    return [c for key in ("initContainers", "containers") for c in pod_spec.get(key) or [] if isinstance(c, dict)]
